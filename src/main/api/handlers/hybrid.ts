// Keyword (BM25) and hybrid search for the UI, on this computer's database (decision 0098,
// docs/search-api.md). A keyword index is a chroma_bm25 sparse key in the collection's schema; the
// engine fills it on every write and `collections.enableKeywordSearch` fills it for stored records.
// A hybrid query is one call of the engine's search API: a dense Knn of the embedded text and a
// keyword Knn of the text, fused by weighted reciprocal rank, plus each ranking alone so the UI can
// show where every hit came from.
import type { HybridRow, Metadata } from '../../../shared/contract.js'
import { hybridCandidates } from '../../../shared/hybrid.js'
import { KEYWORD_KEY, keywordKeyOf } from '../../engine/collection-schema.js'
import { InvalidArgumentError } from '../../engine/index.js'
import { isPlainObject } from '../../engine/validation.js'
import type { AppContext } from '../context.js'
import type { Handlers } from '../dispatch.js'
import { localOnly } from './local-only.js'
import { cut, embed } from './records.js'

/** Records written per transaction while a keyword index fills (a few ms each: cancel is heard at once). */
const BACKFILL_BATCH = 500

/** A where_document filter as the search API's where clause: document operators under `#document`. */
export function documentFilterAsWhere(doc: Record<string, unknown>): Record<string, unknown> {
  const [op, arg] = Object.entries(doc)[0] ?? []
  if ((op === '$and' || op === '$or') && Array.isArray(arg) && Object.keys(doc).length === 1) {
    return { [op]: arg.map((d) => (isPlainObject(d) ? documentFilterAsWhere(d) : d)) }
  }
  return { '#document': doc }
}

/** Rrf: -(sum of weight / (k + rank)) over the weighted rankings, lower first as every search score. */
export function rrfRank(knns: { knn: Record<string, unknown>; weight: number }[], k: number): Record<string, unknown> {
  const terms = knns
    .filter((r) => r.weight > 0)
    .map((r) => ({ $div: { left: { $val: r.weight }, right: { $sum: [{ $val: k }, { $knn: r.knn }] } } }))
  return { $mul: [{ $val: -1 }, terms.length === 1 ? terms[0] : { $sum: terms }] }
}

export function hybridHandlers(
  ctx: AppContext
): Pick<Handlers, 'collections.enableKeywordSearch' | 'collections.keywordStatus' | 'records.hybrid'> {
  const db = ctx.client.db
  return {
    'collections.enableKeywordSearch': async ({ connection, id }) => {
      localOnly(connection, 'Keyword search')
      const c = await ctx.connections.backend(connection).get(id)
      const key = keywordKeyOf(db.getCollectionById(c.id).schema) ?? KEYWORD_KEY
      db.addKeywordIndex(c.id, key) // checked (and the schema written) before the job starts
      ctx.events.emit({ type: 'collections-changed' })
      return ctx.jobs.start({
        kind: 'keyword-index',
        title: `Keyword index for ${c.name}`,
        unit: 'records',
        collectionId: c.id,
        run: async ({ signal, progress }) => {
          const total = db.countDocuments(c.id)
          // Records already indexed (written since, or by an earlier run) count as done.
          let done = total - db.countMissingKeyword(c.id, key)
          progress(done, total, 'indexing')
          for (let after = 0; ;) {
            signal.throwIfAborted()
            const { written, lastRid } = db.backfillKeywordIndex(c.id, key, after, BACKFILL_BATCH)
            if (written === 0) break
            after = lastRid
            done += written
            progress(done, total, 'indexing')
            await new Promise((resolve) => setImmediate(resolve)) // let queries and the cancel in
          }
          return { key, records: done }
        }
      })
    },
    'collections.keywordStatus': async ({ connection, id }) => {
      localOnly(connection, 'Keyword search')
      const c = await ctx.connections.backend(connection).get(id)
      const key = keywordKeyOf(db.getCollectionById(c.id).schema)
      const documents = db.countDocuments(c.id)
      return { key, documents, missing: key === null ? documents : db.countMissingKeyword(c.id, key) }
    },
    'records.hybrid': async (input) => {
      const { connection, collectionId, text, nResults, denseWeight, keywordWeight, rrfK } = input
      localOnly(connection, 'Hybrid search')
      const backend = ctx.connections.backend(connection)
      const c = await backend.get(collectionId)
      const key = keywordKeyOf(db.getCollectionById(c.id).schema)
      if (key === null) {
        throw new InvalidArgumentError(
          `Collection "${c.name}" has no keyword index yet: turn on keyword search for it first`
        )
      }
      const vector = denseWeight > 0 ? ((await embed(backend, c, [text]))[0] as number[]) : null
      const candidates = hybridCandidates(nResults)
      const dense = vector && { query: vector, limit: candidates, return_rank: true }
      const keyword = { query: text, key, limit: candidates, return_rank: true }
      const parts = [input.where, input.whereDocument && documentFilterAsWhere(input.whereDocument)].filter(
        (f): f is Record<string, unknown> => f != null && Object.keys(f).length > 0
      )
      const filter = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { $and: parts }
      const fused = rrfRank(
        [
          ...(dense ? [{ knn: { ...dense, default: candidates }, weight: denseWeight }] : []),
          { knn: { ...keyword, default: candidates }, weight: keywordWeight }
        ],
        rrfK
      )
      const only = (knn: Record<string, unknown>) => ({ filter, rank: { $knn: knn }, limit: { limit: candidates } })
      const res = db.search(c.id, [
        {
          filter,
          rank: fused,
          limit: { limit: nResults },
          select: { keys: ['#document', '#metadata', '#score'] }
        },
        ...(dense ? [only(dense)] : []),
        only(keyword)
      ])
      const rankIn = (ids: string[] | undefined): Map<string, number> => new Map(ids?.map((id, i) => [id, i + 1]))
      const denseRanks = dense ? rankIn(res.ids[1]) : new Map<string, number>()
      const keywordRanks = rankIn(res.ids[dense ? 2 : 1])
      return (res.ids[0] ?? []).map((id, i): HybridRow => ({
        id,
        document: cut(res.documents[0]?.[i] ?? null, input.documentChars),
        metadata: (res.metadatas[0]?.[i] ?? null) as Metadata | null,
        score: res.scores[0]?.[i] as number,
        denseRank: denseRanks.get(id) ?? null,
        keywordRank: keywordRanks.get(id) ?? null
      }))
    }
  }
}
