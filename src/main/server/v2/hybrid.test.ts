// Sparse vectors and hybrid search with the official chromadb 3.5.0 client against our server:
// sparse vectors stored as record metadata, Knn on a sparse key (1 - dot product) and Rrf of a dense
// and a sparse Knn, each checked against a brute-force computation here (docs/search-api.md).
import { ChromaClient, K, Knn, Rrf, Search, type Collection } from 'chromadb-v3-5-0'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOurServer, type RunningServer } from './test-server.js'

const DIM = 6
const N = 120
const VOCAB = 40

/** A small LCG, so every run sees the same data. */
function rng(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

interface Sparse {
  indices: number[]
  values: number[]
}

const next = rng(11)
const ids = Array.from({ length: N }, (_, i) => `h${i}`)
const embeddings = ids.map(() => Array.from({ length: DIM }, () => Math.fround(next() - 0.5)))
/** 1 to 5 distinct terms per record, ascending, float32 weights; every 7th record has none. */
const sparse: (Sparse | null)[] = ids.map((_, i) => {
  if (i % 7 === 0) return null
  const terms = new Set<number>()
  const count = 1 + Math.floor(next() * 5)
  while (terms.size < count) terms.add(Math.floor(next() * VOCAB))
  const indices = [...terms].sort((a, b) => a - b)
  return { indices, values: indices.map(() => Math.fround(0.05 + next())) }
})
const metadatas = ids.map((_, i): Record<string, number | Sparse> => {
  const s = sparse[i]
  return s ? { n: i, kw: s } : { n: i }
})
const denseQuery = Array.from({ length: DIM }, () => Math.fround(next() - 0.5))
const sparseQuery: Sparse = { indices: [3, 7, 12, 20, 31], values: [0.9, 0.4, 1.2, 0.3, 0.7] }

const l2 = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + (x - (b[i] as number)) ** 2, 0)
const dot = (q: Sparse, d: Sparse): number =>
  q.indices.reduce((sum, t, j) => {
    const at = d.indices.indexOf(t)
    return at < 0 ? sum : sum + (q.values[j] as number) * (d.values[at] as number)
  }, 0)

/** Records sharing a term with q (passing `keep`), by 1 - dot ascending, then insertion order. */
function sparseNearest(q: Sparse, limit: number, keep: (i: number) => boolean = () => true): number[] {
  return ids
    .map((_, i) => i)
    .filter((i) => keep(i) && sparse[i] != null && q.indices.some((t) => sparse[i]?.indices.includes(t)))
    .sort((a, b) => 1 - dot(q, sparse[a] as Sparse) - (1 - dot(q, sparse[b] as Sparse)) || a - b)
    .slice(0, limit)
}

function denseNearest(q: number[], limit: number): number[] {
  return ids
    .map((_, i) => i)
    .sort((a, b) => l2(q, embeddings[a] as number[]) - l2(q, embeddings[b] as number[]))
    .slice(0, limit)
}

let server: RunningServer
let client: ChromaClient
let collection: Collection

beforeAll(async () => {
  server = await startOurServer()
  client = new ChromaClient({ host: server.host, port: server.port, ssl: false })
  collection = await client.createCollection({ name: 'hybrid-test', embeddingFunction: null })
  await collection.add({ ids, embeddings, metadatas })
})

afterAll(async () => {
  await server.stop()
})

