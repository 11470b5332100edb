// Copy jobs for the UI: one collection to another connection, in batches, with progress pushed as
// events and cancel. The copying itself is the portability layer's (src/main/portability).
import { randomUUID } from 'node:crypto'
import { LOCAL_CONNECTION } from '../../../shared/constants.js'
import type { CopyStatus } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { NotFoundError } from '../../engine/index.js'
import { copyCollection } from '../../portability/index.js'

export class CopyManager {
  private readonly jobs = new Map<string, { status: CopyStatus; controller: AbortController }>()

  constructor(private readonly ctx: Pick<AppContext, 'connections' | 'events'>) {}

  async start(input: {
    connection?: string
    collectionId: string
    target: string
    name?: string
  }): Promise<CopyStatus> {
    const { connections, events } = this.ctx
    // Both databases are fixed first: a switch while the source is looked up must not copy a namesake.
    const fromScope = connections.scope(input.connection)
    const toScope = connections.scope(input.target)
    const source = await connections.backend(input.connection, fromScope).get(input.collectionId)
    const from = connections.portable(input.connection, fromScope)
    const to = connections.portable(input.target, toScope)
    const status: CopyStatus = {
      jobId: randomUUID(),
      source: { connection: input.connection ?? LOCAL_CONNECTION, collection: source.name },
      target: { connection: input.target, collection: input.name || source.name },
      state: 'running',
      copied: 0,
      total: await source.count(),
      error: null
    }
    const controller = new AbortController()
    this.jobs.set(status.jobId, { status, controller })
    const push = (): void => events.emit({ type: 'copy', status: structuredClone(status) })
    void copyCollection(from, to, source.name, {
      as: status.target.collection,
      signal: controller.signal,
      onProgress: ({ done, total }) => {
        status.copied = done
        status.total = total
        push()
      }
    })
      .then(
        (report) => {
          status.copied = report.copied
          status.state = 'done'
        },
        (err: unknown) => {
          const copied = (err as { report?: { copied?: number } }).report?.copied
          if (typeof copied === 'number') status.copied = copied
          status.state = controller.signal.aborted ? 'cancelled' : 'failed'
          status.error = err instanceof Error ? err.message : String(err)
        }
      )
      .finally(async () => {
        await Promise.allSettled([from.close(), to.close()])
        push()
        events.emit({ type: 'collections-changed' })
      })
    return structuredClone(status)
  }

  status(jobId: string): CopyStatus {
    return structuredClone(this.job(jobId).status)
  }

  cancel(jobId: string): CopyStatus {
    const job = this.job(jobId)
    job.controller.abort()
    return structuredClone(job.status)
  }

  private job(jobId: string) {
    const job = this.jobs.get(jobId)
    if (!job) throw new NotFoundError(`Copy job ${jobId} does not exist`)
    return job
  }
}

export function copyHandlers(manager: CopyManager): Pick<Handlers, 'collections.copy' | 'copy.status' | 'copy.cancel'> {
  return {
    'collections.copy': async (input) => manager.start(input),
    'copy.status': async ({ jobId }) => manager.status(jobId),
    'copy.cancel': async ({ jobId }) => manager.cancel(jobId)
  }
}
