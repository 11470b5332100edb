// Index health and storage for the UI (docs/index-health.md): a collection's report, and verify,
// rebuild and compact as app jobs (progress and cancel in the header's Jobs button).
import { LOCAL_CONNECTION } from '../../../shared/constants.js'
import { UnimplementedError } from '../../engine/index.js'
import type { AppContext } from '../context.js'
import type { Handlers } from '../dispatch.js'

/** Chroma's API has no calls for any of this, so a remote connection cannot offer it. */
function localOnly(connection: string | undefined): void {
  if (connection !== undefined && connection !== LOCAL_CONNECTION) {
    throw new UnimplementedError(
      'Index health, verify, rebuild and compact are available for the built-in database only: Chroma’s API has no such calls.'
    )
  }
}

export function healthHandlers(
  ctx: AppContext
): Pick<Handlers, 'collections.health' | 'collections.verifyIndex' | 'collections.rebuildIndex' | 'database.compact'> {
  const db = ctx.client.db
  /** Verify and rebuild run alike: one job over one collection's index, progress in records. */
  const indexJob = <R extends object>(
    id: string,
    kind: 'verify' | 'rebuild',
    verb: string,
    phase: string,
    op: (options: { signal: AbortSignal; onProgress: (done: number, total: number) => void }) => Promise<R>
  ) =>
    ctx.jobs.start({
      kind,
      title: `${verb} the index of ${db.getCollectionById(id).name}`,
      unit: 'records',
      collectionId: id,
      run: async ({ signal, progress }) => {
        const report: object = await op({ signal, onProgress: (done, total) => progress(done, total, phase) })
        return { ...report }
      }
    })
  return {
    'collections.health': async ({ connection, id }) => {
      localOnly(connection)
      return db.collectionHealth(id)
    },
    'collections.verifyIndex': async ({ connection, id }) => {
      localOnly(connection)
      return indexJob(id, 'verify', 'Verify', 'comparing', (options) => db.verifyIndex(id, options))
    },
    'collections.rebuildIndex': async ({ connection, id }) => {
      localOnly(connection)
      return indexJob(id, 'rebuild', 'Rebuild', 'inserting', (options) => db.rebuildIndex(id, options))
    },
    'database.compact': async () =>
      ctx.jobs.start({
        kind: 'compact',
        title: 'Compact the database',
        unit: 'bytes',
        run: async ({ signal, progress }) => {
          progress(0, 0, 'VACUUM (cannot be cancelled once started)')
          const report = await db.compact({ signal })
          progress(report.freedBytes, report.freedBytes, 'done')
          return { ...report }
        }
      })
  }
}
