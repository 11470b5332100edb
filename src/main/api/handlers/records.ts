import type { Metadata, RecordRow } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { InvalidArgumentError, NotFoundError, type Collection } from '../../engine/index.js'

function cut(doc: string | null, chars: number | undefined): string | null {
  if (doc === null || chars === undefined || doc.length <= chars) return doc
  return doc.slice(0, chars) + '…'
}

type RecordHandlers = Pick<
  Handlers,
  | 'records.page'
  | 'records.get'
  | 'records.count'
  | 'records.add'
  | 'records.update'
  | 'records.delete'
  | 'records.query'
>

export function recordHandlers(ctx: AppContext): RecordHandlers {
  const { client, events } = ctx
  const byId = (id: string): Promise<Collection> => client.getCollectionById(id)
  const changed = (collectionId: string): void => events.emit({ type: 'records-changed', collectionId })

  const readRows = async (c: Collection, ids: string[], embeddings: boolean): Promise<RecordRow[]> => {
    const res = await c.get({
      ids,
      include: embeddings ? ['documents', 'metadatas', 'embeddings'] : ['documents', 'metadatas']
    })
    return res.ids.map((id, i) => ({
      id,
      document: res.documents?.[i] ?? null,
      metadata: (res.metadatas?.[i] ?? null) as Metadata | null,
      ...(embeddings ? { embedding: res.embeddings?.[i] ? Array.from(res.embeddings[i]) : null } : {})
    }))
  }

  return {
    'records.page': async ({ collectionId, limit, offset, where, whereDocument, documentChars }) => {
      const c = await byId(collectionId)
      // Never embeddings: a page of a list view stays small however wide the vectors are.
      const res = await c.get({
        where: where ?? undefined,
        whereDocument: whereDocument ?? undefined,
        limit,
        offset,
        include: ['documents', 'metadatas']
      })
      const total = client.db.countWhere(collectionId, where ?? undefined, whereDocument ?? undefined)
      return {
        rows: res.ids.map((id, i) => ({
          id,
          document: cut(res.documents?.[i] ?? null, documentChars),
          metadata: (res.metadatas?.[i] ?? null) as Metadata | null
        })),
        total,
        offset
      }
    },
    'records.get': async ({ collectionId, ids, embeddings }) =>
      readRows(await byId(collectionId), ids, embeddings ?? false),
    'records.count': async ({ collectionId, where, whereDocument }) =>
      client.db.countWhere(collectionId, where ?? undefined, whereDocument ?? undefined),
    'records.add': async ({ collectionId, records }) => {
      const c = await byId(collectionId)
      const hasEmbedding = records.map((r) => r.embedding != null)
      if (hasEmbedding.some((x) => x) && hasEmbedding.some((x) => !x)) {
        throw new InvalidArgumentError('Give an embedding for every record or for none (then documents are embedded)')
      }
      const allEmbedded = hasEmbedding.every((x) => x)
      await c.add({
        ids: records.map((r) => r.id),
        embeddings: allEmbedded ? records.map((r) => r.embedding as number[]) : undefined,
        documents: records.some((r) => r.document != null) ? records.map((r) => r.document ?? null) : undefined,
        metadatas: records.some((r) => r.metadata != null) ? records.map((r) => r.metadata ?? null) : undefined
      })
      changed(collectionId)
      return { added: records.length }
    },
    'records.update': async ({ collectionId, id, document, metadata, embedding }) => {
      const c = await byId(collectionId)
      const existing = await c.get({ ids: [id], include: [] })
      if (existing.ids.length === 0) throw new NotFoundError(`Record [${id}] does not exist in ${c.name}`)
      await c.update({
        ids: [id],
        ...(embedding != null ? { embeddings: [embedding] } : {}),
        ...(document != null ? { documents: [document] } : {}),
        ...(metadata != null ? { metadatas: [metadata] } : {})
      })
      changed(collectionId)
      return (await readRows(c, [id], false))[0] as RecordRow
    },
    'records.delete': async ({ collectionId, ids, where, whereDocument }) => {
      if (ids == null && where == null && whereDocument == null) {
        throw new InvalidArgumentError('Choose records to delete: ids or a filter')
      }
      const c = await byId(collectionId)
      const res = await c.delete({
        ids: ids ?? undefined,
        where: where ?? undefined,
        whereDocument: whereDocument ?? undefined
      })
      changed(collectionId)
      return res
    },
    'records.query': async ({
      collectionId,
      text,
      embedding,
      similarTo,
      nResults,
      where,
      whereDocument,
      documentChars
    }) => {
      const c = await byId(collectionId)
      let queryEmbeddings: number[][] | undefined
      if (embedding !== undefined) queryEmbeddings = [embedding]
      if (similarTo !== undefined) {
        const source = await c.get({ ids: [similarTo], include: ['embeddings'] })
        const vector = source.embeddings?.[0]
        if (!vector) throw new NotFoundError(`Record [${similarTo}] does not exist in ${c.name}`)
        queryEmbeddings = [Array.from(vector)]
      }
      const res = await c.query({
        ...(queryEmbeddings ? { queryEmbeddings } : { queryTexts: [text as string] }),
        nResults,
        where: where ?? undefined,
        whereDocument: whereDocument ?? undefined,
        include: ['documents', 'metadatas', 'distances']
      })
      const ids = res.ids[0] ?? []
      return ids.map((id, i) => ({
        id,
        document: cut(res.documents?.[0]?.[i] ?? null, documentChars),
        metadata: (res.metadatas?.[0]?.[i] ?? null) as Metadata | null,
        distance: res.distances?.[0]?.[i] as number
      }))
    }
  }
}
