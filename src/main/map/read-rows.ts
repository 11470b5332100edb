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
  /** Up to `size` embeddings spread evenly over the collection's rows, for finding principal axes. */
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
    const total =
      db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM records WHERE cid = ?').get(source.cid)?.n ?? 0
    const first = db
      .prepare<[number], Buffer>('SELECT embedding FROM records WHERE cid = ? ORDER BY rid LIMIT 1')
      .pluck(true)
      .get(source.cid)
    return new FileRowSnapshot(db, source, total, first ? first.byteLength / 4 : 0)
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
    const stride = this.total / Math.max(1, take)
    // Every (total / take)-th row by position: the row ids alone come from the (cid) index without
    // reading a row; spacing by row id instead would crowd the sample where another collection's
    // rows left gaps in this one's ids.
    const rids = this.db
      .prepare<[number], number>('SELECT rid FROM records WHERE cid = ? ORDER BY rid')
      .pluck(true)
      .iterate(this.source.cid)
    const chosen: number[] = []
    let seen = 0
    for (const rid of rids) if (keepsRow(seen++, stride) && chosen.length < take) chosen.push(rid)
    const byRid = this.db.prepare<[number], Buffer>('SELECT embedding FROM records WHERE rid = ?').pluck(true)
    const vectors = new Float32Array(chosen.length * this.dim)
    chosen.forEach((rid, n) => vectors.set(this.load(byRid.get(rid)!), n * this.dim))
    return { vectors, n: chosen.length }
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
    try {
      if (this.db.inTransaction) this.db.exec('COMMIT')
    } finally {
      this.db.close()
    }
  }
}
