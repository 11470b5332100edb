import { describe, expect, it } from 'vitest'
import { FRAME_BUDGET_MS, GROW_AFTER, MIN_INTERACTIVE_POINTS, MovingSample, SLOW_WINDOW } from './moving-sample'

const N = 100_000

/** Draws of one move, `ms` apart, starting at `t` (input at each previous draw); returns the time after the last. */
function move(s: MovingSample, t: number, frames: number, ms: number): number {
  for (let i = 0; i < frames; i++) {
    t += ms
    s.drawn(t, true, s.count(N, true))
  }
  return t
}

/** The view settles: the full draw after the settle time ends the move. */
function settle(s: MovingSample, t: number): number {
  s.drawn(t + 160, false, N)
  return t + 160
}

describe('MovingSample', () => {
  it('draws everything while frames keep up, and everything when still', () => {
    const s = new MovingSample()
    move(s, 0, 50, 16)
    expect(s.count(N, true)).toBe(N)
    expect(s.count(N, false)).toBe(N)
  })

  it('samples at the second slow frame, sized to fit the frame budget at the cost measured', () => {
    const s = new MovingSample()
    let t = move(s, 0, 1, 400) // the move's first draw: no frame time yet
    t = move(s, t, 1, 400)
    expect(s.count(N, true)).toBe(N)
    move(s, t, 1, 400)
    // However slow each draw (the slowest machines too): 12 ms of a 400 ms frame's points.
    expect(s.count(N, true)).toBe(Math.floor((N * FRAME_BUDGET_MS) / 400))
    expect(s.count(N, false)).toBe(N)
  })

  it('lets a lone slow frame pass: only two within SLOW_WINDOW frames of one move act', () => {
    const s = new MovingSample()
    let t = 0
    for (let i = 0; i < 20; i++) {
      t = move(s, t, 1, 60)
      t = move(s, t, SLOW_WINDOW, 16)
    }
    expect(s.count(N, true)).toBe(N)
    t = move(s, t, 1, 60)
    t = move(s, t, SLOW_WINDOW - 1, 16)
    move(s, t, 1, 60)
    expect(s.count(N, true)).toBe(Math.floor((N * FRAME_BUDGET_MS) / 60))
  })

  it('does not add up hiccups of separate moves', () => {
    const s = new MovingSample()
    let t = 0
    for (let gesture = 0; gesture < 10; gesture++) {
      t = move(s, t + 120_000, 1, 16) // a new move: its first draw
      t = move(s, t, 2, 16)
      t = move(s, t, 1, 60)
      t = settle(s, move(s, t, 1, 16))
    }
    expect(s.count(N, true)).toBe(N)
  })

  it('does not count the time between inputs (wheel notches) as drawing time', () => {
    const s = new MovingSample()
    let t = 0
    for (let notch = 0; notch < 30; notch++) {
      const input = t + 96 // the user's finger, not the renderer
      t = input + 4 // the draw it causes ends 4 ms later
      s.drawn(t, true, s.count(N, true), input)
    }
    expect(s.count(N, true)).toBe(N)
    // The same gaps with no input behind the draws would be slow frames.
    move(s, t, 2, 100)
    expect(s.count(N, true)).toBeLessThan(N)
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

  it('takes the smaller of the two slow frames, so one outlier does not decide the size', () => {
    const s = new MovingSample()
    let t = move(s, 0, 1, 16)
    t = move(s, t, 1, 30_000) // a frame held while the window was hidden
    move(s, t, 1, 40)
    expect(s.count(N, true)).toBe(Math.floor((N * FRAME_BUDGET_MS) / 40))
  })

  it('shrinks while even the sample stutters, down to the minimum, and grows back while frames keep up', () => {
    const s = new MovingSample()
    let t = move(s, 0, 3, 100)
    expect(s.count(N, true)).toBe(12_000)
    t = move(s, t, 2, 33.4) // 12,000 points still miss frames: 12 ms of 33.4
    expect(s.count(N, true)).toBe(Math.floor((12_000 * FRAME_BUDGET_MS) / 33.4))
    t = move(s, t, 100, 100)
    expect(s.count(N, true)).toBe(MIN_INTERACTIVE_POINTS)
    t = move(s, t, GROW_AFTER, 16)
    expect(s.count(N, true)).toBe(Math.floor(MIN_INTERACTIVE_POINTS * 1.25))
    move(s, t, GROW_AFTER * 20, 16)
    expect(s.count(N, true)).toBe(N)
  })
})
