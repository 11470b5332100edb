// The search API's request (Chroma 1.5's `searches` payloads, docs/search-api.md) checked and turned
// into plans the engine runs. Untrusted JSON in, clear 400s out: every message names the payload
// and the field. Parts not supported (text queries reaching the server) are refused by name.
import { InvalidArgumentError, InvalidFilterError } from '../errors.js'
import { parseWhere, type FilterNode } from '../filters/index.js'
import type { SparseVector } from '../types.js'
import { isPlainObject, parseSparseVector } from '../validation.js'

export type RankNode =
  | {
      op: 'knn'
      /** '#embedding' (dense query, HNSW) or a metadata key holding sparse vectors (sparse or text query). */
      key: string
      query: Float32Array | SparseVector | string
      limit: number
      default: number | null
      returnRank: boolean
    }
  | { op: 'val'; value: number }
  | { op: 'sum' | 'mul' | 'max' | 'min'; args: RankNode[] }
  | { op: 'sub' | 'div'; left: RankNode; right: RankNode }
  | { op: 'abs' | 'exp' | 'log'; arg: RankNode }

export interface GroupByPlan {
  /** Metadata keys whose values make a group. */
  keys: string[]
  /** Keep the k smallest (min) or largest (max) records of each group by these keys. */
  aggregate: 'min' | 'max'
  /** Metadata keys or '#score'. */
  by: string[]
  k: number
}

export interface SearchPlan {
  filter: FilterNode | null
  rank: RankNode | null
  groupBy: GroupByPlan | null
  offset: number
  limit: number | null
  /** Selected keys in Chroma's order: #document, #embedding, #metadata, #score, then metadata keys. */
  select: string[]
}

/** Knn's `limit` when a payload leaves it out (Chroma's server default; the JS client sends 128). */
export const KNN_DEFAULT_LIMIT = 16
const U32_MAX = 0xffffffff
const PREDEFINED = ['#document', '#embedding', '#metadata', '#score']

const bad = (path: string, what: string): InvalidArgumentError => new InvalidArgumentError(`${path}: ${what}`)

function u32(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > U32_MAX) throw bad(path, 'expected an integer >= 0')
  return v
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(path, 'expected a finite number')
  return v
}

function keyList(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) throw bad(path, 'expected a list of keys')
  return v.map((k, i) => {
    if (typeof k !== 'string') throw bad(`${path}[${i}]`, 'expected a string key')
    return k
  })
}

/** Chroma's order of keys: the predefined ones first (in their order), then metadata keys sorted. */
function keyOrder(a: string, b: string): number {
  const ia = PREDEFINED.indexOf(a)
  const ib = PREDEFINED.indexOf(b)
  if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib)
  return a < b ? -1 : a > b ? 1 : 0
}

function parseKnn(v: unknown, path: string): RankNode {
  if (!isPlainObject(v)) throw bad(path, 'expected an object with `query`')
  const key = v.key ?? '#embedding'
  const dense = key === '#embedding'
  if (typeof key !== 'string' || (!dense && (key.length === 0 || key.startsWith('#') || key.startsWith('$')))) {
    throw bad(`${path}.key`, `expected #embedding or a metadata key holding sparse vectors, got ${JSON.stringify(key)}`)
  }
  const q = v.query
  if (typeof q === 'string' && dense) {
    throw bad(
      `${path}.query`,
      'a text query on #embedding is not supported yet: embed it (the JS client does with the embedding function of the key)'
    )
  }
  let query: Float32Array | SparseVector | string
  if (typeof q === 'string') {
    // Embedded later with the key's sparse embedding function (the collection's schema names it).
    if (q.length === 0) throw bad(`${path}.query`, 'expected a non-empty text')
    query = q
  } else if (dense) {
    if (isPlainObject(q)) throw bad(`${path}.query`, 'a sparse vector query needs `key` naming a sparse vector key')
    if (!Array.isArray(q) || q.length === 0) throw bad(`${path}.query`, 'expected a non-empty list of numbers')
    const vector = new Float32Array(q.length)
    q.forEach((x, i) => (vector[i] = finite(x, `${path}.query[${i}]`)))
    query = vector
  } else {
    if (!isPlainObject(q)) throw bad(`${path}.query`, `Knn on the sparse key ${key} expects a sparse vector query`)
    query = parseSparseVector(q, `${path}.query`)
  }
  const limit = v.limit == null ? KNN_DEFAULT_LIMIT : u32(v.limit, `${path}.limit`)
  if (limit === 0) throw bad(`${path}.limit`, 'expected a positive integer')
  const dflt = v.default == null ? null : finite(v.default, `${path}.default`)
  if (v.return_rank != null && typeof v.return_rank !== 'boolean')
    throw bad(`${path}.return_rank`, 'expected a boolean')
  return { op: 'knn', key, query, limit, default: dflt, returnRank: v.return_rank === true }
}

