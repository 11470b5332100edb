// Copy jobs for the UI: one collection to another connection, in batches, with progress pushed as
// events and cancel. They run as app jobs ('copy', src/main/api/jobs.ts), so the header's Jobs panel
// lists them from anywhere; copy.status keeps the copy's own shape under the same job id.
// The copying itself is the portability layer's (src/main/portability).
import { LOCAL_CONNECTION } from '../../../shared/constants.js'
import type { CopyStatus } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { NotFoundError } from '../../engine/index.js'
import { copyCollection } from '../../portability/index.js'

export class CopyManager {
  private readonly copies = new Map<string, CopyStatus>()

  constructor(private readonly ctx: Pick<AppContext, 'connections' | 'events' | 'jobs'>) {}

  async start(input: {
    connection?: string
    collectionId: string
    target: string
    name?: string
    /** Only these records (the map's selection). */
    ids?: string[]
  }): Promise<CopyStatus> {
    const { connections, events } = this.ctx
    // Both databases are fixed first: a switch while the source is looked up must not copy a namesake.
    const fromScope = connections.scope(input.connection)
    const toScope = connections.scope(input.target)
    const source = await connections.backend(input.connection, fromScope).get(input.collectionId)
    const from = connections.portable(input.connection, fromScope)
    const to = connections.portable(input.target, toScope)
    const status: CopyStatus = {
      jobId: '',
      source: { connection: input.connection ?? LOCAL_CONNECTION, collection: source.name },
      target: { connection: input.target, collection: input.name || source.name },
      state: 'running',
      copied: 0,
      total: input.ids ? new Set(input.ids).size : await source.count(),
      error: null
    }
    const push = (): void => events.emit({ type: 'copy', status: structuredClone(status) })
    const job = this.ctx.jobs.start({
      kind: 'copy',
      title: `Copy ${source.name} to ${status.target.collection}`,
      unit: 'records',
      collectionId: source.id,
      run: async ({ signal, progress }) => {
        try {
          const report = await copyCollection(from, to, source.name, {
            as: status.target.collection,
            ...(input.ids ? { ids: input.ids } : {}),
            signal,
            onProgress: ({ done, total }) => {
              status.copied = done
              status.total = total
              progress(done, total, 'copying')
              push()
            }
          })
          status.copied = report.copied
          status.state = 'done'
          return { copied: report.copied }
        } catch (err) {
          const copied = (err as { report?: { copied?: number } }).report?.copied
          if (typeof copied === 'number') status.copied = copied
          status.state = signal.aborted ? 'cancelled' : 'failed'
          status.error = err instanceof Error ? err.message : String(err)
          throw err
        } finally {
          await Promise.allSettled([from.close(), to.close()])
          push()
          events.emit({ type: 'collections-changed' })
        }
      }
    })
    status.jobId = job.jobId
    this.copies.set(job.jobId, status)
    return structuredClone(status)
  }

  status(jobId: string): CopyStatus {
    return structuredClone(this.copy(jobId))
  }

  cancel(jobId: string): CopyStatus {
    const status = this.copy(jobId)
    this.ctx.jobs.cancel(jobId)
    return structuredClone(status)
  }

  private copy(jobId: string): CopyStatus {
    const status = this.copies.get(jobId)
    if (!status) throw new NotFoundError(`Copy job ${jobId} does not exist`)
    return status
  }
}

export function copyHandlers(manager: CopyManager): Pick<Handlers, 'collections.copy' | 'copy.status' | 'copy.cancel'> {
  return {
    'collections.copy': async (input) => manager.start(input),
    'copy.status': async ({ jobId }) => manager.status(jobId),
    'copy.cancel': async ({ jobId }) => manager.cancel(jobId)
  }
}
