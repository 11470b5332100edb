import { keywordKeyOf, keywordSchema } from '../../engine/collection-schema.js'
import { localOnly } from './local-only.js'
import type { CollectionSummary } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import type { Backend, CollectionRef } from '../backends/types.js'
import { chosenModelFunction, DEFAULT_MODEL, embeddingConfigFor } from '../../engine/embedding/index.js'

interface StoredConfiguration {
  hnsw?: { space?: 'l2' | 'cosine' | 'ip' } | null
  embedding_function?: { type?: string; name?: string; config?: Record<string, unknown> } | null
}

/** The model a collection embeds with, read from its stored embedding function configuration. */
export function embeddingModelOf(configuration: StoredConfiguration): string | null {
  const ef = configuration.embedding_function
  if (!ef || ef.type !== 'known') return null
  const model = ef.config?.model ?? ef.config?.model_name
  if (typeof model === 'string' && model.length > 0) return model
  return ef.name === 'default' ? DEFAULT_MODEL : null
}

export async function summarize(backend: Backend, c: CollectionRef): Promise<CollectionSummary> {
  const configuration = (c.configuration ?? {}) as StoredConfiguration
  // Concurrent: on a remote connection each is a request of its own.
  const [count, dimension] = await Promise.all([c.count(), backend.dimension(c)])
  return {
    id: c.id,
    name: c.name,
    // Collection metadata holds no sparse vectors (only records' metadata may).
    metadata: (c.metadata ?? null) as CollectionSummary['metadata'],
    count,
    dimension,
    space: configuration.hnsw?.space ?? 'l2',
    embeddingModel: embeddingModelOf(configuration),
    configuration: configuration as Record<string, unknown>,
    // This computer's collections carry their schema; a Chroma server's (client 3.0) do not.
    keywordKey: keywordKeyOf((c as { schema?: unknown }).schema)
  }
}

export function collectionHandlers(
  ctx: AppContext
): Pick<
  Handlers,
  | 'collections.list'
  | 'collections.get'
  | 'collections.create'
  | 'collections.rename'
  | 'collections.setMetadata'
  | 'collections.delete'
  | 'collections.metadataKeys'
> {
  const { events } = ctx
  const backendOf = (connection: string | undefined): Backend => ctx.connections.backend(connection)
  const changed = (): void => events.emit({ type: 'collections-changed' })
  // Both collection kinds update their name and metadata in place on modify: no second lookup.
  const modify = async (
    connection: string | undefined,
    id: string,
    change: Parameters<CollectionRef['modify']>[0]
  ): Promise<CollectionSummary> => {
    const backend = backendOf(connection)
    const c = await backend.get(id)
    await c.modify(change)
    changed()
    return summarize(backend, c)
  }

  return {
    'collections.list': async ({ connection }) => {
      const backend = backendOf(connection)
      const summaries = await Promise.all((await backend.list()).map((c) => summarize(backend, c)))
      return summaries.sort((a, b) => a.name.localeCompare(b.name))
    },
    'collections.get': async ({ connection, id }) => {
      const backend = backendOf(connection)
      return summarize(backend, await backend.get(id))
    },
    'collections.create': async ({ connection, name, metadata, space, embeddingModel, keywordSearch }) => {
      if (keywordSearch) localOnly(connection, 'Keyword search')
      const backend = backendOf(connection)
      const model = embeddingModel === undefined ? DEFAULT_MODEL : embeddingModel
      // Checked first (hub id or folder), so a bad one is refused for a Chroma server too, which would
      // store any configuration; recorded as the user's choice once the collection exists.
      const reference = model === null ? null : ctx.modelTrust.check(model)
      const embedding_function = reference === null ? null : embeddingConfigFor(reference)
      // A model that cannot load (a missing folder, or not cached while offline) is reported now, not
      // at the first ingest; the check only looks at files (a hub model may still be downloaded).
      if (embedding_function !== null) {
        await chosenModelFunction(embedding_function, ctx.connections.embeddingOptions).close()
      }
      const c = await backend.create({
        name,
        ...(metadata ? { metadata } : {}),
        configuration: { ...(space ? { hnsw: { space } } : {}), embedding_function },
        ...(keywordSearch ? { schema: keywordSchema() } : {})
      })
      if (reference !== null) ctx.modelTrust.allow(reference)
      changed()
      return summarize(backend, c)
    },
    'collections.rename': ({ connection, id, name }) => modify(connection, id, { name }),
    // Replaces the whole map, as Chroma's modify does (and, like Chroma, refuses an empty one).
    'collections.setMetadata': ({ connection, id, metadata }) => modify(connection, id, { metadata }),
    'collections.delete': async ({ connection, id }) => {
      const backend = backendOf(connection)
      const c = await backend.get(id)
      await backend.remove(c.name)
      changed()
      return { deleted: c.name }
    },
    'collections.metadataKeys': async ({ connection, id }) => {
      const backend = backendOf(connection)
      return backend.metadataKeys(await backend.get(id))
    }
  }
}
