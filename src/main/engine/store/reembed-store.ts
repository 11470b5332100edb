// SQL of a collection's re-embedding (decision 0122): the target function and the new vectors wait in
// `reembeds` / `reembed_vectors` (migration 7) beside the records, which keep their old vectors until
// one transaction copies the new ones over. Callers run these inside their own transactions.
import type BetterSqlite3 from 'better-sqlite3'
import { encodeEmbedding } from './records.js'

export interface ReembedTodo {
  rid: number
  document: string
}

export class ReembedStore {
  constructor(private readonly db: BetterSqlite3.Database) {}

  /** The stored target (embedding_function JSON) of the collection's re-embedding, or null. */
  target(cid: number): string | null {
    const row = this.db.prepare('SELECT target FROM reembeds WHERE cid = ?').get(cid) as { target: string } | undefined
    return row?.target ?? null
  }

  /** Starts (or keeps, for the same target) the re-embedding; another target starts over. */
  begin(cid: number, target: string): void {
    if (this.target(cid) === target) return
    this.db.prepare('DELETE FROM reembeds WHERE cid = ?').run(cid)
    this.db
      .prepare('INSERT INTO reembeds (cid, target, started_at) VALUES (?, ?, ?)')
      .run(cid, target, new Date().toISOString())
  }

  /** Drops the re-embedding and its vectors (cascade). */
  cancel(cid: number): void {
    this.db.prepare('DELETE FROM reembeds WHERE cid = ?').run(cid)
  }

  /** Collections with an unfinished re-embedding. */
  pending(): { cid: number; target: string }[] {
    return this.db.prepare('SELECT cid, target FROM reembeds ORDER BY cid').all() as { cid: number; target: string }[]
  }

  /** Records with a document whose new vector is missing or was computed from another text. */
  todo(cid: number, limit: number): ReembedTodo[] {
    return this.db
      .prepare(
        `SELECT r.rid, r.document FROM records r LEFT JOIN reembed_vectors v ON v.rid = r.rid
         WHERE r.cid = ? AND r.document IS NOT NULL AND (v.rid IS NULL OR v.document IS NOT r.document)
         ORDER BY r.rid LIMIT ?`
      )
      .all(cid, limit) as ReembedTodo[]
  }

  /** How many records the collection has, and how many have an up-to-date new vector. */
  counts(cid: number): { total: number; done: number } {
    return this.db
      .prepare(
        `SELECT count(*) AS total, count(v.rid) AS done FROM records r
         LEFT JOIN reembed_vectors v ON v.rid = r.rid AND v.document IS r.document WHERE r.cid = ?`
      )
      .get(cid) as { total: number; done: number }
  }

  /** Ids of records without a document (they cannot be re-embedded), at most `limit`. */
  withoutDocument(cid: number, limit: number): string[] {
    const rows = this.db
      .prepare('SELECT id FROM records WHERE cid = ? AND document IS NULL ORDER BY rid LIMIT ?')
      .all(cid, limit) as { id: string }[]
    return rows.map((r) => r.id)
  }

  /** Which of `ids` are stored without a document. */
  withoutDocumentAmong(cid: number, ids: readonly string[]): string[] {
    const get = this.db.prepare('SELECT 1 FROM records WHERE cid = ? AND id = ? AND document IS NULL')
    return ids.filter((id) => get.get(cid, id) !== undefined)
  }

  stage(cid: number, rows: { rid: number; document: string; embedding: Float32Array }[]): void {
    // A record deleted while its batch was being embedded is simply not staged.
    const put = this.db.prepare(
      `INSERT OR REPLACE INTO reembed_vectors (rid, cid, document, embedding)
       SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM records WHERE rid = ? AND cid = ?)`
    )
    for (const r of rows) put.run(r.rid, cid, r.document, encodeEmbedding(r.embedding), r.rid, cid)
  }

  /** Dimensions of the staged vectors (one, unless something went wrong). */
  dimensions(cid: number): number[] {
    const rows = this.db
      .prepare('SELECT DISTINCT length(embedding) / 4 AS dim FROM reembed_vectors WHERE cid = ?')
      .all(cid) as { dim: number }[]
    return rows.map((r) => r.dim)
  }

  /** Copies every staged vector onto its record, with write sequence `seq`. */
  apply(cid: number, seq: number): number {
    return this.db
      .prepare(
        `UPDATE records SET embedding = (SELECT v.embedding FROM reembed_vectors v WHERE v.rid = records.rid), seq = ?
         WHERE cid = ?`
      )
      .run(seq, cid).changes
  }
}
