import type { Metadata, RecordRow } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import type { Backend, CollectionRef } from '../backends/types.js'
import { InvalidArgumentError, InvalidFilterError, NotFoundError } from '../../engine/index.js'
import { parseWhere, parseWhereDocument } from '../../engine/filters/index.js'

export function cut(doc: string | null, chars: number | undefined): string | null {
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

/** Embeds texts with the collection's own model, here, for local and remote collections alike. */
export async function embed(backend: Backend, c: CollectionRef, texts: string[]): Promise<number[][]> {
  const ef = backend.embedder(c)
  if (!ef) {
    throw new InvalidArgumentError(
      `Collection "${c.name}" has no embedding model: give embeddings, or create it with a model to embed text`
    )
  }
  return ef.generate(texts)
}

const orUndefined = <T>(x: T | null | undefined): T | undefined => x ?? undefined

type Filter = Record<string, unknown>

/** Records the filters select, among `ids` when given (ids that do not exist are not counted). */
async function countRecords(
  backend: Backend,
  c: CollectionRef,
  where: Filter | null | undefined,
  whereDocument: Filter | null | undefined,
  ids: string[] | null | undefined
): Promise<number> {
  if (!ids) return backend.countWhere(c, orUndefined(where), orUndefined(whereDocument))
  const found = await c.get({ ids, where: orUndefined(where), whereDocument: orUndefined(whereDocument), include: [] })
  return found.ids.length
}

/**
 * A Chroma server refuses a filter with Chroma's text only; the engine reads the same filter by the
 * same rules and says why (docs/filters.md). A refusal the engine does not share is passed on as is.
 */
function withFilterReason<I extends { where?: Filter | null; whereDocument?: Filter | null }, O>(
  handler: (input: I) => Promise<O>
): (input: I) => Promise<O> {
  return async (input) => {
    try {
      return await handler(input)
    } catch (err) {
      if (
        !(err instanceof InvalidFilterError) &&
        err instanceof Error &&
        /Invalid where (document )?clause|Regex syntax errror/.test(err.message)
      ) {
        try {
          if (input.where != null) parseWhere(input.where)
          if (input.whereDocument != null) parseWhereDocument(input.whereDocument)
        } catch (reason) {
          if (reason instanceof InvalidFilterError) throw reason
        }
      }
      throw err
    }
  }
}

export function recordHandlers(ctx: AppContext): RecordHandlers {
  const { events } = ctx
  const open = async (connection: string | undefined, id: string) => {
    const backend = ctx.connections.backend(connection)
    return { backend, c: await backend.get(id) }
  }
  const changed = (collectionId: string): void => events.emit({ type: 'records-changed', collectionId })

  const readRows = async (c: CollectionRef, ids: string[], embeddings: boolean): Promise<RecordRow[]> => {
    const res = await c.get({
      ids,
      include: embeddings ? ['documents', 'metadatas', 'embeddings'] : ['documents', 'metadatas']
    })
    return res.ids.map((id, i) => ({
      id,
      document: res.documents?.[i] ?? null,
      metadata: res.metadatas?.[i] ?? null,
      ...(embeddings ? { embedding: res.embeddings?.[i] ? Array.from(res.embeddings[i]) : null } : {})
    }))
  }

  return {
    'records.page': withFilterReason(
      async ({ connection, collectionId, limit, offset, where, whereDocument, ids, documentChars }) => {
        const { backend, c } = await open(connection, collectionId)
        // Never embeddings: a page of a list view stays small however wide the vectors are.
        const res = await c.get({
          ...(ids ? { ids } : {}),
          where: orUndefined(where),
          whereDocument: orUndefined(whereDocument),
          limit,
          offset,
          include: ['documents', 'metadatas']
        })
        return {
          rows: res.ids.map((id, i) => ({
            id,
            document: cut(res.documents?.[i] ?? null, documentChars),
            metadata: (res.metadatas?.[i] ?? null) as Metadata | null
          })),
          total: await countRecords(backend, c, where, whereDocument, ids),
          offset
        }
      }
    ),
    'records.get': async ({ connection, collectionId, ids, embeddings }) =>
      readRows((await open(connection, collectionId)).c, ids, embeddings ?? false),
    'records.count': withFilterReason(async ({ connection, collectionId, where, whereDocument, ids }) => {
      const { backend, c } = await open(connection, collectionId)
      return countRecords(backend, c, where, whereDocument, ids)
    }),
    'records.add': async ({ connection, collectionId, records }) => {
      const { backend, c } = await open(connection, collectionId)
      const given = records.filter((r) => r.embedding != null).length
      if (given > 0 && given < records.length) {
        throw new InvalidArgumentError('Give an embedding for every record or for none (then documents are embedded)')
      }
      let embeddings = given > 0 ? records.map((r) => r.embedding as number[]) : undefined
      if (!embeddings) {
        const missing = records.findIndex((r) => r.document == null)
        if (missing >= 0) {
          throw new InvalidArgumentError(`Record ${records[missing]?.id}: give a document or an embedding`)
        }
        embeddings = await embed(
          backend,
          c,
          records.map((r) => r.document as string)
        )
      }
      await c.add({
        ids: records.map((r) => r.id),
        embeddings,
        ...(records.some((r) => r.document != null) ? { documents: records.map((r) => r.document ?? null) } : {}),
        ...(records.some((r) => r.metadata != null) ? { metadatas: records.map((r) => r.metadata ?? null) } : {})
      })
      changed(collectionId)
      return { added: records.length }
    },
    'records.update': async ({ connection, collectionId, id, document, metadata, embedding }) => {
      const { backend, c } = await open(connection, collectionId)
      const existing = await c.get({ ids: [id], include: [] })
      if (existing.ids.length === 0) throw new NotFoundError(`Record [${id}] does not exist in ${c.name}`)
      const vector = embedding ?? (document != null ? (await embed(backend, c, [document]))[0] : undefined)
      await c.update({
        ids: [id],
        ...(vector ? { embeddings: [vector] } : {}),
        ...(document != null ? { documents: [document] } : {}),
        ...(metadata != null ? { metadatas: [metadata] } : {})
      })
      changed(collectionId)
      return (await readRows(c, [id], false))[0] as RecordRow
    },
    'records.delete': withFilterReason(async ({ connection, collectionId, ids, where, whereDocument }) => {
      if (ids == null && where == null && whereDocument == null) {
        throw new InvalidArgumentError('Choose records to delete: ids or a filter')
      }
      const { backend, c } = await open(connection, collectionId)
      const filter = { ids: orUndefined(ids), where: orUndefined(where), whereDocument: orUndefined(whereDocument) }
      const deleted = await backend.deleteRecords(c, filter)
      changed(collectionId)
      return { deleted }
    }),
    'records.query': withFilterReason(async (input) => {
      const { connection, collectionId, text, embedding, similarTo, nResults, where, whereDocument } = input
      const { backend, c } = await open(connection, collectionId)
      let vector = embedding
      if (similarTo !== undefined) {
        const source = await c.get({ ids: [similarTo], include: ['embeddings'] })
        const found = source.embeddings?.[0]
        if (!found) throw new NotFoundError(`Record [${similarTo}] does not exist in ${c.name}`)
        vector = Array.from(found)
      }
      vector ??= (await embed(backend, c, [text as string]))[0] as number[]
      const res = await c.query({
        queryEmbeddings: [vector],
        nResults,
        where: orUndefined(where),
        whereDocument: orUndefined(whereDocument),
        include: ['documents', 'metadatas', 'distances']
      })
      return (res.ids[0] ?? []).map((id, i) => ({
        id,
        document: cut(res.documents?.[0]?.[i] ?? null, input.documentChars),
        metadata: (res.metadatas?.[0]?.[i] ?? null) as Metadata | null,
        distance: res.distances?.[0]?.[i] as number
      }))
    })
  }
}
