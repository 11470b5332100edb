// How many points a moving map view draws (decisions 0104, 0109): all of them while frames keep up;
// where a full draw stutters, an evenly spread sample, halved while even that stutters. Pure, so the
// rule is tested apart from WebGL.

/** Points a slow moving view first draws. */
export const INTERACTIVE_POINTS = 20_000
/** Still too slow with the sample: it halves, down to this many. */
export const MIN_INTERACTIVE_POINTS = 2_500
/** Frames of a moving view that take longer than this (a visible stutter) count as slow. */
export const SLOW_FRAME_MS = 25
/** After this many slow frames in a row the view samples (or samples fewer). */
export const SLOW_FRAMES = 3

export class MovingSample {
  private slow = false
  private interactive = INTERACTIVE_POINTS
  private slowFrames = 0
  private lastDrawAt = 0
  private lastDrawMoving = false

  /** How many of `n` points to draw now. */
  count(n: number, moving: boolean): number {
    return moving && this.slow ? Math.min(n, this.interactive) : n
  }

  /**
   * A draw of `count` points ended at `now`. Only the time since a draw of the same move is a frame
   * time: a gap since a draw before the move began says nothing, while a slow draw of the move does,
   * however long it took.
   */
  drawn(now: number, moving: boolean, count: number): void {
    if (moving && this.lastDrawMoving && count > MIN_INTERACTIVE_POINTS) {
      this.slowFrames = now - this.lastDrawAt > SLOW_FRAME_MS ? this.slowFrames + 1 : 0
      if (this.slowFrames >= SLOW_FRAMES) {
        this.slowFrames = 0
        if (!this.slow) this.slow = true
        else this.interactive = Math.max(MIN_INTERACTIVE_POINTS, this.interactive >> 1)
      }
    }
    this.lastDrawAt = now
    this.lastDrawMoving = moving
  }
}
