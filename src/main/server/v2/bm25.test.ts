// BM25 computed by the server (docs/search-api.md, "BM25 on the server"): a collection whose schema
// gives a sparse key the chroma_bm25 function gets that key's vectors from the documents when a write
// leaves them out, and answers text queries on the key. Checked over HTTP against a brute-force BM25.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Bm25Encoder } from '../../engine/search/bm25.js'
import { bm25Idf } from '../../engine/search/sparse.js'
import type { SparseVector } from '../../engine/types.js'
import { startOurServer, type RunningServer } from './test-server.js'

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'
const bm25Key = (config: Record<string, unknown> = {}, enabled = true): Record<string, unknown> => ({
  sparse_vector: {
    sparse_vector_index: {
      enabled,
      config: {
        embedding_function: { type: 'known', name: 'chroma_bm25', config },
        source_key: '#document',
        bm25: true
      }
    }
  }
})

const docs = [
  'Cats purr when they are content.',
  'A dog barks at the cat next door.',
  'Cat food and dog food are not the same.',
  'The stock market fell sharply today.',
  'Markets rallied after the cat video went viral.',
  'Nothing about animals here at all.'
]
const ids = docs.map((_, i) => `d${i}`)
const embeddings = docs.map((_, i) => [i, 1, 0])

/** Stored vectors come back tagged as sparse vectors, their weights as float32. */
function expectVector(got: unknown, want: SparseVector): void {
  expect(got).toMatchObject({ '#type': 'sparse_vector', indices: want.indices })
  const values = (got as SparseVector).values
  expect(values).toHaveLength(want.values.length)
  values.forEach((v, i) => expect(v).toBeCloseTo(want.values[i] as number, 6))
}

let server: RunningServer
let cid: string

async function search(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await server.raw('POST', `${C}/${cid}/search`, body)
  return res as { status: number; json: Record<string, unknown> }
}

beforeAll(async () => {
  server = await startOurServer()
  const created = await server.raw('POST', C, {
    name: 'bm25-server',
    schema: { defaults: {}, keys: { bm25: bm25Key() } }
  })
  expect(created.status).toBe(200)
  cid = (created.json as { id: string }).id
  // The last record brings its own vector: it is kept as given.
  const own: SparseVector = { indices: [1, 2], values: [0.5, 0.25] }
  const metadatas = docs.map((_, i) => (i === 5 ? { bm25: own, n: i } : i % 2 === 0 ? { n: i } : null))
  const added = await server.raw('POST', `${C}/${cid}/add`, { ids, embeddings, documents: docs, metadatas })
  expect(added.status).toBe(201)
})

afterAll(async () => {
  await server.stop()
})

