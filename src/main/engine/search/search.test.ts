import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EphemeralClient, PersistentClient } from '../client.js'
import { InvalidArgumentError } from '../errors.js'
import { parseRank, parseSearches, type RankNode } from './plan.js'
import { evaluate, type KnnResults } from './run.js'

/** A parsed rank whose Knn nodes (in order) get the given candidate lists. */
function evalWith(rank: unknown, lists: { label: number; distance: number }[][]): Record<number, number> {
  const node = parseRank(rank, 'rank')
  const knn: KnnResults = new Map()
  const walk = (n: RankNode): void => {
    if (n.op === 'knn') knn.set(n, lists[knn.size] ?? [])
    else if ('args' in n) n.args.forEach(walk)
    else if ('left' in n) [n.left, n.right].forEach(walk)
    else if ('arg' in n) walk(n.arg)
  }
  walk(node)
  return Object.fromEntries(evaluate(node, knn).support)
}

const knn = (extra: Record<string, unknown> = {}): unknown => ({ $knn: { query: [0, 0], ...extra } })
const A = [
  { label: 1, distance: 0.5 },
  { label: 2, distance: 1 }
]
const B = [
  { label: 2, distance: 3 },
  { label: 3, distance: 4 }
]

describe('rank evaluation', () => {
  it('a Knn scores its candidates by distance, or by position with return_rank', () => {
    expect(evalWith(knn(), [A])).toEqual({ 1: 0.5, 2: 1 })
    expect(evalWith(knn({ return_rank: true }), [A])).toEqual({ 1: 0, 2: 1 })
  })

  it('combining Knns without default keeps the records both hold; a default keeps the others', () => {
    expect(evalWith({ $sum: [knn(), knn()] }, [A, B])).toEqual({ 2: 4 })
    expect(evalWith({ $sum: [knn({ default: 10 }), knn()] }, [A, B])).toEqual({ 2: 4, 3: 14 })
    expect(evalWith({ $sum: [knn({ default: 10 }), knn({ default: 20 })] }, [A, B])).toEqual({ 1: 20.5, 2: 4, 3: 14 })
  })

  it('arithmetic applies to every candidate; constants alone rank nothing', () => {
    expect(evalWith({ $mul: [knn(), { $val: -2 }] }, [A])).toEqual({ 1: -1, 2: -2 })
    expect(evalWith({ $div: { left: { $val: 1 }, right: { $sum: [knn(), { $val: 1 }] } } }, [A])).toEqual({
      1: 1 / 1.5,
      2: 0.5
    })
    expect(evalWith({ $max: [knn(), { $val: 0.75 }] }, [A])).toEqual({ 1: 0.75, 2: 1 })
    expect(evalWith({ $abs: { $sub: { left: knn(), right: { $val: 1 } } } }, [A])).toEqual({ 1: 0.5, 2: 0 })
    expect(evalWith({ $exp: { $log: knn() } }, [A])[1]).toBeCloseTo(0.5)
    expect(evalWith({ $val: 3 }, [])).toEqual({})
  })

  it('refuses malformed payloads and what is not supported yet, naming the field', () => {
    const msg = (searches: unknown): string => {
      try {
        parseSearches(searches)
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidArgumentError)
        return (e as Error).message
      }
      throw new Error('accepted')
    }
    expect(msg([{ rank: { $knn: { query: { indices: [1], values: [1] } } } }])).toMatch(
      /sparse vector query needs `key`/
    )
    expect(msg([{ rank: { $knn: { query: [1], key: 'sparse_embedding' } } }])).toMatch(
      /searches\[0\]\.rank\.\$knn\.query: Knn on the sparse key sparse_embedding expects a sparse vector/
    )
    expect(msg([{ rank: { $knn: { query: { indices: [2, 1], values: [1, 1] }, key: 's' } } }])).toMatch(
      /searches\[0\]\.rank\.\$knn\.query: Sparse vector indices must be sorted/
    )
    expect(msg([{ rank: { $knn: { query: [1], key: '#document' } } }])).toMatch(/searches\[0\]\.rank\.\$knn\.key/)
    expect(msg([{ rank: { $knn: { query: 'hello' } } }])).toMatch(/text query on #embedding is not supported yet/)
    expect(msg([{ rank: { $bm25: {} } }])).toMatch(/BM25 and sparse ranking are a \$knn/)
    expect(
      msg([{ rank: { $val: 1 }, group_by: { keys: ['#score'], aggregate: { $min_k: { keys: ['#score'], k: 1 } } } }])
    ).toMatch(/group keys must be metadata keys/)
    expect(msg([{ group_by: { keys: ['a'], aggregate: { $max_k: { keys: ['#score'], k: 1 } } } }])).toMatch(
      /requires a rank/
    )
    expect(msg([{ limit: { limit: -1 } }])).toMatch(/searches\[0\]\.limit\.limit/)
    expect(msg([{ filter: { '#id': { $in: [1] } } }])).toMatch(/#id takes a string/)
    expect(msg([{ filter: { n: { $gt: 'x' } } }])).toMatch(/searches\[0\]\.filter: Invalid where clause/)
    expect(msg([{ ranks: {} }])).toMatch(/unknown field `ranks`/)
    let deep: unknown = { $val: 1 }
    for (let i = 0; i < 10_000; i++) deep = { $abs: deep }
    expect(msg([{ rank: deep }])).toMatch(/nest at most 64 deep/)
    let deepFilter: unknown = { n: 1 }
    for (let i = 0; i < 10_000; i++) deepFilter = { $and: [deepFilter] }
    expect(msg([{ filter: deepFilter }])).toMatch(/filters nest at most 64 deep/)
  })
})

describe('collection.search() in the engine client', () => {
  it('embeds text Knn queries with the embedding function and ranks like query()', async () => {
    const client = new EphemeralClient()
    try {
      const ef = {
        name: 'letters',
        getConfig: () => ({}),
        generate: async (texts: string[]) =>
          texts.map((t) => ['a', 'b', 'c'].map((ch) => [...t].filter((x) => x === ch).length))
      }
      const c = await client.createCollection({ name: 'texts', embeddingFunction: ef })
      await c.add({ ids: ['x', 'y', 'z'], documents: ['aaa', 'bbb', 'abc'] })
      const r = await c.search({ rank: { $knn: { query: 'aab' } }, select: { keys: ['#score', '#document'] } })
      const q = await c.query({ queryTexts: ['aab'], nResults: 3 })
      expect(r.ids).toEqual(q.ids)
      expect(r.scores[0]).toEqual(q.distances?.[0])
      expect(r.documents[0]).toEqual(q.documents?.[0])
    } finally {
      await client.close()
    }
  })

  it('answers through the index worker of a persistent database, writes not yet indexed included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromadesk-search-'))
    const client = new PersistentClient({ path: dir })
    try {
      const c = await client.createCollection({ name: 'persistent', embeddingFunction: null })
      const n = 300
      const embeddings = Array.from({ length: n }, (_, i) => [Math.cos(i), Math.sin(i), i / n])
      await c.add({ ids: embeddings.map((_, i) => `p${i}`), embeddings, metadatas: embeddings.map((_, i) => ({ i })) })
      const query = [1, 0, 0.5]
      const want = await c.query({ queryEmbeddings: [query], nResults: 10, where: { i: { $lt: 200 } } })
      const r = await c.search({
        filter: { i: { $lt: 200 } },
        rank: { $knn: { query, limit: 10 } },
        select: { keys: ['#score'] }
      })
      expect(r.ids).toEqual(want.ids)
      expect(r.scores[0]).toEqual(want.distances?.[0])
    } finally {
      await client.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
