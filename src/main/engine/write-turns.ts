// Asynchronous writes take turns with everything else on the request thread (decision 0117): each
// runs on its own turn of the event loop, so a request that arrived while writes were queued (a
// query) is served after the write in progress, not after every write queued before it.

export class WriteTurns {
  /** Ordered by place in line. */
  private readonly waiting: { place: number; resolve: () => void }[] = []
  private places = 0
  private scheduled = false

  /** A place in line, taken when a write first asks: it keeps it when it must ask again. */
  place(): number {
    return ++this.places
  }

  /**
   * Resolves on a later turn of the event loop, once the writes ahead of `place` that are waiting have
   * had theirs (a write that had its turn and must wait again for room comes back at its old place).
   */
  next(place: number): Promise<void> {
    return new Promise((resolve) => {
      let i = this.waiting.length
      while (i > 0 && (this.waiting[i - 1] as { place: number }).place > place) i--
      this.waiting.splice(i, 0, { place, resolve })
      this.schedule()
    })
  }

  /** Writes waiting for their turn. */
  get queued(): number {
    return this.waiting.length
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return
    this.scheduled = true
    // An immediate queued from an immediate runs on the next turn, after that turn's I/O callbacks.
    setImmediate(() => {
      this.scheduled = false
      this.waiting.shift()?.resolve()
      this.schedule()
    })
  }
}
