// Response encoding details of the v2 API.
import type { GetResult, Metadata, QueryResult, SearchResponse } from '../../engine/index.js'
import { isSparseVector } from '../../engine/validation.js'

/**
 * The shortest decimal that reads back as the same float32, as a JS number: Chroma (Rust, ryu)
 * writes float32 values this way (`0.1`), whereas a widened float32 prints as `0.10000000149011612`.
 * Parsing the result as float32 gives exactly the stored value. Round-tripping is monotonic in the
 * number of digits, so a binary search over 1..9 significant digits finds the shortest.
 */
export function shortestF32(x: number): number {
  if (!Number.isFinite(x) || x === 0 || Number.isInteger(x)) return x
  let lo = 1
  let hi = 9
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (Math.fround(Number(x.toPrecision(mid))) === x) hi = mid
    else lo = mid + 1
  }
  return Number(x.toPrecision(lo))
}

function shortVector(v: number[]): number[] {
  const out = new Array<number>(v.length)
  for (let i = 0; i < v.length; i++) out[i] = shortestF32(v[i] as number)
  return out
}

/** Sparse vectors in metadata carry Chroma's `"#type": "sparse_vector"` tag, values as float32. */
function tagSparse(m: Metadata | null): Metadata | null {
  if (m === null || !Object.values(m).some(isSparseVector)) return m
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(m)) {
    out[k] = isSparseVector(v) ? { '#type': 'sparse_vector', indices: v.indices, values: shortVector(v.values) } : v
  }
  return out as Metadata
}

const tagAll = <T extends (Metadata | null)[] | null>(list: T): T => (list && list.map(tagSparse)) as T

export function encodeGetResult(r: GetResult): GetResult {
  return {
    ...r,
    embeddings: r.embeddings ? r.embeddings.map(shortVector) : null,
    metadatas: tagAll(r.metadatas)
  }
}

export function encodeQueryResult(r: QueryResult): QueryResult {
  return {
    ...r,
    embeddings: r.embeddings ? r.embeddings.map((q) => q.map(shortVector)) : null,
    metadatas: r.metadatas ? r.metadatas.map(tagAll) : null,
    distances: r.distances ? r.distances.map(shortVector) : null
  }
}

export function encodeSearchResult(r: SearchResponse): SearchResponse {
  return {
    ...r,
    embeddings: r.embeddings.map((p) => p && p.map((v) => v && shortVector(v))),
    metadatas: r.metadatas.map(tagAll),
    scores: r.scores.map((p) => p && p.map((x) => (x === null ? null : shortestF32(x))))
  }
}