describe('BM25 on the server', () => {
  it("computes the key's vectors from documents a write leaves them out of, and keeps given ones", async () => {
    const got = await server.raw('POST', `${C}/${cid}/get`, { ids, include: ['metadatas'] })
    const mds = (got.json as { metadatas: Record<string, unknown>[] }).metadatas
    const enc = new Bm25Encoder()
    for (let i = 0; i < 5; i++) expectVector(mds[i]?.bm25, enc.encode(docs[i] as string))
    expect(mds[0]?.n).toBe(0) // the record's other metadata is untouched
    expectVector(mds[5]?.bm25, { indices: [1, 2], values: [0.5, 0.25] })
    expect((mds[0]?.bm25 as SparseVector).indices).toContain(Bm25Encoder.termId('cat')) // "Cats" stems to cat
  })

  it('ranks a text query by BM25 (IDF over the collection) exactly as brute force does', async () => {
    const enc = new Bm25Encoder()
    const q = enc.encode('cat food')
    const vectors = docs.map((d, i) => (i === 5 ? { indices: [1, 2], values: [0.5, 0.25] } : enc.encode(d)))
    const idf = (term: number): number => bm25Idf(docs.length, vectors.filter((v) => v.indices.includes(term)).length)
    const score = (v: SparseVector): number =>
      1 -
      q.indices.reduce((s, t, j) => {
        const at = v.indices.indexOf(t)
        return at < 0 ? s : s + (q.values[j] as number) * idf(t) * (v.values[at] as number)
      }, 0)
    const expected = vectors
      .map((v, i) => ({ id: ids[i] as string, score: score(v), shares: q.indices.some((t) => v.indices.includes(t)) }))
      .filter((x) => x.shares)
      .sort((a, b) => a.score - b.score)
    const res = await search({
      searches: [{ rank: { $knn: { query: 'cat food', key: 'bm25', limit: 10 } }, select: { keys: ['#score'] } }]
    })
    expect(res.status).toBe(200)
    const json = res.json as { ids: string[][]; scores: number[][] }
    expect(json.ids[0]).toEqual(expected.map((x) => x.id))
    json.scores[0]?.forEach((s, i) => expect(s).toBeCloseTo(expected[i]?.score as number, 5))
    expect(json.ids[0]?.[0]).toBe('d2') // "Cat food and dog food": both terms, food twice
  })

  it('fuses a dense Knn and a text BM25 Knn with Rrf-style ranks', async () => {
    const res = await search({
      searches: [
        {
          rank: {
            $sum: [
              {
                $div: {
                  left: { $val: -1 },
                  right: { $sum: [{ $val: 60 }, { $knn: { query: [0, 1, 0], return_rank: true } }] }
                }
              },
              {
                $div: {
                  left: { $val: -1 },
                  right: {
                    $sum: [{ $val: 60 }, { $knn: { query: 'cat', key: 'bm25', return_rank: true, default: 100 } }]
                  }
                }
              }
            ]
          },
          limit: { limit: 3 }
        }
      ]
    })
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    // d0 is nearest densely and mentions cat; d1 is second densely and mentions cat too.
    expect((res.json as { ids: string[][] }).ids[0]?.slice(0, 2)).toEqual(['d0', 'd1'])
  })

  it('recomputes the vector when an update or upsert changes the document', async () => {
    await server.raw('POST', `${C}/${cid}/update`, { ids: ['d3'], documents: ['Penguins waddle on ice.'] })
    await server.raw('POST', `${C}/${cid}/upsert`, {
      ids: ['d9'],
      embeddings: [[9, 1, 0]],
      documents: ['A penguin colony.']
    })
    const got = await server.raw('POST', `${C}/${cid}/get`, { ids: ['d3', 'd9'], include: ['metadatas'] })
    const mds = (got.json as { metadatas: Record<string, unknown>[] }).metadatas
    expectVector(mds[0]?.bm25, new Bm25Encoder().encode('Penguins waddle on ice.'))
    expectVector(mds[1]?.bm25, new Bm25Encoder().encode('A penguin colony.'))
    const res = await search({ searches: [{ rank: { $knn: { query: 'penguin', key: 'bm25' } } }] })
    expect((res.json as { ids: string[][] }).ids[0]?.sort()).toEqual(['d3', 'd9'])
    await server.raw('POST', `${C}/${cid}/delete`, { ids: ['d9'] })
  })

  it('refuses text queries it cannot embed, switched-off sparse indexes and bad function configs', async () => {
    const noFn = await search({ searches: [{ rank: { $knn: { query: 'cat', key: 'other' } } }] })
    expect(noFn.status).toBe(400)
    expect(noFn.json.message).toMatch(/text query on key 'other' needs its sparse vector index to use chroma_bm25/)

    const off = await server.raw('POST', C, {
      name: 'bm25-off',
      schema: { defaults: {}, keys: { kw: bm25Key({}, false) } }
    })
    const offId = (off.json as { id: string }).id
    const sparseQuery = { $knn: { query: { indices: [1], values: [1] }, key: 'kw' } }
    const refused = await server.raw('POST', `${C}/${offId}/search`, { searches: [{ rank: sparseQuery }] })
    expect(refused.status).toBe(400)
    expect((refused.json as { message: string }).message).toMatch(/sparse vector index is disabled/)

    const two = await server.raw('POST', C, {
      name: 'bm25-two',
      schema: { defaults: {}, keys: { a: bm25Key(), b: bm25Key() } }
    })
    expect(two.status).toBe(400)
    expect((two.json as { message: string }).message).toMatch(/Only one sparse vector index allowed per collection/)

    const bad = await server.raw('POST', C, {
      name: 'bm25-bad',
      schema: { defaults: {}, keys: { kw: bm25Key({ k: -1 }) } }
    })
    expect(bad.status).toBe(400)
    expect((bad.json as { message: string }).message).toMatch(/chroma_bm25 config: k must be a number >= 0/)
  })
})
