// Runs search plans (plan.ts) over a collection: Knn candidates from the vector index, rank
// expressions evaluated exactly over them, group_by, limit/offset and select. Semantics follow
// Chroma 1.5's rank operators (docs/search-api.md); lower scores rank first.
import type { FilterNode } from '../filters/index.js'
import type { Metadata, MetadataValue, SparseVector } from '../types.js'
import type { GroupByPlan, RankNode, SearchPlan } from './plan.js'

/** What a search needs from the database, inside one read transaction. */
export interface SearchSource {
  /** Record keys (rids) matching a filter, in insertion order, paged. */
  filtered(filter: FilterNode | null, offset: number, limit: number | null): number[]
  /** The k nearest to the query among `allowed` (all records when undefined), nearest first. */
  knn(query: Float32Array, k: number, allowed: ReadonlySet<number> | undefined): { label: number; distance: number }[]
  /**
   * The k best by 1 - dot product with a sparse query over the sparse vectors of a metadata key; a
   * text query is embedded with the key's sparse embedding function.
   */
  sparseKnn(
    key: string,
    query: SparseVector | string,
    k: number,
    allowed: ReadonlySet<number> | undefined
  ): { label: number; distance: number }[]
  rows(rids: readonly number[]): { id: string; document: string | null }[]
  metadata(rid: number): Metadata | null
  embedding(rid: number): number[]
}

export interface SearchResponse {
  ids: string[][]
  documents: ((string | null)[] | null)[]
  embeddings: ((number[] | null)[] | null)[]
  metadatas: ((Metadata | null)[] | null)[]
  scores: ((number | null)[] | null)[]
  select: string[][]
}

/**
 * Scores of some records (`support`) and the score of every other record (`rest`); `rest` null
 * means the others are out of the result. A Knn supports its `limit` nearest records.
 */
interface Domain {
  support: Map<number, number>
  rest: number | null
}

const flat = (value: number): Domain => ({ support: new Map(), rest: value })

function mapDomain(d: Domain, f: (x: number) => number): Domain {
  const support = new Map<number, number>()
  for (const [rid, x] of d.support) support.set(rid, f(x))
  return { support, rest: d.rest === null ? null : f(d.rest) }
}

/** Combines two domains: a record outside a side's support takes that side's `rest`, if any. */
function merge(a: Domain, b: Domain, f: (x: number, y: number) => number): Domain {
  const support = new Map<number, number>()
  const rids = new Set<number>()
  if (a.rest !== null || b.rest === null) for (const rid of b.support.keys()) rids.add(rid)
  if (b.rest !== null || a.rest === null) for (const rid of a.support.keys()) rids.add(rid)
  for (const rid of rids) {
    const x = a.support.get(rid) ?? a.rest
    const y = b.support.get(rid) ?? b.rest
    if (x !== null && y !== null) support.set(rid, f(x, y))
  }
  return { support, rest: a.rest !== null && b.rest !== null ? f(a.rest, b.rest) : null }
}

const OPS = {
  sum: { start: 0, f: (x: number, y: number) => x + y },
  mul: { start: 1, f: (x: number, y: number) => x * y },
  max: { start: -Infinity, f: Math.max },
  min: { start: Infinity, f: Math.min }
} as const

/** Knn candidate lists, computed once per Knn node of a plan (a node is evaluated once). */
export type KnnResults = Map<RankNode, { label: number; distance: number }[]>

export function evaluate(node: RankNode, knn: KnnResults): Domain {
  switch (node.op) {
    case 'knn': {
      const support = new Map<number, number>()
      ;(knn.get(node) ?? []).forEach((h, i) => support.set(h.label, node.returnRank ? i : h.distance))
      return { support, rest: node.default }
    }
    case 'val':
      return flat(node.value)
    case 'sum':
    case 'mul':
    case 'max':
    case 'min': {
      const { start, f } = OPS[node.op]
      return node.args.reduce((acc, a) => merge(acc, evaluate(a, knn), f), flat(start))
    }
    case 'sub':
      return merge(evaluate(node.left, knn), evaluate(node.right, knn), (x, y) => x - y)
    case 'div':
      return merge(evaluate(node.left, knn), evaluate(node.right, knn), (x, y) => x / y)
    case 'abs':
      return mapDomain(evaluate(node.arg, knn), Math.abs)
    case 'exp':
      return mapDomain(evaluate(node.arg, knn), Math.exp)
    case 'log':
      return mapDomain(evaluate(node.arg, knn), Math.log)
  }
}

