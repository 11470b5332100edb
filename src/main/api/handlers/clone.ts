// Clone with new settings for the UI: everything is checked here, before the job starts (name,
// HNSW values, the model and whether it can load, records without documents); the work runs as an app
// job (kind 'clone') in the portability layer (src/main/portability/clone.ts). This computer's database
// only (decision 0083).
import { LOCAL_CONNECTION } from '../../../shared/constants.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { embeddingConfigFor, type TransformersEmbeddingFunction } from '../../engine/embedding/index.js'
import { InvalidArgumentError } from '../../engine/index.js'
import { cloneEmbedder, planClone, runClone, type CloneHnsw, type CloneSettings } from '../../portability/index.js'
import { embeddingModelOf } from './collections.js'

export function cloneHandlers(ctx: AppContext): Pick<Handlers, 'collections.clone'> {
  return {
    'collections.clone': async (input) => {
      if (input.connection !== undefined && input.connection !== LOCAL_CONNECTION) {
        throw new InvalidArgumentError(
          "Clone with new settings works on this computer's database. To clone a collection of a Chroma " +
            'server, copy it here (Copy to…), clone the copy, and copy the clone back.'
        )
      }
      const source = await ctx.connections.backend(input.connection).get(input.collectionId)
      // A model field left as the source's keeps the source's function as stored (revision, dtype).
      const stored = (source.configuration ?? {}) as Parameters<typeof embeddingModelOf>[0]
      const model = input.embeddingModel === embeddingModelOf(stored) ? undefined : input.embeddingModel
      const hnsw: CloneHnsw = {}
      if (input.space !== undefined) hnsw.space = input.space
      if (input.efConstruction !== undefined) hnsw.ef_construction = input.efConstruction
      if (input.maxNeighbors !== undefined) hnsw.max_neighbors = input.maxNeighbors
      if (input.efSearch !== undefined) hnsw.ef_search = input.efSearch
      const settings: CloneSettings = {
        as: input.name,
        hnsw,
        skipWithoutDocument: input.skipWithoutDocument === true,
        ...(model === undefined ? {} : { embeddingFunction: model === null ? null : embeddingConfigFor(model) })
      }
      const conn = ctx.connections.portable(input.connection)
      let embedder: TransformersEmbeddingFunction | null = null
      try {
        const plan = await planClone(conn, source.name, settings)
        // Chosen by the user here, so it may load, as in the create form (decision 0040); recorded as
        // allowed once its files are known to be there, so the clone's own function loads it too.
        embedder = cloneEmbedder(plan, ctx.connections.embeddingOptions)
        if (plan.model !== null) ctx.modelTrust.allow(plan.model)
        const job = ctx.jobs.start({
          kind: 'clone',
          title: `Clone ${source.name} as ${plan.target}`,
          unit: 'records',
          collectionId: source.id,
          run: async ({ signal, progress }) => {
            try {
              const report = await runClone(conn, plan, {
                ...(embedder ? { embedder } : {}),
                signal,
                onProgress: (p) => progress(p.done, p.total, p.phase)
              })
              return { ...report }
            } finally {
              await embedder?.close()
              await conn.close()
              ctx.events.emit({ type: 'collections-changed' })
            }
          }
        })
        return job
      } catch (err) {
        await embedder?.close()
        await conn.close()
        throw err
      }
    }
  }
}
