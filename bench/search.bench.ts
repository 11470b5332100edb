// Search API latency (docs/search-api.md) next to a plain query, in-process on an in-memory engine
// (index inline): a dense Knn, an Rrf of two Knns, query() for the same neighbours, and BM25 and
// hybrid (dense + BM25 by Rrf, as the app's Hybrid mode runs it) over the records' documents.
//
//   npx tsx bench/search.bench.ts          (N = 100,000 x 384; `npm run bench -- search`)
//   BENCH_N=20000 npx tsx bench/search.bench.ts
//
// Env: BENCH_N (records), BENCH_DIM (384), BENCH_QUERIES (200).
import { keywordSchema } from '../src/main/engine/collection-schema.js'
import { EphemeralClient } from '../src/main/engine/index.js'
import { Bm25Encoder } from '../src/main/engine/search/bm25.js'
import { clusteredVectors } from '../src/main/engine/testing/synthetic.js'

const N = Number(process.env.BENCH_N ?? 100_000)
const DIM = Number(process.env.BENCH_DIM ?? 384)
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200)
const BATCH = 1000

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

async function time(
  label: string,
  run: (q: number[], q2: number[]) => Promise<unknown>,
  queries: number[][]
): Promise<void> {
  const ms: number[] = []
  for (let i = 0; i < queries.length; i++) {
    const t = performance.now()
    await run(queries[i] as number[], queries[(i + 1) % queries.length] as number[])
    ms.push(performance.now() - t)
  }
  ms.sort((a, b) => a - b)
  console.log(`| ${label} | ${pct(ms, 0.5).toFixed(2)} | ${pct(ms, 0.95).toFixed(2)} |`)
}

const all = clusteredVectors(N + QUERIES, DIM, Math.max(10, Math.round(N / 100)), 4242)

// Documents of 40 words from a 20,000-word vocabulary with Zipf-like frequencies (seeded), so BM25
// sees common and rare terms as in text.
const VOCAB = 20_000
let seed = 99
const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
const word = (): string => `w${Math.floor(Math.pow(VOCAB, rand()))}`
const text = (words: number): string => Array.from({ length: words }, word).join(' ')
const documents = Array.from({ length: N }, () => text(40))
const queryTexts = Array.from({ length: QUERIES }, () => text(3))

const encoder = new Bm25Encoder()
const te = performance.now()
for (const d of documents) encoder.encode(d)
const encodeMs = performance.now() - te
console.log(
  `BM25 vectors of ${N} documents of 40 words: ${(encodeMs / 1000).toFixed(2)} s (${Math.round(N / (encodeMs / 1000))} documents/s)`
)

const client = new EphemeralClient()
const c = await client.createCollection({
  name: 'search-bench',
  embeddingFunction: null,
  schema: keywordSchema()
})
const t0 = performance.now()
for (let i = 0; i < N; i += BATCH) {
  const rows = all.slice(i, Math.min(N, i + BATCH))
  await c.add({
    ids: rows.map((_, j) => `r${i + j}`),
    embeddings: rows,
    documents: documents.slice(i, i + rows.length),
    metadatas: rows.map((_, j) => ({ bucket: (i + j) % 100 }))
  })
}
console.log(
  `${N} x ${DIM} with documents and their BM25 vectors loaded and indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s`
)
const queries = all.slice(N).map((v) => Array.from(v))

console.log('\n| call (k = 10) | p50 ms | p95 ms |\n| --- | --- | --- |')
// Warm-up: the first search of a collection pays for nothing else afterwards.
await c.query({ queryEmbeddings: [queries[0] as number[]], nResults: 10 })
await time(
  'query(), nResults 10',
  (q) => c.query({ queryEmbeddings: [q], nResults: 10, include: ['distances'] }),
  queries
)
await time(
  'search(), Knn limit 10',
  (q) => c.search({ rank: { $knn: { query: q, limit: 10 } }, limit: { limit: 10 }, select: { keys: ['#score'] } }),
  queries
)
await time(
  'search(), Rrf of two Knns (limit 50 each)',
  (q, q2) =>
    c.search({
      rank: {
        $mul: [
          {
            $sum: [
              {
                $div: {
                  left: { $val: 1 },
                  right: { $sum: [{ $knn: { query: q, limit: 50, return_rank: true } }, { $val: 60 }] }
                }
              },
              {
                $div: {
                  left: { $val: 1 },
                  right: { $sum: [{ $knn: { query: q2, limit: 50, return_rank: true } }, { $val: 60 }] }
                }
              }
            ]
          },
          { $val: -1 }
        ]
      },
      limit: { limit: 10 },
      select: { keys: ['#score'] }
    }),
  queries
)
await time(
  'search(), Knn limit 10, where bucket = 7 (1%)',
  (q) => c.search({ filter: { bucket: 7 }, rank: { $knn: { query: q, limit: 10 } }, select: { keys: ['#score'] } }),
  queries
)
await time(
  'query(), nResults 10, where bucket = 7 (1%)',
  (q) => c.query({ queryEmbeddings: [q], nResults: 10, where: { bucket: 7 } }),
  queries
)
let qi = 0
const nextText = (): string => queryTexts[qi++ % queryTexts.length] as string
await time(
  'search(), BM25 Knn of a 3-word text, limit 10',
  () => c.search({ rank: { $knn: { query: nextText(), key: 'bm25', limit: 10 } }, select: { keys: ['#score'] } }),
  queries
)
// The app's Hybrid mode: 100 candidates from each ranking, a missing rank counting as 100.
const knn = (query: unknown, key?: string): unknown => ({
  $knn: { query, ...(key ? { key } : {}), limit: 100, return_rank: true, default: 100 }
})
await time(
  'search(), hybrid: Rrf of dense Knn + BM25 Knn (100 each), limit 10',
  (q) =>
    c.search({
      rank: {
        $mul: [
          { $val: -1 },
          {
            $sum: [
              { $div: { left: { $val: 1 }, right: { $sum: [{ $val: 60 }, knn(q)] } } },
              { $div: { left: { $val: 1 }, right: { $sum: [{ $val: 60 }, knn(nextText(), 'bm25')] } } }
            ]
          }
        ]
      },
      limit: { limit: 10 },
      select: { keys: ['#score'] }
    }),
  queries
)
await client.close()
