// Record storage: prepared single-row statements (a batch is a loop inside one transaction, so no
// batch size can reach SQLite's bound-variable limit), typed metadata encoding, embedding blobs.
import type BetterSqlite3 from 'better-sqlite3'
import { VType } from '../filters/where.js'
import { isSparseVector } from '../validation.js'
import type { Metadata, MetadataValue, SparseVector } from '../types.js'

export interface RecordRow {
  rid: number
  id: string
  document: string | null
  uri: string | null
}

interface MetaRow {
  key: string
  ord: number
  vtype: number
  value: string | number
}

export function encodeEmbedding(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
}

/** Copies, so the result is aligned whatever the blob's offset in its buffer. */
export function decodeEmbedding(blob: Buffer | Uint8Array): Float32Array {
  const out = new Float32Array(blob.byteLength / 4)
  new Uint8Array(out.buffer).set(blob)
  return out
}

function encodeScalar(v: string | number | boolean): [number, string | number] {
  if (typeof v === 'string') return [VType.str, v]
  if (typeof v === 'boolean') return [VType.bool, v ? 1 : 0]
  return [Number.isInteger(v) ? VType.int : VType.float, v]
}

function decodeScalar(vtype: number, value: string | number): string | number | boolean | SparseVector {
  if (vtype === VType.bool) return value !== 0
  if (vtype === VType.sparse) return JSON.parse(value as string) as SparseVector
  return value
}

export class RecordStore {
  private readonly s: {
    findRid: BetterSqlite3.Statement<[number, string], { rid: number }>
    maxRid: BetterSqlite3.Statement<[], { rid: number | null }>
    insert: BetterSqlite3.Statement<[number, string, string | null, string | null, Buffer, number]>
    setDocument: BetterSqlite3.Statement<[string | null, number]>
    setUri: BetterSqlite3.Statement<[string | null, number]>
    setEmbedding: BetterSqlite3.Statement<[Buffer, number, number]>
    delete: BetterSqlite3.Statement<[number]>
    insertMeta: BetterSqlite3.Statement<[number, string, number, number, number, string | number]>
    deleteMetaKey: BetterSqlite3.Statement<[number, string]>
    insertPosting: BetterSqlite3.Statement<[number, string, number, number, number]>
    deletePostings: BetterSqlite3.Statement<[number, string]>
    readMeta: BetterSqlite3.Statement<[number], MetaRow>
    readRows: BetterSqlite3.Statement<[string], RecordRow>
    readEmbedding: BetterSqlite3.Statement<[number], { embedding: Buffer }>
    count: BetterSqlite3.Statement<[number], { n: number }>
  }

  constructor(private readonly db: BetterSqlite3.Database) {
    this.s = {
      findRid: db.prepare('SELECT rid FROM records WHERE cid = ? AND id = ?'),
      maxRid: db.prepare('SELECT max(rid) AS rid FROM records'),
      insert: db.prepare('INSERT INTO records (cid, id, document, uri, embedding, seq) VALUES (?, ?, ?, ?, ?, ?)'),
      setDocument: db.prepare('UPDATE records SET document = ? WHERE rid = ?'),
      setUri: db.prepare('UPDATE records SET uri = ? WHERE rid = ?'),
      setEmbedding: db.prepare('UPDATE records SET embedding = ?, seq = ? WHERE rid = ?'),
      delete: db.prepare('DELETE FROM records WHERE rid = ?'),
      insertMeta: db.prepare(
        'INSERT INTO record_metadata (rid, key, ord, cid, vtype, value) VALUES (?, ?, ?, ?, ?, ?)'
      ),
      deleteMetaKey: db.prepare('DELETE FROM record_metadata WHERE rid = ? AND key = ?'),
      insertPosting: db.prepare('INSERT INTO sparse_postings (cid, key, term, rid, weight) VALUES (?, ?, ?, ?, ?)'),
      deletePostings: db.prepare('DELETE FROM sparse_postings WHERE rid = ? AND key = ?'),
      readMeta: db.prepare('SELECT key, ord, vtype, value FROM record_metadata WHERE rid = ? ORDER BY key, ord'),
      readRows: db.prepare('SELECT rid, id, document, uri FROM records WHERE rid IN (SELECT value FROM json_each(?))'),
      readEmbedding: db.prepare('SELECT embedding FROM records WHERE rid = ?'),
      count: db.prepare('SELECT count(*) AS n FROM records WHERE cid = ?')
    }
  }

  /** The largest rid stored (0 for none): every record inserted later gets a larger one (AUTOINCREMENT). */
  maxRid(): number {
    return this.s.maxRid.get()?.rid ?? 0
  }

  findRid(cid: number, id: string): number | undefined {
    return this.s.findRid.get(cid, id)?.rid
  }

  insert(
    cid: number,
    id: string,
    document: string | null,
    uri: string | null,
    embedding: Float32Array,
    seq: number
  ): number {
    return Number(this.s.insert.run(cid, id, document, uri, encodeEmbedding(embedding), seq).lastInsertRowid)
  }

  setDocument(rid: number, document: string | null): void {
    this.s.setDocument.run(document, rid)
  }

