// Response encoding details of the v2 API.
import type { GetResult, QueryResult, SearchResponse } from '../../engine/index.js'

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

export function encodeGetResult(r: GetResult): GetResult {
  return { ...r, embeddings: r.embeddings ? r.embeddings.map(shortVector) : null }
}

export function encodeQueryResult(r: QueryResult): QueryResult {
  return {
    ...r,
    embeddings: r.embeddings ? r.embeddings.map((q) => q.map(shortVector)) : null,
    distances: r.distances ? r.distances.map(shortVector) : null
  }
}

export function encodeSearchResult(r: SearchResponse): SearchResponse {
  return {
    ...r,
    embeddings: r.embeddings.map((p) => p && p.map((v) => v && shortVector(v))),
    scores: r.scores.map((p) => p && p.map((x) => (x === null ? null : shortestF32(x))))
  }
}
