// Sparse Knn (Chroma 1.5): exact dot products over the inverted index of a metadata key that holds
// sparse vectors (table sparse_postings, filled by the record store). Scores follow upstream's
// convention, 1 - query·document, so the best match has the lowest score and Rrf fuses it with
// dense distances unchanged. With BM25 the query is first scaled by each term's IDF over the
// collection, as upstream does for a sparse index whose schema sets `bm25`.
import type BetterSqlite3 from 'better-sqlite3'
import type { SparseVector } from '../types.js'

export interface SparseHit {
  label: number
  distance: number
}

/** Upstream's BM25 IDF: ln(1 + (n - n_t + 0.5) / (n_t + 0.5)), n records, n_t of them with the term. */
export function bm25Idf(n: number, nt: number): number {
  return Math.log1p((n - nt + 0.5) / (nt + 0.5))
}

/**
 * Whether a collection schema (Chroma 1.5's JSON shape) marks `key`'s sparse vector index as BM25:
 * the key's own setting, else the defaults'.
 */
export function sparseKeyUsesBm25(schema: unknown, key: string): boolean {
  const flag = (valueTypes: unknown): boolean | undefined => {
    const cfg = (valueTypes as { sparse_vector?: { sparse_vector_index?: { config?: { bm25?: unknown } } } } | null)
      ?.sparse_vector?.sparse_vector_index?.config?.bm25
    return typeof cfg === 'boolean' ? cfg : undefined
  }
  const s = schema as { keys?: Record<string, unknown>; defaults?: unknown } | null | undefined
  return flag(s?.keys?.[key]) ?? flag(s?.defaults) ?? false
}

/** Above this many query terms the SQL statement would grow long: scored in JS instead. */
const MAX_SQL_TERMS = 64

export class SparseIndex {
  private readonly postings: BetterSqlite3.Statement<[number, string, number], [number, number]>
  private readonly termCount: BetterSqlite3.Statement<[number, string, number], number>
  private readonly records: BetterSqlite3.Statement<[number], number>
  private readonly ranked = new Map<number, BetterSqlite3.Statement<unknown[], [number, number]>>()

  constructor(private readonly db: BetterSqlite3.Database) {
    this.postings = db
      .prepare<[number, string, number], [number, number]>(
        'SELECT rid, weight FROM sparse_postings WHERE cid = ? AND key = ? AND term = ?'
      )
      .raw()
    this.termCount = db
      .prepare<[number, string, number], number>(
        'SELECT count(*) FROM sparse_postings WHERE cid = ? AND key = ? AND term = ?'
      )
      .pluck()
    this.records = db.prepare<[number], number>('SELECT count(*) FROM records WHERE cid = ?').pluck()
  }

  /**
   * The `k` records (among `allowed`, all when undefined) sharing a term with the query, by
   * 1 - dot product ascending, ties by insertion order (rid). Records without a shared term are no
   * candidates, as with upstream's index. With `bm25`, each query value is first scaled by its term's
   * IDF over every record of the collection (the filter does not change it).
   */
  knn(
    cid: number,
    key: string,
    query: SparseVector,
    k: number,
    allowed?: ReadonlySet<number>,
    bm25 = false
  ): SparseHit[] {
    const n = bm25 ? (this.records.get(cid) ?? 0) : 0
    const weights = query.indices.map(
      (term, i) => (query.values[i] as number) * (bm25 ? bm25Idf(n, this.termCount.get(cid, key, term) ?? 0) : 1)
    )
    if (allowed === undefined && query.indices.length > 0 && query.indices.length <= MAX_SQL_TERMS) {
      // Summed and ranked inside SQLite: a common term's list is tens of thousands of rows, which
      // cost several times more to hand to JS one by one than to add up in place.
      const params: unknown[] = []
      query.indices.forEach((term, i) => params.push(weights[i], cid, key, term))
      return this.rankedBy(query.indices.length)
        .all(...params, k)
        .map(([label, distance]) => ({ label, distance }))
    }
    const dots = new Map<number, number>()
    query.indices.forEach((term, i) => {
      const q = weights[i] as number
      for (const [rid, weight] of this.postings.iterate(cid, key, term)) {
        if (allowed && !allowed.has(rid)) continue
        dots.set(rid, (dots.get(rid) ?? 0) + q * weight)
      }
    })
    const hits: SparseHit[] = []
    for (const [label, dot] of dots) hits.push({ label, distance: 1 - dot })
    hits.sort((a, b) => a.distance - b.distance || a.label - b.label)
    return hits.slice(0, k)
  }

  /** The top-k statement for a query of `terms` terms: (weight, cid, key, term) per term, then k. */
  private rankedBy(terms: number): BetterSqlite3.Statement<unknown[], [number, number]> {
    let stmt = this.ranked.get(terms)
    if (stmt === undefined) {
      const lists = Array.from(
        { length: terms },
        () => 'SELECT rid, weight * ? AS s FROM sparse_postings WHERE cid = ? AND key = ? AND term = ?'
      ).join(' UNION ALL ')
      stmt = this.db
        .prepare<unknown[], [number, number]>(
          `SELECT rid, 1 - sum(s) AS d FROM (${lists}) GROUP BY rid ORDER BY d, rid LIMIT ?`
        )
        .raw()
      this.ranked.set(terms, stmt)
    }
    return stmt
  }
}
