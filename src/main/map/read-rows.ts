// The map's embeddings read by the layout worker itself from the database file (a read-only
// connection, as the index worker reads rows): no pages through the main thread, no number arrays
// (decision 0106). Above the point limit, an evenly spread sample. The rows are visited one at a
// time, so the first picture is projected as they stream by and no 150 MB array has to be touched
// first (decision 0113).
import type BetterSqlite3 from 'better-sqlite3'
import { loadNative } from '../engine/native.js'

export interface RowSource {
  dbFile: string
  cid: number
  /** Points at most; above, every (total / limit)-th row is kept (decision 0100). */
  limit: number
}

export interface ReadRows {
  ids: string[]
  vectors: Float32Array
  n: number
  dim: number
  /** Records in the collection (more than n when sampled). */
  total: number
}

/** Whether the `seen`-th row (from 0) is kept when every `stride`-th row is (stride >= 1, may be fractional). */
export function keepsRow(seen: number, stride: number): boolean {
  return seen === 0 || Math.floor(seen / stride) !== Math.floor((seen - 1) / stride)
}

/**
 * One read snapshot of a collection's rows: every call sees the same rows while the app writes on
 * (one read transaction, held until `close`).
 */
export interface RowSnapshot {
  /** Records in the collection. */
  readonly total: number
  /** Rows the map keeps: all, or the even sample under the limit. */
  readonly kept: number
  /** The embeddings' dimension (0 for an empty collection). */
  readonly dim: number
  /** Up to `size` embeddings spread over the collection by row id, for finding principal axes. */
  spread(size: number): { vectors: Float32Array; n: number }
  /**
   * Visits the kept rows in row order (the same rows on every call). `embedding` is a scratch array
   * reused for the next row: copy what must outlive the call.
   */
  forEach(
    visit: (id: string, embedding: Float32Array) => void,
    onProgress?: (done: number, total: number) => void
  ): void
  close(): void
}

export function openRowSnapshot(source: RowSource): RowSnapshot {
  const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')
  const db = new Database(source.dbFile, { readonly: true, fileMustExist: true })
  try {
    // The snapshot starts at the first read after BEGIN and lasts until COMMIT (WAL mode).
    db.exec('BEGIN')
    const bounds = db
      .prepare<[number], { n: number; lo: number | null; hi: number | null }>(
        'SELECT COUNT(*) AS n, MIN(rid) AS lo, MAX(rid) AS hi FROM records WHERE cid = ?'
      )
      .get(source.cid)!
    const first = db
      .prepare<[number], Buffer>('SELECT embedding FROM records WHERE cid = ? ORDER BY rid LIMIT 1')
      .pluck(true)
      .get(source.cid)
    return new FileRowSnapshot(db, source, bounds.n, bounds.lo ?? 0, bounds.hi ?? 0, first ? first.byteLength / 4 : 0)
  } catch (err) {
    db.close()
    throw err
  }
}

class FileRowSnapshot implements RowSnapshot {
  readonly kept: number
  private readonly scratch: Float32Array
  private readonly scratchBytes: Uint8Array

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly source: RowSource,
    readonly total: number,
    private readonly lo: number,
    private readonly hi: number,
    readonly dim: number
  ) {
    this.kept = Math.min(total, source.limit)
    this.scratch = new Float32Array(dim)
    this.scratchBytes = new Uint8Array(this.scratch.buffer)
  }

  /** The stored bytes (little-endian float32, store/records.ts) into the scratch array. */
  private load(embedding: Buffer): Float32Array {
    if (embedding.byteLength !== this.dim * 4) {
      throw new Error(`Embeddings of ${embedding.byteLength / 4} and ${this.dim} dimensions in one collection`)
    }
    this.scratchBytes.set(embedding)
    return this.scratch
  }

  spread(size: number): { vectors: Float32Array; n: number } {
    const take = Math.min(size, this.total)
    const vectors = new Float32Array(take * this.dim)
    // A seek per row: the first row at or after each of `take` evenly spaced row ids.
    const seek = this.db
      .prepare<[number, number], [number, Buffer]>(
        'SELECT rid, embedding FROM records WHERE cid = ? AND rid >= ? ORDER BY rid LIMIT 1'
      )
      .raw(true)
    const step = (this.hi - this.lo + 1) / Math.max(1, take)
    let n = 0
    let last = -Infinity
    for (let i = 0; i < take; i++) {
      const row = seek.get(this.source.cid, this.lo + Math.floor(i * step))
      if (!row || row[0] <= last) continue // a gap in the ids: that row was drawn already
      last = row[0]
      vectors.set(this.load(row[1]), n++ * this.dim)
    }
    return { vectors: vectors.subarray(0, n * this.dim), n }
  }

  forEach(
    visit: (id: string, embedding: Float32Array) => void,
    onProgress?: (done: number, total: number) => void
  ): void {
    const stride = Math.max(1, this.total / this.source.limit)
    // Raw rows ([id, embedding]): no object per row.
    const rows = this.db
      .prepare<[number], [string, Buffer]>('SELECT id, embedding FROM records WHERE cid = ? ORDER BY rid')
      .raw(true)
      .iterate(this.source.cid)
    let seen = 0
    let kept = 0
    for (const [id, embedding] of rows) {
      // The count was read in this snapshot: more rows than it would break the callers' arrays.
      if (keepsRow(seen++, stride) && kept < this.kept) {
        kept++
        visit(id, this.load(embedding))
      }
      if (seen % 20_000 === 0) onProgress?.(seen, this.total)
    }
    onProgress?.(seen, this.total)
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT')
    this.db.close()
  }
}

/** Every kept row's id and embedding, in one array. */
export function readRows(source: RowSource, onProgress: (done: number, total: number) => void): ReadRows {
  const snapshot = openRowSnapshot(source)
  try {
    return collectRows(snapshot, onProgress)
  } finally {
    snapshot.close()
  }
}

export function collectRows(snapshot: RowSnapshot, onProgress?: (done: number, total: number) => void): ReadRows {
  const { dim } = snapshot
  const ids: string[] = []
  const vectors = new Float32Array(snapshot.kept * dim)
  snapshot.forEach((id, embedding) => {
    vectors.set(embedding, ids.length * dim)
    ids.push(id)
  }, onProgress)
  return { ids, vectors: vectors.subarray(0, ids.length * dim), n: ids.length, dim, total: snapshot.total }
}
