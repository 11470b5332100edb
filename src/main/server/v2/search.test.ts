// The official chromadb 3.5.0 client's collection.search() against our server, each answer checked
// against a brute-force computation here (docs/search-api.md).
import { ChromaClient, GroupBy, K, Knn, MinK, Rrf, Search, type Collection } from 'chromadb-v3-5-0'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOurServer, type RunningServer } from './test-server.js'

const DIM = 8
const N = 80

/** Deterministic pseudo-random vectors (a small LCG), so the test is the same on every run. */
function vectors(n: number, seed: number): number[][] {
  let s = seed
  const next = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648 - 0.5
  }
  return Array.from({ length: n }, () => Array.from({ length: DIM }, () => Math.fround(next())))
}

const ids = Array.from({ length: N }, (_, i) => `r${i}`)
const embeddings = vectors(N, 7)
const metadatas = ids.map((_, i) => ({ group: i % 5, n: i, tag: i % 2 === 0 ? 'even' : 'odd' }))
const documents = ids.map((_, i) => `document number ${i} ${i % 3 === 0 ? 'fizz' : 'plain'}`)
const [q1, q2] = vectors(2, 99) as [number[], number[]]

/** Chroma's l2: the squared euclidean distance. */
const l2 = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + (x - (b[i] as number)) ** 2, 0)

/** Indexes of records (those passing `keep`) nearest to q first, at most `limit`. */
function nearest(q: number[], limit: number, keep: (i: number) => boolean = () => true): number[] {
  return ids
    .map((_, i) => i)
    .filter(keep)
    .sort((a, b) => l2(q, embeddings[a] as number[]) - l2(q, embeddings[b] as number[]))
    .slice(0, limit)
}

let server: RunningServer
let collection: Collection

beforeAll(async () => {
  server = await startOurServer()
  const client = new ChromaClient({ host: server.host, port: server.port, ssl: false })
  collection = await client.createCollection({ name: 'search-test', embeddingFunction: null })
  await collection.add({ ids, embeddings, metadatas, documents })
})

afterAll(async () => {
  await server.stop()
})

