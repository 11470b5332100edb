import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { EphemeralClient, PersistentClient } from '../client.js'
import { DATABASE_FILE } from '../database.js'
import { migrate } from '../store/schema.js'
import { RecordStore } from '../store/records.js'
import { bm25Idf, SparseIndex, sparseKeyUsesBm25 } from './sparse.js'

const sv = (indices: number[], values: number[]): { indices: number[]; values: number[] } => ({ indices, values })

describe('sparse index', () => {
  /** A migrated in-memory database with one collection (cid 1) and records holding `kw` vectors. */
  function fixture(vectors: ({ indices: number[]; values: number[] } | null)[]): {
    index: SparseIndex
    rids: number[]
  } {
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    migrate(db)
    db.prepare("INSERT INTO tenants (name) VALUES ('t')").run()
    db.prepare("INSERT INTO databases (id, name, tenant) VALUES ('d', 'd', 't')").run()
    db.prepare("INSERT INTO collections (id, name, database_id, configuration) VALUES ('c', 'c', 'd', '{}')").run()
    const store = new RecordStore(db)
    const rids = vectors.map((v, i) => {
      const rid = store.insert(1, `r${i}`, null, null, new Float32Array([0]), 1)
      if (v) store.writeMetaValue(rid, 1, 'kw', v)
      return rid
    })
    return { index: new SparseIndex(db), rids }
  }

  it('scores 1 - dot over the query terms, best first, ties by insertion; no shared term, no candidate', () => {
    const { index, rids } = fixture([sv([1, 2], [1, 2]), sv([2, 5], [1, 1]), sv([7], [3]), sv([1, 2], [1, 2]), null])
    const hits = index.knn(1, 'kw', sv([1, 2], [0.5, 0.25]), 10)
    expect(hits).toEqual([
      { label: rids[0], distance: 0 },
      { label: rids[3], distance: 0 },
      { label: rids[1], distance: 0.75 }
    ])
    expect(index.knn(1, 'kw', sv([1, 2], [0.5, 0.25]), 2, new Set([rids[1] as number, rids[3] as number]))).toEqual([
      { label: rids[3], distance: 0 },
      { label: rids[1], distance: 0.75 }
    ])
    expect(index.knn(1, 'other', sv([1], [1]), 10)).toEqual([])
  })

  it('BM25 scales each query term by its IDF over the whole collection', () => {
    // 4 records; term 1 in 3 of them, term 2 in 1.
    const { index, rids } = fixture([sv([1], [1]), sv([1, 2], [0.5, 1]), sv([1], [1]), null])
    const hits = index.knn(1, 'kw', sv([1, 2, 9], [2, 1, 1]), 10, undefined, true)
    const idf1 = Math.log1p((4 - 3 + 0.5) / 3.5)
    const idf2 = Math.log1p((4 - 1 + 0.5) / 1.5)
    expect(hits.map((h) => h.label)).toEqual([rids[1], rids[0], rids[2]])
    expect(hits[0]?.distance).toBeCloseTo(1 - (2 * idf1 * 0.5 + idf2), 12)
    expect(hits[1]?.distance).toBeCloseTo(1 - 2 * idf1, 12)
    // Without bm25 the raw dot product ranks.
    expect(index.knn(1, 'kw', sv([1, 2], [2, 1]), 10)[0]?.distance).toBeCloseTo(1 - 2, 12)
    expect(bm25Idf(4, 0)).toBeCloseTo(Math.log1p(4.5 / 0.5), 12)
    expect(bm25Idf(10, 10)).toBeGreaterThan(0) // a term in every record still counts a little
  })

  it("reads a key's bm25 flag from a schema: the key's own, else the defaults', else off", () => {
    const on = { sparse_vector: { sparse_vector_index: { enabled: true, config: { bm25: true } } } }
    const off = { sparse_vector: { sparse_vector_index: { enabled: true, config: { bm25: false } } } }
    expect(sparseKeyUsesBm25({ defaults: {}, keys: { kw: on } }, 'kw')).toBe(true)
    expect(sparseKeyUsesBm25({ defaults: on, keys: { kw: off } }, 'kw')).toBe(false)
    expect(sparseKeyUsesBm25({ defaults: on, keys: {} }, 'kw')).toBe(true)
    expect(sparseKeyUsesBm25(null, 'kw')).toBe(false)
  })
})

describe('sparse vectors through the engine client', () => {
  it('a null in update removes the vector from the index; collection metadata refuses one', async () => {
    const client = new EphemeralClient()
    try {
      const c = await client.createCollection({ name: 'sparse-null', embeddingFunction: null })
      await c.add({ ids: ['a', 'b'], embeddings: [[1], [2]], metadatas: [{ kw: sv([3], [1]) }, { kw: sv([3], [2]) }] })
      await c.update({ ids: ['b'], metadatas: [{ kw: null }] })
      const r = await c.search({ rank: { $knn: { query: sv([3], [1]), key: 'kw' } }, select: { keys: ['#score'] } })
      expect(r.ids).toEqual([['a']])
      expect((await c.get({ ids: ['b'] })).metadatas).toEqual([null])
      await expect(
        client.createCollection({ name: 'sparse-meta', metadata: { kw: sv([1], [1]) } as never })
      ).rejects.toThrow(/sparse vectors belong in record metadata/)
    } finally {
      await client.close()
    }
  })

  it('postings survive a reopen and go with a deleted collection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromadesk-sparse-'))
    try {
      let client = new PersistentClient({ path: dir })
      let c = await client.createCollection({ name: 'sparse-persist', embeddingFunction: null })
      await c.add({ ids: ['a', 'b'], embeddings: [[1], [2]], metadatas: [{ kw: sv([1, 4], [0.5, 1]) }, { n: 1 }] })
      await client.close()
      client = new PersistentClient({ path: dir })
      c = await client.getCollection({ name: 'sparse-persist', embeddingFunction: null } as never)
      const r = await c.search({ rank: { $knn: { query: sv([4], [0.25]), key: 'kw' } }, select: { keys: ['#score'] } })
      expect(r.ids).toEqual([['a']])
      expect(r.scores).toEqual([[0.75]])
      await client.deleteCollection({ name: 'sparse-persist' })
      await client.close()
      const db = new Database(join(dir, DATABASE_FILE), { readonly: true })
      expect(db.prepare('SELECT count(*) FROM sparse_postings').pluck().get()).toBe(0)
      db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
