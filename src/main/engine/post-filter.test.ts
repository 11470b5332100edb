import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ChromaDatabase, POST_FILTER_MIN_RECORDS } from './database.js'
import { seededRandom } from './seeded-random.js'

// Decision 0116: on a large collection a broad filter is answered by checking an unfiltered search's
// nearest candidates; a narrow one still searches among its whole allowed set. Both must give the
// brute-force answer (at 4 dimensions the HNSW search finds the true nearest).
const scope = { tenant: 'default_tenant', database: 'default_database' }
const N = POST_FILTER_MIN_RECORDS
const DIM = 4
let db: ChromaDatabase
let id: string
const vectors: number[][] = []

beforeAll(() => {
  db = new ChromaDatabase()
  id = db.createCollection(scope, { name: 'post-filter' }).id
  const rand = seededRandom(11)
  for (let start = 0; start < N; start += 1000) {
    const ids: string[] = []
    const embeddings: number[][] = []
    const metadatas: Record<string, number>[] = []
    for (let i = start; i < start + 1000; i++) {
      const v = Array.from({ length: DIM }, () => Math.fround(rand()))
      vectors.push(v)
      ids.push(`r${i}`)
      embeddings.push(v)
      metadatas.push({ bucket: i % 100 })
    }
    db.add(id, { ids, embeddings, metadatas })
  }
})
afterAll(() => db.close())

/** The k nearest (squared L2) of the records whose bucket passes `pass`, by brute force. */
function exact(query: number[], k: number, pass: (bucket: number) => boolean): string[] {
  return vectors
    .map((v, i) => ({ i, d: v.reduce((sum, x, j) => sum + (x - query[j]!) ** 2, 0) }))
    .filter(({ i }) => pass(i % 100))
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map(({ i }) => `r${i}`)
}

describe('filtered queries on a large collection', () => {
  it('answers a broad filter from the nearest candidates, exactly, without reading the allowed set', () => {
    const allowedSet = vi.spyOn(db as unknown as { selectRids: () => number[] }, 'selectRids')
    const rand = seededRandom(12)
    for (let q = 0; q < 20; q++) {
      const query = Array.from({ length: DIM }, () => rand())
      const got = db.query(id, { query_embeddings: [query], n_results: 10, where: { bucket: { $gte: 50 } } })
      expect(got.ids[0]).toEqual(exact(query, 10, (b) => b >= 50))
    }
    expect(allowedSet).not.toHaveBeenCalled()
    allowedSet.mockRestore()
  })

  it('falls back to the allowed set for a narrow filter, with the same exact answer', () => {
    const allowedSet = vi.spyOn(db as unknown as { selectRids: () => number[] }, 'selectRids')
    const rand = seededRandom(13)
    for (let q = 0; q < 10; q++) {
      const query = Array.from({ length: DIM }, () => rand())
      const got = db.query(id, { query_embeddings: [query], n_results: 10, where: { bucket: 7 } })
      expect(got.ids[0]).toEqual(exact(query, 10, (b) => b === 7))
    }
    expect(allowedSet).toHaveBeenCalledTimes(10)
    allowedSet.mockRestore()
  })

  it('mixes both in one call: each query embedding takes the path that answers it', () => {
    const near = vectors[123]!
    const far = Array.from({ length: DIM }, () => 0.5)
    const got = db.query(id, {
      query_embeddings: [near, far],
      n_results: 5,
      where: { $and: [{ bucket: { $gte: 20 } }, { bucket: { $lt: 60 } }] }
    })
    const pass = (b: number): boolean => b >= 20 && b < 60
    expect(got.ids).toEqual([exact(near, 5, pass), exact(far, 5, pass)])
    expect(got.distances?.[0]?.length).toBe(5)
  })
})
