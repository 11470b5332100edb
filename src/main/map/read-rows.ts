// The map's embeddings read by the layout worker itself from the database file (a read-only
// connection, as the index worker reads rows): one statement, no pages through the main thread, no
// number arrays (decision 0106). Above the point limit, an evenly spread sample.
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

export function readRows(source: RowSource, onProgress: (done: number, total: number) => void): ReadRows {
  const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')
  const db = new Database(source.dbFile, { readonly: true, fileMustExist: true })
  try {
    // One read transaction: the count and the rows are the same snapshot while the app writes on.
    return db.transaction(() => {
      const total =
        db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM records WHERE cid = ?').get(source.cid)?.n ?? 0
      const stride = Math.max(1, total / source.limit)
      const ids: string[] = []
      let vectors = new Float32Array(0)
      let dim = 0
      let seen = 0
      // Raw rows ([id, embedding]): no object per row.
      const rows = db
        .prepare<[number], [string, Buffer]>('SELECT id, embedding FROM records WHERE cid = ? ORDER BY rid')
        .raw(true)
        .iterate(source.cid)
      for (const [id, embedding] of rows) {
        if (keepsRow(seen++, stride) && (dim === 0 || (ids.length + 1) * dim <= vectors.length)) {
          if (dim === 0) {
            dim = embedding.byteLength / 4
            vectors = new Float32Array(Math.min(total, source.limit) * dim)
          }
          // The stored bytes are little-endian float32 (store/records.ts): copied as they are.
          new Uint8Array(vectors.buffer, ids.length * dim * 4, dim * 4).set(embedding)
          ids.push(id)
        }
        if (seen % 20_000 === 0) onProgress(seen, total)
      }
      onProgress(seen, total)
      return { ids, vectors: vectors.subarray(0, ids.length * dim), n: ids.length, dim, total }
    })()
  } finally {
    db.close()
  }
}
