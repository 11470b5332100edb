import path from 'node:path'
import type { CollectionSummary } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import type { Collection } from '../../engine/index.js'
import { DEFAULT_MODEL } from '../../engine/embedding/index.js'

/** The model a collection embeds with, read from its stored embedding function configuration. */
function embeddingModelOf(c: Collection): string | null {
  const ef = c.configuration.embedding_function
  if (!ef || ef.type !== 'known') return null
  const model = ef.config?.model
  if (typeof model === 'string' && model.length > 0) return model
  return ef.name === 'default' ? DEFAULT_MODEL : null
}

export async function summarize(c: Collection, dimension: number | null): Promise<CollectionSummary> {
  return {
    id: c.id,
    name: c.name,
    metadata: c.metadata,
    count: await c.count(),
    dimension,
    space: c.configuration.hnsw.space,
    embeddingModel: embeddingModelOf(c),
    configuration: c.configuration as unknown as Record<string, unknown>
  }
}

/** A hub id stays as it is; anything that looks like a path becomes absolute. */
function modelReference(model: string): string {
  return model.startsWith('.') || path.isAbsolute(model) || model.includes(path.sep + path.sep)
    ? path.resolve(model)
    : model
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
  const { client, events } = ctx
  const byId = (id: string): Promise<Collection> => client.getCollectionById(id)
  const summaryOf = async (c: Collection): Promise<CollectionSummary> =>
    summarize(c, client.db.getCollectionById(c.id).dimension)
  const changed = (): void => events.emit({ type: 'collections-changed' })

  return {
    'collections.list': async () => {
      const list = await client.listCollections()
      const summaries = await Promise.all(list.map(summaryOf))
      return summaries.sort((a, b) => a.name.localeCompare(b.name))
    },
    'collections.get': async ({ id }) => summaryOf(await byId(id)),
    'collections.create': async ({ name, metadata, space, embeddingModel }) => {
      const model = embeddingModel === undefined ? DEFAULT_MODEL : embeddingModel
      const embedding_function =
        model === null
          ? null
          : {
              type: 'known' as const,
              name: model === DEFAULT_MODEL ? 'default' : 'transformers',
              config: { model: modelReference(model) }
            }
      const c = await client.createCollection({
        name,
        metadata: metadata ?? undefined,
        configuration: { ...(space ? { hnsw: { space } } : {}), embedding_function }
      })
      changed()
      return summaryOf(c)
    },
    'collections.rename': async ({ id, name }) => {
      const c = await byId(id)
      await c.modify({ name })
      changed()
      return summaryOf(c)
    },
    'collections.setMetadata': async ({ id, metadata }) => {
      const c = await byId(id)
      // Replaces the whole map, as Chroma's modify does (and, like Chroma, refuses an empty one).
      await c.modify({ metadata })
      changed()
      return summaryOf(c)
    },
    'collections.delete': async ({ id }) => {
      const c = await byId(id)
      await client.deleteCollection({ name: c.name })
      changed()
      return { deleted: c.name }
    },
    'collections.metadataKeys': async ({ id }) => client.db.metadataKeys(id)
  }
}