/** Deeper rank expressions and filters are refused (a deep JSON nesting must not exhaust the stack). */
export const MAX_RANK_DEPTH = 64

export function parseRank(v: unknown, path: string, depth = 0): RankNode {
  if (!isPlainObject(v)) throw bad(path, 'expected a rank expression object')
  if (depth >= MAX_RANK_DEPTH) throw bad(path, `rank expressions nest at most ${MAX_RANK_DEPTH} deep`)
  const entries = Object.entries(v)
  const [op, arg] = entries[0] ?? []
  if (entries.length !== 1 || op === undefined) throw bad(path, 'expected exactly one operator')
  const at = `${path}.${op}`
  const list = (): RankNode[] => {
    if (!Array.isArray(arg) || arg.length === 0) throw bad(at, 'expected a non-empty list of rank expressions')
    return arg.map((a, i) => parseRank(a, `${at}[${i}]`, depth + 1))
  }
  const pair = (): { left: RankNode; right: RankNode } => {
    if (!isPlainObject(arg)) throw bad(at, 'expected { left, right }')
    return { left: parseRank(arg.left, `${at}.left`, depth + 1), right: parseRank(arg.right, `${at}.right`, depth + 1) }
  }
  switch (op) {
    case '$knn':
      return parseKnn(arg, at)
    case '$val':
      return { op: 'val', value: finite(arg, at) }
    case '$sum':
    case '$mul':
    case '$max':
    case '$min':
      return { op: op.slice(1) as 'sum', args: list() }
    case '$sub':
    case '$div':
      return { op: op.slice(1) as 'sub', ...pair() }
    case '$abs':
    case '$exp':
    case '$log':
      return { op: op.slice(1) as 'abs', arg: parseRank(arg, at, depth + 1) }
    default:
      throw bad(
        path,
        `unknown rank operator ${JSON.stringify(op)}${/bm25|text|sparse/i.test(op) ? ' (BM25 and sparse ranking are a $knn on a key holding sparse vectors)' : ''}`
      )
  }
}

/** `#id` conditions of a search filter; every other key is an ordinary where clause. */
function idLeaf(value: unknown, path: string): FilterNode {
  const strings = (v: unknown): string[] => {
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string'))
      throw bad(path, '#id takes a string, or $eq, $ne, $in or $nin of strings')
    return v as string[]
  }
  if (typeof value === 'string') return { kind: 'id', negate: false, ids: [value] }
  if (isPlainObject(value) && Object.keys(value).length === 1) {
    const [op, operand] = Object.entries(value)[0] as [string, unknown]
    if (op === '$eq' || op === '$ne') return { kind: 'id', negate: op === '$ne', ids: strings([operand]) }
    if (op === '$in' || op === '$nin') return { kind: 'id', negate: op === '$nin', ids: strings(operand) }
  }
  return strings(null) as never
}

export function parseSearchFilter(v: unknown, path: string): FilterNode | null {
  if (v == null || (isPlainObject(v) && Object.keys(v).length === 0)) return null
  const walk = (w: unknown, depth: number): FilterNode => {
    if (depth >= MAX_RANK_DEPTH) throw bad(path, `filters nest at most ${MAX_RANK_DEPTH} deep`)
    if (isPlainObject(w) && Object.keys(w).length === 1) {
      const [key, value] = Object.entries(w)[0] as [string, unknown]
      if ((key === '$and' || key === '$or') && Array.isArray(value)) {
        return { kind: key === '$and' ? 'and' : 'or', children: value.map((c) => walk(c, depth + 1)) }
      }
      if (key === '#id') return idLeaf(value, path)
    }
    try {
      return parseWhere(w)
    } catch (e) {
      if (e instanceof InvalidFilterError) {
        throw new InvalidFilterError(`${path}: ${e.message}: ${JSON.stringify(w)}`, e.reason, e.key)
      }
      throw e
    }
  }
  return walk(v, 0)
}