export function knnNodes(node: RankNode): Extract<RankNode, { op: 'knn' }>[] {
  switch (node.op) {
    case 'knn':
      return [node]
    case 'val':
      return []
    case 'sum':
    case 'mul':
    case 'max':
    case 'min':
      return node.args.flatMap(knnNodes)
    case 'sub':
    case 'div':
      return [...knnNodes(node.left), ...knnNodes(node.right)]
    default:
      return knnNodes(node.arg)
  }
}

export interface Scored {
  rid: number
  score: number
}

/** Ascending score (scores are float32 as in Chroma), NaN last, then insertion order (rid). */
export function byScore(a: Scored, b: Scored): number {
  const na = Number.isNaN(a.score)
  const nb = Number.isNaN(b.score)
  if (na || nb) return na === nb ? a.rid - b.rid : na ? 1 : -1
  return a.score - b.score || a.rid - b.rid
}

/** Orders metadata values as group keys: missing first, then booleans, numbers, strings, lists. */
function valueOrder(a: MetadataValue | undefined, b: MetadataValue | undefined): number {
  const rank = (v: MetadataValue | undefined): number =>
    v === undefined ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : 4
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb || a === undefined || b === undefined) return ra - rb
  if (ra === 4) return JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0
  return a < b ? -1 : a > b ? 1 : 0
}

/** Keeps the k best records of each group (by the aggregate's keys), then orders all by score. */
export function groupRecords(ranked: Scored[], g: GroupByPlan, metadata: (rid: number) => Metadata | null): Scored[] {
  const groups = new Map<string, { r: Scored; meta: Metadata }[]>()
  for (const r of ranked) {
    const meta = metadata(r.rid) ?? {}
    const key = JSON.stringify(g.keys.map((k) => meta[k] ?? null))
    const list = groups.get(key) ?? []
    list.push({ r, meta })
    groups.set(key, list)
  }
  const sign = g.aggregate === 'min' ? 1 : -1
  const kept: Scored[] = []
  for (const list of groups.values()) {
    // Array.prototype.sort is stable: ties keep the score order they came in.
    list.sort((x, y) => {
      for (const k of g.by) {
        const c = k === '#score' ? Math.sign(x.r.score - y.r.score) || 0 : valueOrder(x.meta[k], y.meta[k])
        if (c !== 0) return sign * c
      }
      return 0
    })
    kept.push(...list.slice(0, g.k).map((e) => e.r))
  }
  return kept.sort(byScore)
}

function runOne(plan: SearchPlan, src: SearchSource): Scored[] {
  if (plan.rank === null) {
    // No rank: filtered records in insertion order; the score is the position in the page, as upstream.
    return src.filtered(plan.filter, plan.offset, plan.limit).map((rid, i) => ({ rid, score: i }))
  }
  const allowed = plan.filter === null ? undefined : new Set(src.filtered(plan.filter, 0, null))
  const knn: KnnResults = new Map()
  for (const node of knnNodes(plan.rank)) {
    const { query, key, limit } = node
    if (allowed?.size === 0) knn.set(node, [])
    else if (query instanceof Float32Array) knn.set(node, src.knn(query, limit, allowed))
    else knn.set(node, src.sparseKnn(key, query, limit, allowed))
  }
  const domain = evaluate(plan.rank, knn)
  let ranked: Scored[] = [...domain.support].map(([rid, score]) => ({ rid, score: Math.fround(score) }))
  ranked.sort(byScore)
  if (plan.groupBy !== null) ranked = groupRecords(ranked, plan.groupBy, (rid) => src.metadata(rid))
  return ranked.slice(plan.offset, plan.limit === null ? undefined : plan.offset + plan.limit)
}

export function runSearches(plans: SearchPlan[], src: SearchSource): SearchResponse {
  const out: SearchResponse = { ids: [], documents: [], embeddings: [], metadatas: [], scores: [], select: [] }
  for (const plan of plans) {
    const hits = runOne(plan, src)
    const rids = hits.map((h) => h.rid)
    const rows = src.rows(rids)
    const has = (k: string): boolean => plan.select.includes(k)
    const fields = plan.select.filter((k) => !k.startsWith('#'))
    const allMeta = has('#metadata')
    out.ids.push(rows.map((r) => r.id))
    out.documents.push(has('#document') ? rows.map((r) => r.document) : null)
    out.embeddings.push(has('#embedding') ? rids.map((rid) => src.embedding(rid)) : null)
    out.metadatas.push(
      allMeta || fields.length > 0
        ? rids.map((rid) => {
            const m = src.metadata(rid)
            if (m === null || allMeta) return m
            const picked = Object.fromEntries(fields.filter((k) => k in m).map((k) => [k, m[k] as MetadataValue]))
            return Object.keys(picked).length > 0 ? picked : null
          })
        : null
    )
    out.scores.push(has('#score') ? hits.map((h) => h.score) : null)
    out.select.push(plan.select)
  }
  return out
}
