// How many points a moving map view draws (decisions 0104, 0109, 0115): all of them while frames keep
// up; where a full draw stutters, an evenly spread sample sized from the measured frame time, and
// smaller again while even that stutters. Pure, so the rule is tested apart from WebGL.

/** The sample never gets smaller than this. */
export const MIN_INTERACTIVE_POINTS = 2_500
/** Frames of a moving view that take longer than this (a visible stutter) count as slow. */
export const SLOW_FRAME_MS = 25
/**
 * A slow frame acts only when another slow one came within this many frames of the move: a lone
 * hiccup (a garbage collection) does not thin the map for the rest of the session.
 */
export const SLOW_WINDOW = 8
/** What a sampled frame aims to take: under a 60 Hz frame, with room for the page's own work. */
export const FRAME_BUDGET_MS = 12

export class MovingSample {
  private interactive = Infinity
  private framesSinceSlow = Infinity
  private lastDrawAt = 0
  private lastDrawMoving = false

  /** How many of `n` points to draw now. */
  count(n: number, moving: boolean): number {
    return moving ? Math.min(n, this.interactive) : n
  }

  /**
   * A draw of `count` points ended at `now`. Only the time since a draw of the same move is a frame
   * time: a gap since a draw before the move began says nothing, while a slow draw of the move does,
   * however long it took. Software rendering's cost grows with the points drawn (measured in
   * SwiftShader: 10,000 points missed a quarter of the 60 Hz frames, 20,000 all of them), so the next
   * sample is the share of `count` that fits the budget at this frame's cost.
   */
  drawn(now: number, moving: boolean, count: number): void {
    if (moving && this.lastDrawMoving && count > MIN_INTERACTIVE_POINTS) {
      const frame = now - this.lastDrawAt
      if (frame <= SLOW_FRAME_MS) this.framesSinceSlow++
      else if (this.framesSinceSlow >= SLOW_WINDOW) this.framesSinceSlow = 0
      else {
        this.interactive = Math.max(MIN_INTERACTIVE_POINTS, Math.floor((count * FRAME_BUDGET_MS) / frame))
        this.framesSinceSlow = Infinity
      }
    }
    this.lastDrawAt = now
    this.lastDrawMoving = moving
  }
}
