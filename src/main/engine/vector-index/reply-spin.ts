// How long the main thread polls for the index worker's reply to a search before it sleeps on the
// futex (decision 0112). Spinning saves a futex wake-up (~0.09 ms on a VM) when the worker runs on a
// core of its own, but on a busy machine the spinner takes the core the worker needs: measured on
// the shared 2-core VM (load 12), a 0.5 ms spin made a search's round trip 0.66-0.74 ms instead of
// 0.16-0.17 ms without it. So the spin is kept only while it pays: after a few spins in a row that
// ended without the reply, calls sleep at once, and one call in PROBE_EVERY spins again to notice
// that the machine has become quiet.
import { availableParallelism } from 'node:os'

/** The longest spin; a search's reply normally comes well within it on an idle machine. */
export const SPIN_MS = 0.5
/** Spins in a row that missed the reply before spinning stops. */
const MISSES_TO_STOP = 3
/** While stopped, one call in this many spins again. */
const PROBE_EVERY = 64

export class ReplySpin {
  private misses = 0
  private calls = 0

  constructor(private readonly cores = availableParallelism()) {}

  /** How long this call may spin (0: sleep at once). */
  budget(): number {
    // On a single core, spinning would only delay the worker it waits for.
    if (this.cores <= 1) return 0
    this.calls++
    if (this.misses < MISSES_TO_STOP || this.calls % PROBE_EVERY === 0) return SPIN_MS
    return 0
  }

  /** After a call that spun: whether the reply came while spinning. */
  record(caught: boolean): void {
    this.misses = caught ? 0 : this.misses + 1
  }
}
