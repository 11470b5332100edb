// The adaptive spin of a search's wait (decision 0112): kept while it catches replies, dropped after
// misses in a row, probed again now and then; never on a single core.
import { describe, expect, it } from 'vitest'
import { ReplySpin, SPIN_MS } from './reply-spin.js'

describe('ReplySpin', () => {
  it('spins while spins catch the reply', () => {
    const spin = new ReplySpin(2)
    for (let i = 0; i < 200; i++) {
      expect(spin.budget()).toBe(SPIN_MS)
      spin.record(true)
    }
  })

  it('stops after three misses in a row, probes one call in 64, and resumes when a probe catches', () => {
    const spin = new ReplySpin(2)
    for (let i = 0; i < 3; i++) {
      expect(spin.budget()).toBe(SPIN_MS)
      spin.record(false)
    }
    const budgets: number[] = []
    for (let i = 0; i < 128; i++) {
      const b = spin.budget()
      budgets.push(b)
      if (b > 0) spin.record(false)
    }
    expect(budgets.filter((b) => b > 0)).toHaveLength(2)
    // A probe that catches the reply turns spinning back on.
    while (spin.budget() === 0) {
      // calls that sleep at once, up to the next probe
    }
    spin.record(true)
    expect(spin.budget()).toBe(SPIN_MS)
  })

  it('a miss between catches does not stop it', () => {
    const spin = new ReplySpin(2)
    for (let i = 0; i < 50; i++) {
      expect(spin.budget()).toBe(SPIN_MS)
      spin.record(i % 3 !== 0)
    }
  })

  it('never spins on one core', () => {
    expect(new ReplySpin(1).budget()).toBe(0)
  })
})
