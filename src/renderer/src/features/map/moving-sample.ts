// How many points a moving map view draws (decisions 0104, 0109, 0115): all of them while frames keep
// up; where a full draw stutters, an evenly spread sample sized from the measured frame time, smaller
// again while even that stutters, and larger again while frames keep up. Pure, so the rule is tested
// apart from WebGL.

/** The sample never gets smaller than this. */
export const MIN_INTERACTIVE_POINTS = 2_500
/** Frames of a moving view that take longer than this (a visible stutter) count as slow. */
export const SLOW_FRAME_MS = 25
/**
 * A slow frame acts only when another one came within this many frames of the same move: a lone
 * hiccup (a garbage collection) does not thin the map.
 */
export const SLOW_WINDOW = 8
/** What a sampled frame aims to take: under a 60 Hz frame, with room for the page's own work. */
export const FRAME_BUDGET_MS = 12
/**
 * After this many fast moving frames in a row (5 s at 60 Hz) the sample grows by a quarter: a shrink
 * that went too far is undone, slowly enough that a machine at its limit seldom steps back over it.
 */
export const GROW_AFTER = 300

export class MovingSample {
  private interactive = Infinity
  private framesSinceSlow = Infinity
  private slowFrame = 0
  private fastFrames = 0
  private lastDrawAt = -Infinity
  private lastDrawMoving = false

  /** How many of `n` points to draw now. */
  count(n: number, moving: boolean): number {
    return moving ? Math.min(n, Math.floor(this.interactive)) : n
  }

  /**
   * A draw of `count` points ended at `now`; `inputAt` is when the earliest input behind it happened
   * (the event's timeStamp). The frame time runs from that input, or from the previous draw if that was
   * later: the time the user took between two wheel notches is not drawing time. The first draw of a
   * move has no frame time. Software rendering's cost grows with the points drawn (measured in
   * SwiftShader: 10,000 points missed a quarter of the 60 Hz frames, 20,000 all of them), so a shrink
   * keeps the share of `count` that fits the budget at the cost measured (the smaller of the two slow
   * frames, so one outlier does not decide it; growing back undoes a shrink that went too far).
   */
  drawn(now: number, moving: boolean, count: number, inputAt = -Infinity): void {
    if (moving && !this.lastDrawMoving) {
      this.framesSinceSlow = Infinity
      this.fastFrames = 0
    } else if (moving) {
      const frame = now - Math.max(this.lastDrawAt, inputAt)
      if (frame <= SLOW_FRAME_MS) {
        this.framesSinceSlow++
        if (++this.fastFrames >= GROW_AFTER && Number.isFinite(this.interactive)) {
          this.interactive *= 1.25
          this.fastFrames = 0
        }
      } else {
        this.fastFrames = 0
        if (this.framesSinceSlow >= SLOW_WINDOW) {
          this.framesSinceSlow = 0
          this.slowFrame = frame
        } else if (count > MIN_INTERACTIVE_POINTS) {
          const cost = Math.min(frame, this.slowFrame)
          this.interactive = Math.max(MIN_INTERACTIVE_POINTS, Math.floor((count * FRAME_BUDGET_MS) / cost))
          this.framesSinceSlow = Infinity
        }
      }
    }
    this.lastDrawAt = now
    this.lastDrawMoving = moving
  }
}
