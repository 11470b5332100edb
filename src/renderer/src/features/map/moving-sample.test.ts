import { describe, expect, it } from 'vitest'
import { INTERACTIVE_POINTS, MIN_INTERACTIVE_POINTS, MovingSample, SLOW_FRAMES } from './moving-sample'

const N = 100_000

/** Draws of one move, `ms` apart, starting at `t`; returns the time after the last. */
function move(s: MovingSample, t: number, frames: number, ms: number): number {
  for (let i = 0; i < frames; i++) {
    t += ms
    s.drawn(t, true, s.count(N, true))
  }
  return t
}

describe('MovingSample', () => {
  it('draws everything while frames keep up, and everything when still', () => {
    const s = new MovingSample()
    move(s, 0, 50, 16)
    expect(s.count(N, true)).toBe(N)
    expect(s.count(N, false)).toBe(N)
  })

  it('samples after SLOW_FRAMES slow frames of one move, however slow each is (the slowest machines too)', () => {
    const s = new MovingSample()
    const t = move(s, 0, 1, 400) // the move's first draw: no frame time yet
    move(s, t, SLOW_FRAMES - 1, 400)
    expect(s.count(N, true)).toBe(N)
    move(s, t + 1000, 1, 400)
    expect(s.count(N, true)).toBe(INTERACTIVE_POINTS)
    expect(s.count(N, false)).toBe(N)
  })

  it('does not count the gap since a draw made before the move began', () => {
    const s = new MovingSample()
    let t = 0
    for (let i = 0; i < 10; i++) {
      t += 5000
      s.drawn(t, false, N) // the view settles
      t += 5000
      s.drawn(t, true, N) // one draw of a new move, long after the last
    }
    expect(s.count(N, true)).toBe(N)
  })

  it('halves the sample while even it stutters, down to the minimum', () => {
    const s = new MovingSample()
    move(s, 0, 100, 100)
    expect(s.count(N, true)).toBe(MIN_INTERACTIVE_POINTS)
  })
})
