// Fork and facets for the UI, on this computer's database: a fork runs as an app job ('fork') over
// the portability layer's batched copy (src/main/portability/fork.ts); facets are one SQLite query
// (ChromaDatabase.facets). A Chroma server has neither call (decision 0088).
import { NotFoundError, UniqueConstraintError } from '../../engine/index.js'
import { validateCollectionName } from '../../engine/validation.js'
import { forkCollection } from '../../portability/fork.js'
import type { AppContext } from '../context.js'
import type { Handlers } from '../dispatch.js'
import { localOnly } from './local-only.js'

export function forkFacetHandlers(ctx: AppContext): Pick<Handlers, 'records.facets' | 'collections.fork'> {
  const db = ctx.client.db
  return {
    'records.facets': async ({ connection, collectionId, key, where, whereDocument, limit }) => {
      localOnly(connection, 'Facets')
      // Through the connection's backend: the collection must be in the current database.
      const c = await ctx.connections.backend(connection).get(collectionId)
      return db.facets(c.id, { key, where, where_document: whereDocument, limit })
    },
    'collections.fork': async ({ connection, collectionId, name }) => {
      localOnly(connection, 'Fork')
      const source = db.getCollectionById((await ctx.connections.backend(connection).get(collectionId)).id)
      const newName = validateCollectionName(name)
      const scope = { tenant: source.tenant, database: source.database }
      try {
        db.getCollection(scope, newName)
        throw new UniqueConstraintError(`Collection [${newName}] already exists`)
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e
      }
      return ctx.jobs.start({
        kind: 'fork',
        title: `Fork ${source.name} as ${newName}`,
        unit: 'records',
        collectionId: source.id,
        run: async ({ signal, progress }) => {
          try {
            const fork = await forkCollection(ctx.client, source.id, newName, {
              signal,
              onProgress: (p) => progress(p.done, p.total, 'copying')
            })
            return { id: fork.id, name: fork.name }
          } finally {
            ctx.events.emit({ type: 'collections-changed' })
          }
        }
      })
    }
  }
}