  setUri(rid: number, uri: string | null): void {
    this.s.setUri.run(uri, rid)
  }

  setEmbedding(rid: number, embedding: Float32Array, seq: number): void {
    this.s.setEmbedding.run(encodeEmbedding(embedding), seq, rid)
  }

  /** Metadata rows go with the record (ON DELETE CASCADE), FTS rows via trigger. */
  delete(rid: number): void {
    this.s.delete.run(rid)
  }

  /** Writes a key (which must not exist yet on this record). */
  writeMetaValue(rid: number, cid: number, key: string, value: MetadataValue): void {
    if (isSparseVector(value)) {
      this.s.insertMeta.run(rid, key, -1, cid, VType.sparse, JSON.stringify(value))
      value.indices.forEach((term, i) => this.s.insertPosting.run(cid, key, term, rid, value.values[i] as number))
    } else if (Array.isArray(value)) {
      // A number list with any fraction is a float list as a whole (as Chroma deserializes it).
      const floatList = value.some((el) => typeof el === 'number' && !Number.isInteger(el))
      value.forEach((el: string | number | boolean, i: number) => {
        const [vtype, v] = encodeScalar(el)
        this.s.insertMeta.run(rid, key, i, cid, floatList ? VType.float : vtype, v)
      })
    } else {
      const [vtype, v] = encodeScalar(value)
      this.s.insertMeta.run(rid, key, -1, cid, vtype, v)
    }
  }

  deleteMetaKey(rid: number, key: string): void {
    this.s.deleteMetaKey.run(rid, key)
    this.s.deletePostings.run(rid, key)
  }

  readMetadata(rid: number): Metadata | null {
    const rows = this.s.readMeta.all(rid)
    if (rows.length === 0) return null
    const out: Record<string, MetadataValue> = {}
    for (const r of rows) {
      const v = decodeScalar(r.vtype, r.value)
      if (r.ord < 0) out[r.key] = v
      else {
        const arr = out[r.key]
        if (Array.isArray(arr)) (arr as (string | number | boolean)[]).push(v as string | number | boolean)
        else out[r.key] = [v] as MetadataValue
      }
    }
    return out
  }

  /**
   * Rows of many rids in one statement (a query's hits: one SQLite call instead of one per hit),
   * in the order asked; undefined where a rid does not exist.
   */
  readRows(rids: readonly number[]): (RecordRow | undefined)[] {
    const byRid = new Map<number, RecordRow>()
    for (const row of this.s.readRows.all(JSON.stringify(rids))) byRid.set(row.rid, row)
    return rids.map((rid) => byRid.get(rid))
  }

  readEmbedding(rid: number): Float32Array | undefined {
    const row = this.s.readEmbedding.get(rid)
    return row ? decodeEmbedding(row.embedding) : undefined
  }

  count(cid: number): number {
    return this.s.count.get(cid)?.n ?? 0
  }

  /** Live rids of a collection in insertion order. */
  *rids(cid: number): IterableIterator<number> {
    const stmt = this.db.prepare<[number], number>('SELECT rid FROM records WHERE cid = ? ORDER BY rid').pluck()
    yield* stmt.iterate(cid)
  }

  /**
   * Calls `visit` with every live embedding of a collection, in no particular order (an exact scan).
   * The vector is one reused buffer, valid during the call only.
   */
  forEachEmbedding(cid: number, dim: number, visit: (rid: number, vector: Float32Array) => void): void {
    const stmt = this.db.prepare<[number], [number, Buffer]>('SELECT rid, embedding FROM records WHERE cid = ?').raw()
    const vector = new Float32Array(dim)
    const bytes = new Uint8Array(vector.buffer)
    for (const [rid, blob] of stmt.iterate(cid)) {
      bytes.set(blob)
      visit(rid, vector)
    }
  }

  *embeddingsSince(cid: number, seq: number): IterableIterator<{ label: number; vector: Float32Array }> {
    const stmt = this.db.prepare<[number, number], { rid: number; embedding: Buffer }>(
      'SELECT rid, embedding FROM records WHERE cid = ? AND seq > ? ORDER BY rid'
    )
    for (const row of stmt.iterate(cid, seq)) yield { label: row.rid, vector: decodeEmbedding(row.embedding) }
  }
}

/** One row of a keyset-paged read: a record's label (rid) and embedding. */
export interface LabelledVector {
  label: number
  vector: Float32Array
}

/**
 * Up to `limit` rows of a collection with rid > `after` and seq <= `maxSeq`, by rid: the paged read
 * that index verification and rebuilds share (each page is a statement of its own, so nothing holds
 * the connection between pages). Works on the main connection and on the index worker's.
 */
export function readRowsAfter(
  db: BetterSqlite3.Database,
  cid: number,
  after: number,
  maxSeq: number,
  limit: number
): LabelledVector[] {
  return db
    .prepare<[number, number, number, number], { rid: number; embedding: Buffer }>(
      'SELECT rid, embedding FROM records WHERE cid = ? AND rid > ? AND seq <= ? ORDER BY rid LIMIT ?'
    )
    .all(cid, after, maxSeq, limit)
    .map((r) => ({ label: r.rid, vector: decodeEmbedding(r.embedding) }))
}