describe('collection.search() of chromadb 3.5.0', () => {
  it('ranks by a dense Knn: nearest first, the score is the distance, select picks fields', async () => {
    const r = await collection.search(
      new Search()
        .rank(Knn({ query: q1, limit: 20 }))
        .limit(5)
        .select(K.DOCUMENT, K.SCORE, 'n')
    )
    const want = nearest(q1, 5)
    expect(r.ids[0]).toEqual(want.map((i) => ids[i]))
    const rows = r.rows()[0] ?? []
    rows.forEach((row, j) => {
      const i = want[j] as number
      expect(row.score).toBeCloseTo(l2(q1, embeddings[i] as number[]), 4)
      expect(row.document).toBe(documents[i])
      expect(row.metadata).toEqual({ n: i }) // only the selected metadata key
      expect(row.embedding).toBeUndefined()
    })
    expect(r.select[0]).toEqual(['#document', '#score', 'n'])
  })

  it('filters before ranking: a where on metadata, and #id / #document conditions', async () => {
    const r = await collection.search([
      new Search()
        .where(K('group').eq(2))
        .rank(Knn({ query: q1, limit: 7 }))
        .select(K.SCORE),
      new Search().where(K.DOCUMENT.regex('fizz$').and(K('tag').eq('even'))).rank(Knn({ query: q2, limit: 50 })),
      new Search().where(K.ID.isIn(['r3', 'r4', 'r5'])).rank(Knn({ query: q2 }))
    ])
    expect(r.ids[0]).toEqual(nearest(q1, 7, (i) => i % 5 === 2).map((i) => ids[i]))
    expect(r.ids[1]).toEqual(nearest(q2, 50, (i) => i % 3 === 0 && i % 2 === 0).map((i) => ids[i]))
    expect(r.ids[2]).toEqual(nearest(q2, 3, (i) => i >= 3 && i <= 5).map((i) => ids[i]))
    expect(r.scores[1]).toBeNull() // #score not selected
  })

  it('fuses two Knn ranks with Rrf: candidates both ranks hold, -(sum of w / (rank + k))', async () => {
    const limit = 25
    const search = new Search()
      .rank(
        Rrf({
          ranks: [Knn({ query: q1, limit, returnRank: true }), Knn({ query: q2, limit, returnRank: true })],
          k: 10,
          weights: [2, 1]
        })
      )
      .select(K.SCORE)
    const r = await collection.search(search)
    const a = nearest(q1, limit)
    const b = nearest(q2, limit)
    const want = a
      .filter((i) => b.includes(i))
      .map((i) => ({ i, score: -(2 / (a.indexOf(i) + 10) + 1 / (b.indexOf(i) + 10)) }))
      .sort((x, y) => x.score - y.score || x.i - y.i)
    expect(want.length).toBeGreaterThan(0)
    expect(r.ids[0]).toEqual(want.map((w) => ids[w.i]))
    ;(r.scores[0] ?? []).forEach((s, j) => expect(s).toBeCloseTo(want[j]?.score as number, 5))
  })

  it('a Knn default keeps records outside its candidates (union instead of intersection)', async () => {
    const limit = 10
    const r = await collection.search(
      new Search()
        .rank(Knn({ query: q1, limit, default: 5 }).add(Knn({ query: q2, limit, default: 5 })))
        .limit(100)
        .select(K.SCORE)
    )
    const a = nearest(q1, limit)
    const b = nearest(q2, limit)
    const score = (i: number): number =>
      (a.includes(i) ? l2(q1, embeddings[i] as number[]) : 5) + (b.includes(i) ? l2(q2, embeddings[i] as number[]) : 5)
    const want = [...new Set([...a, ...b])].sort((x, y) => score(x) - score(y) || x - y)
    expect(r.ids[0]).toEqual(want.map((i) => ids[i]))
  })

  it('group_by keeps the k best of each group, ordered by score; limit and offset page the result', async () => {
    const limit = 40
    const grouped = new Search()
      .rank(Knn({ query: q1, limit }))
      .groupBy(new GroupBy([K('group')], new MinK([K.SCORE], 2)))
      .select(K.SCORE, 'group')
    const cands = nearest(q1, limit)
    const perGroup = new Map<number, number[]>()
    for (const i of cands) {
      const g = perGroup.get(i % 5) ?? []
      if (g.length < 2) g.push(i)
      perGroup.set(i % 5, g)
    }
    const want = [...perGroup.values()]
      .flat()
      .sort((x, y) => l2(q1, embeddings[x] as number[]) - l2(q1, embeddings[y] as number[]))
    const r = await collection.search([grouped, grouped.limit(3, 2)])
    expect(r.ids[0]).toEqual(want.map((i) => ids[i]))
    expect(r.ids[1]).toEqual(want.slice(2, 5).map((i) => ids[i]))
    expect(r.metadatas[0]?.map((m) => m?.group)).toEqual(want.map((i) => i % 5))
  })

  it('without a rank: filtered records in insertion order, paged', async () => {
    const r = await collection.search(new Search().where(K('tag').eq('odd')).limit(4, 3).select(K.METADATA))
    const want = ids
      .map((_, i) => i)
      .filter((i) => i % 2 === 1)
      .slice(3, 7)
    expect(r.ids[0]).toEqual(want.map((i) => ids[i]))
    expect(r.metadatas[0]).toEqual(want.map((i) => metadatas[i]))
  })

  it('refuses what is not supported yet with a 400 naming it, and bad payloads with the field', async () => {
    const post = async (search: unknown): Promise<{ status: number; message: string }> => {
      const res = await fetch(
        `${server.baseUrl}/api/v2/tenants/default_tenant/databases/default_database/collections/${collection.id}/search`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ searches: [search] })
        }
      )
      return { status: res.status, message: ((await res.json()) as { message: string }).message }
    }
    // The client embeds text itself; text reaching the server is refused unless the key's function runs here.
    const text = await post({ rank: { $knn: { query: 'words', key: 'sparse' } } })
    expect(text).toMatchObject({ status: 400, message: expect.stringMatching(/text query on key 'sparse' needs/) })
    const dense = await post({ rank: { $knn: { query: 'words' } } })
    expect(dense).toMatchObject({
      status: 400,
      message: expect.stringMatching(/text query on #embedding is not supported yet/)
    })
    const limit = await post({ rank: { $knn: { query: [1, 2], limit: -1 } } })
    expect(limit).toMatchObject({ status: 400, message: expect.stringMatching(/searches\[0\]\.rank\.\$knn\.limit/) })
    const dim = new Search().rank(Knn({ query: [1, 2, 3] }))
    await expect(collection.search(dim)).rejects.toThrow(/dimension of 8, got 3/)
  })
})