describe('sparse vectors and hybrid search with chromadb 3.5.0', () => {
  it('stores sparse vectors as record metadata and returns them as sent', async () => {
    const r = await collection.get({ ids: ['h1', 'h7', 'h8'], include: ['metadatas'] })
    // Values come back as float32 (as Chroma stores them): the shortest decimal of each.
    const asF32 = (m: Record<string, unknown> | null | undefined): unknown => {
      const kw = m?.kw as Sparse | undefined
      return kw ? { ...m, kw: { indices: kw.indices, values: kw.values.map(Math.fround) } } : m
    }
    expect(r.metadatas.map(asF32)).toEqual([metadatas[1], metadatas[7], metadatas[8]])
    const raw = await fetch(
      `${server.baseUrl}/api/v2/tenants/default_tenant/databases/default_database/collections/${collection.id}/get`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: ['h1'] }) }
    )
    const body = (await raw.json()) as { metadatas: Record<string, unknown>[] }
    expect(body.metadatas[0]?.kw).toMatchObject({ '#type': 'sparse_vector', indices: sparse[1]?.indices })
  })

  it('a Knn on a sparse key ranks by 1 - dot product over the shared terms, after the filter', async () => {
    const r = await collection.search([
      new Search().rank(Knn({ query: sparseQuery, key: 'kw', limit: 15 })).select(K.SCORE),
      new Search()
        .where(K('n').gte(60))
        .rank(Knn({ query: sparseQuery, key: 'kw', limit: 200 }))
        .select(K.SCORE)
    ])
    const want = sparseNearest(sparseQuery, 15)
    expect(want.length).toBe(15)
    expect(r.ids[0]).toEqual(want.map((i) => ids[i]))
    ;(r.scores[0] ?? []).forEach((s, j) =>
      expect(s).toBeCloseTo(1 - dot(sparseQuery, sparse[want[j] as number] as Sparse), 5)
    )
    const filtered = sparseNearest(sparseQuery, 200, (i) => i >= 60)
    expect(filtered.length).toBeGreaterThan(5)
    expect(r.ids[1]).toEqual(filtered.map((i) => ids[i]))
  })

  it('Rrf fuses a dense and a sparse Knn as a brute-force fusion does', async () => {
    const limit = 40
    const r = await collection.search(
      new Search()
        .rank(
          Rrf({
            ranks: [
              Knn({ query: denseQuery, limit, returnRank: true, default: limit }),
              Knn({ query: sparseQuery, key: 'kw', limit, returnRank: true, default: limit })
            ],
            k: 60,
            weights: [1, 2]
          })
        )
        .limit(25)
        .select(K.SCORE)
    )
    const a = denseNearest(denseQuery, limit)
    const b = sparseNearest(sparseQuery, limit)
    const rank = (list: number[], i: number): number => (list.includes(i) ? list.indexOf(i) : limit)
    const want = [...new Set([...a, ...b])]
      .map((i) => ({ i, score: -(1 / (rank(a, i) + 60) + 2 / (rank(b, i) + 60)) }))
      .sort((x, y) => Math.fround(x.score) - Math.fround(y.score) || x.i - y.i)
      .slice(0, 25)
    expect(r.ids[0]).toEqual(want.map((w) => ids[w.i]))
    ;(r.scores[0] ?? []).forEach((s, j) => expect(s).toBeCloseTo(want[j]?.score as number, 6))
  })

  it('follows upserts, updates and deletes of sparse vectors', async () => {
    const c = await client.createCollection({ name: 'hybrid-writes', embeddingFunction: null })
    await c.add({
      ids: ['a', 'b', 'c'],
      embeddings: [
        [1, 0],
        [0, 1],
        [1, 1]
      ],
      metadatas: [
        { kw: { indices: [1, 2], values: [1, 1] } },
        { kw: { indices: [2], values: [0.5] } },
        { kw: { indices: [9], values: [1] } }
      ]
    })
    const top = async (): Promise<(string | number | null)[][]> => {
      const r = await c.search(
        new Search().rank(Knn({ query: { indices: [2], values: [1] }, key: 'kw' })).select(K.SCORE)
      )
      return (r.ids[0] ?? []).map((id, j) => [id, r.scores[0]?.[j] ?? null])
    }
    expect(await top()).toEqual([
      ['a', 0],
      ['b', 0.5]
    ])
    await c.upsert({ ids: ['c'], embeddings: [[1, 1]], metadatas: [{ kw: { indices: [2, 3], values: [2, 1] } }] })
    // (The 3.5.0 client drops null metadata values, so a key cannot be deleted through it.)
    await c.update({ ids: ['a'], metadatas: [{ kw: { indices: [5], values: [1] }, other: 1 }] })
    await c.delete({ ids: ['b'] })
    expect(await top()).toEqual([['c', -1]])
    expect((await c.get({ ids: ['a'], include: ['metadatas'] })).metadatas).toEqual([
      { kw: { indices: [5], values: [1] }, other: 1 }
    ])
  })

  it('refuses malformed sparse vectors and mismatched Knn queries with a 400 naming them', async () => {
    const bad = async (metadata: unknown): Promise<string> => {
      const res = await fetch(
        `${server.baseUrl}/api/v2/tenants/default_tenant/databases/default_database/collections/${collection.id}/add`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ids: ['bad'], embeddings: [[0, 0, 0, 0, 0, 0]], metadatas: [metadata] })
        }
      )
      expect(res.status).toBe(400)
      return ((await res.json()) as { message: string }).message
    }
    expect(await bad({ kw: { indices: [2, 1], values: [1, 1] } })).toMatch(/strictly ascending/)
    expect(await bad({ kw: { indices: [1, 2], values: [1] } })).toMatch(/same length/)
    expect(await bad({ kw: { '#type': 'dense', indices: [1], values: [1] } })).toMatch(/#type='sparse_vector'/)
    expect(await bad({ kw: { indices: [-1], values: [1] } })).toMatch(/metadatas\[0\]\.kw: sparse vector indices/)
    expect((await collection.get({ ids: ['bad'] })).ids).toEqual([])
    await expect(collection.search(new Search().rank(Knn({ query: [1, 2, 3], key: 'kw' })))).rejects.toThrow(
      /expects a sparse vector query/
    )
    await expect(collection.search(new Search().rank(Knn({ query: sparseQuery })))).rejects.toThrow(
      /needs `key` naming a sparse vector key/
    )
  })
})
