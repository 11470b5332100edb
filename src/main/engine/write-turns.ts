// Asynchronous writes take turns with everything else on the request thread (decision 0117): each
// runs on its own turn of the event loop, so a request that arrived while writes were queued (a
// query) is served after the write in progress, not after every write queued before it.

export class WriteTurns {
  private readonly waiting: (() => void)[] = []
  private scheduled = false

  /**
   * Resolves on a later turn of the event loop, once the writes that asked before have had theirs;
   * `again`: a write that had its turn and had to wait once more goes ahead of those that asked since.
   */
  next(again = false): Promise<void> {
    return new Promise((resolve) => {
      if (again) this.waiting.unshift(resolve)
      else this.waiting.push(resolve)
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
      this.waiting.shift()?.()
      this.schedule()
    })
  }
}