function parseGroupBy(v: unknown, path: string): GroupByPlan | null {
  if (v == null) return null
  if (!isPlainObject(v)) throw bad(path, 'expected { keys, aggregate }')
  const keys = v.keys == null ? [] : keyList(v.keys, `${path}.keys`)
  if (keys.length === 0 && v.aggregate == null) return null
  if (keys.length === 0 || v.aggregate == null)
    throw bad(path, 'keys and aggregate must both be given or both be left out')
  for (const k of keys) if (k.startsWith('#')) throw bad(`${path}.keys`, `group keys must be metadata keys, not ${k}`)
  const agg = v.aggregate
  const [op, arg] =
    isPlainObject(agg) && Object.keys(agg).length === 1 ? (Object.entries(agg)[0] as [string, unknown]) : []
  if ((op !== '$min_k' && op !== '$max_k') || !isPlainObject(arg)) {
    throw bad(`${path}.aggregate`, 'expected { $min_k: { keys, k } } or { $max_k: { keys, k } }')
  }
  const by = keyList(arg.keys, `${path}.aggregate.${op}.keys`)
  if (by.length === 0) throw bad(`${path}.aggregate.${op}.keys`, 'must not be empty')
  for (const k of by) {
    if (k !== '#score' && k.startsWith('#'))
      throw bad(`${path}.aggregate.${op}.keys`, `must be metadata keys or #score, not ${k}`)
  }
  const k = u32(arg.k, `${path}.aggregate.${op}.k`)
  if (k === 0) throw bad(`${path}.aggregate.${op}.k`, 'must be greater than 0')
  return { keys, aggregate: op === '$min_k' ? 'min' : 'max', by, k }
}

const PAYLOAD_FIELDS = new Set(['filter', 'rank', 'group_by', 'limit', 'select'])

export function parseSearchPayload(v: unknown, path: string): SearchPlan {
  if (!isPlainObject(v)) throw bad(path, 'expected a search payload object')
  for (const k of Object.keys(v)) if (!PAYLOAD_FIELDS.has(k)) throw bad(path, `unknown field \`${k}\``)
  const rank =
    v.rank == null || (isPlainObject(v.rank) && Object.keys(v.rank).length === 0)
      ? null
      : parseRank(v.rank, `${path}.rank`)
  const groupBy = parseGroupBy(v.group_by, `${path}.group_by`)
  if (groupBy !== null && rank === null) throw bad(`${path}.group_by`, 'group_by requires a rank expression')
  let offset = 0
  let limit: number | null = null
  if (v.limit != null) {
    if (!isPlainObject(v.limit)) throw bad(`${path}.limit`, 'expected { offset, limit }')
    offset = v.limit.offset == null ? 0 : u32(v.limit.offset, `${path}.limit.offset`)
    limit = v.limit.limit == null ? null : u32(v.limit.limit, `${path}.limit.limit`)
  }
  let select: string[] = []
  if (v.select != null) {
    if (!isPlainObject(v.select)) throw bad(`${path}.select`, 'expected { keys }')
    select = v.select.keys == null ? [] : [...new Set(keyList(v.select.keys, `${path}.select.keys`))].sort(keyOrder)
  }
  return { filter: parseSearchFilter(v.filter, `${path}.filter`), rank, groupBy, offset, limit, select }
}

/** The `searches` of a search call (the HTTP adapter checks the rest of the body, e.g. read_level). */
export function parseSearches(searches: unknown): SearchPlan[] {
  if (!Array.isArray(searches) || searches.length === 0)
    throw bad('searches', 'expected a non-empty list of search payloads')
  return searches.map((s, i) => parseSearchPayload(s, `searches[${i}]`))
}
