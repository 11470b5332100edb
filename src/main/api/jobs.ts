// Long work that belongs to the app, not to a window or a tab: backup, restore, index rebuild, clone.
// Each job runs once, reports progress through push events (throttled) and answers cancel by
// aborting its signal; the list keeps the running ones and the most recent finished ones, so a
// reloaded page finds them again.
import { randomUUID } from 'node:crypto'
import type { JobKind, JobStatus } from '../../shared/contract.js'
import { NotFoundError } from '../engine/index.js'
import { declaredStatus, describeError } from './errors.js'
import type { AppEvents } from './events.js'

/** What a job's body gets: its abort signal and a way to report progress. */
export interface JobControl {
  readonly signal: AbortSignal
  /**
   * `done` of `total` in the job's unit; `phase` names the step when a job has several, and `unit`
   * changes the unit when a step counts something else (ingest: bytes parsed, then chunks).
   */
  progress(done: number, total: number, phase?: string, unit?: JobStatus['unit']): void
}

export interface JobSpec<R extends Record<string, unknown>> {
  kind: JobKind
  /** For people: "Back up the database", "Rebuild the index of notes". */
  title: string
  unit: JobStatus['unit']
  /** The collection it acts on, when one: the UI shows the job beside it. */
  collectionId?: string
  run(control: JobControl): Promise<R>
}

/** The abort reason when the app quits (not the user's Cancel): a job may keep its work to resume. */
export class AppClosing extends Error {
  constructor() {
    super('The app is closing')
  }
}

/** Finished jobs kept for the list. */
const KEEP_FINISHED = 50
/** Progress events at most this often per job; the start and the end are always sent. */
const PROGRESS_INTERVAL_MS = 100

interface Entry {
  status: JobStatus
  controller: AbortController
  finished: Promise<void>
}

export class Jobs {
  private readonly jobs = new Map<string, Entry>()

  constructor(private readonly events: Pick<AppEvents, 'emit'>) {}

  start<R extends Record<string, unknown>>(spec: JobSpec<R>): JobStatus {
    const status: JobStatus = {
      jobId: randomUUID(),
      kind: spec.kind,
      title: spec.title,
      collectionId: spec.collectionId ?? null,
      state: 'running',
      phase: null,
      done: 0,
      total: 0,
      unit: spec.unit,
      error: null,
      result: null,
      startedAt: Date.now(),
      finishedAt: null
    }
    const controller = new AbortController()
    let lastSent = 0
    const push = (): void => this.events.emit({ type: 'job', status: structuredClone(status) })
    const control: JobControl = {
      signal: controller.signal,
      progress: (done, total, phase, unit) => {
        const stepChanged =
          (phase !== undefined && phase !== status.phase) || (unit !== undefined && unit !== status.unit)
        status.done = done
        status.total = total
        if (phase !== undefined) status.phase = phase
        if (unit !== undefined) status.unit = unit
        const now = Date.now()
        // A new step is always sent, so a window never shows one step's numbers in another's unit.
        if (stepChanged || now - lastSent >= PROGRESS_INTERVAL_MS) {
          lastSent = now
          push()
        }
      }
    }
    const finished = Promise.resolve()
      .then(() => {
        if (controller.signal.aborted) throw new Error(`${spec.title}: cancelled`)
        return spec.run(control)
      })
      .then((result) => {
        // Copied now: a result that cannot be sent to a window fails the job here, not every event later.
        status.result = structuredClone(result)
        status.state = 'done'
      })
      .catch((err: unknown) => {
        const cancelled = controller.signal.aborted
        status.state = cancelled ? 'cancelled' : 'failed'
        // As for any call: an error written for the user keeps its message; anything else is logged and
        // shown as a generic message with its log id (src/main/api/errors.ts).
        status.error =
          cancelled && declaredStatus(err) === undefined
            ? `${spec.title}: cancelled`
            : describeError(err, `${spec.kind} job "${spec.title}"`).message
      })
      .finally(() => {
        status.finishedAt = Date.now()
        push()
        this.prune()
      })
    this.jobs.set(status.jobId, { status, controller, finished })
    push()
    return structuredClone(status)
  }

  /** Running jobs first, then finished ones, newest first. */
  list(): JobStatus[] {
    return [...this.jobs.values()]
      .map((j) => structuredClone(j.status))
      .sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running') || b.startedAt - a.startedAt)
  }

  status(jobId: string): JobStatus {
    return structuredClone(this.entry(jobId).status)
  }

  cancel(jobId: string): JobStatus {
    const job = this.entry(jobId)
    if (job.status.state === 'running') job.controller.abort()
    return structuredClone(job.status)
  }

  /** Resolves when the job has ended, whichever way. */
  async settled(jobId: string): Promise<JobStatus> {
    const job = this.entry(jobId)
    await job.finished
    return structuredClone(job.status)
  }

  /** Cancels what runs and waits for it to stop (app shutdown). */
  async close(): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.status.state === 'running')
    for (const j of running) j.controller.abort(new AppClosing())
    await Promise.allSettled(running.map((j) => j.finished))
  }

  private entry(jobId: string): Entry {
    const job = this.jobs.get(jobId)
    if (!job) throw new NotFoundError(`Job ${jobId} does not exist`)
    return job
  }

  private prune(): void {
    const finished = [...this.jobs.values()]
      .filter((j) => j.status.state !== 'running')
      .sort((a, b) => (b.status.finishedAt ?? 0) - (a.status.finishedAt ?? 0))
    for (const j of finished.slice(KEEP_FINISHED)) this.jobs.delete(j.status.jobId)
  }
}
