/**
 * `npx tsx bench/rest.bench.ts`: our REST server vs the real Chroma 1.0 server, side by side in one
 * run, both in their own process with persistent storage, both driven through the official
 * `chromadb` JS client. Data: 20,000 × 384 clustered float32 vectors (seeded). Measures add
 * throughput (batches of 1,000), single-query latency (p50/p99), 1%-selective filtered queries
 * (p50), the single queries again after BENCH_SETTLE_MS (5 s) without writes, and recall@10 of both
 * against exact search. Env: BENCH_N, BENCH_QUERIES to shrink a run.
 */
import { ChromaClient, type Collection } from 'chromadb'
import { startChromaServer } from '../src/main/engine/differential/chroma-server.js'
import { seededRandom } from '../src/main/engine/testing/synthetic.js'
import { percentile } from '../src/main/server/v2/load.js'
import { machine, startOurServerProcess, type BenchServer } from './rest-server.js'

const N = Number(process.env.BENCH_N ?? 20_000)
const DIM = 384
const CLUSTERS = 50
const BATCH = 1_000
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200)
const FILTERED_QUERIES = Math.min(QUERIES, 100)
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000)
const K = 10
const BUCKETS = 100 // metadata `bucket` = i % 100: one value selects 1%

// ---- data ---------------------------------------------------------------------------------------

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r())
}

/** Points around CLUSTERS random centres, rounded to float32 (what both servers store). */
function clustered(count: number, r: () => number, centres: Float32Array[]): number[][] {
  return Array.from({ length: count }, () => {
    const c = centres[Math.floor(r() * centres.length)] as Float32Array
    return Array.from(c, (x) => Math.fround(x + gaussian(r) * 0.35))
  })
}

const r = seededRandom(20_250_101)
const centres = Array.from({ length: CLUSTERS }, () => Float32Array.from({ length: DIM }, () => gaussian(r)))
const vectors = clustered(N, r, centres)
const ids = vectors.map((_, i) => `id-${i}`)
const metadatas = vectors.map((_, i) => ({ bucket: i % BUCKETS, cluster_hint: i % 7 }))
const queries = clustered(QUERIES, r, centres)
const flat = new Float32Array(N * DIM)
vectors.forEach((v, i) => flat.set(v, i * DIM))

/** Exact top-K by squared L2 (Chroma's l2), optionally among one bucket. */
function exactTopK(q: number[], bucket?: number): string[] {
  const best: { i: number; d: number }[] = []
  for (let i = 0; i < N; i++) {
    if (bucket !== undefined && i % BUCKETS !== bucket) continue
    let d = 0
    const o = i * DIM
    for (let j = 0; j < DIM; j++) {
      const x = (q[j] as number) - (flat[o + j] as number)
      d += x * x
    }
    if (best.length < K || d < (best[best.length - 1] as { d: number }).d) {
      best.push({ i, d })
      best.sort((a, b) => a.d - b.d)
      if (best.length > K) best.pop()
    }
  }
  return best.map((b) => ids[b.i] as string)
}

// ---- measurement --------------------------------------------------------------------------------

interface Result {
  name: string
  addSeconds: number
  addPerSecond: number
  firstQueryMs: number
  queryP50: number
  queryP99: number
  /** The same single queries again after SETTLE_MS without writes (background work done on both). */
  settledP50: number
  settledP99: number
  /** The client's heartbeat call: the floor every call pays (client, HTTP, loopback), no query work. */
  heartbeatP50: number
  filteredP50: number
  filteredP99: number
  recall: number
  filteredRecall: number
}

/** chromadb 3.0.3 wants an embedding function object even when every call passes embeddings. */
const noEmbeddings = {
  generate: async (): Promise<number[][]> => {
    throw new Error('the benchmark always passes embeddings')
  }
}

async function measure(name: string, server: { host: string; port: number }): Promise<Result> {
  const client = new ChromaClient({ host: server.host, port: server.port })
  const col: Collection = await client.createCollection({ name: 'bench', embeddingFunction: noEmbeddings as never })

  // Adds, timed as a whole. After the first batch one query runs (untimed) so that both servers
  // maintain their vector index during the remaining adds instead of building it at the first read.
  const t0 = performance.now()
  let firstQueryMs = 0
  for (let start = 0; start < N; start += BATCH) {
    const end = Math.min(N, start + BATCH)
    await col.add({
      ids: ids.slice(start, end),
      embeddings: vectors.slice(start, end),
      metadatas: metadatas.slice(start, end)
    })
    if (start === 0) {
      const tq = performance.now()
      await col.query({ queryEmbeddings: [queries[0] as number[]], nResults: K })
      firstQueryMs = performance.now() - tq
    }
  }
  const addSeconds = (performance.now() - t0 - firstQueryMs) / 1000
  if ((await col.count()) !== N) throw new Error(`${name}: count mismatch`)

  // Warm-up (not timed), then single queries one at a time.
  for (let i = 0; i < 5; i++) await col.query({ queryEmbeddings: [queries[i] as number[]], nResults: K })
  const latencies: number[] = []
  let hits = 0
  for (let i = 0; i < QUERIES; i++) {
    const q = queries[i] as number[]
    const t = performance.now()
    const res = await col.query({ queryEmbeddings: [q], nResults: K, include: ['distances'] as never })
    latencies.push(performance.now() - t)
    const truth = new Set(exactTopK(q))
    hits += (res.ids[0] ?? []).filter((id) => truth.has(id)).length
  }

  const filtered: number[] = []
  let filteredHits = 0
  for (let i = 0; i < FILTERED_QUERIES; i++) {
    const q = queries[i] as number[]
    const bucket = i % BUCKETS
    const t = performance.now()
    const res = await col.query({
      queryEmbeddings: [q],
      nResults: K,
      where: { bucket },
      include: ['distances'] as never
    })
    filtered.push(performance.now() - t)
    const truth = new Set(exactTopK(q, bucket))
    filteredHits += (res.ids[0] ?? []).filter((id) => truth.has(id)).length
  }
  // Both servers index in the background after acknowledging adds (Chroma compacts its log, we drain
  // the index worker's tail); the same queries after a pause show the steady state.
  await new Promise((r) => setTimeout(r, SETTLE_MS))
  const settled: number[] = []
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now()
    await col.query({ queryEmbeddings: [queries[i] as number[]], nResults: K, include: ['distances'] as never })
    settled.push(performance.now() - t)
  }
  settled.sort((a, b) => a - b)
  const beats: number[] = []
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now()
    await client.heartbeat()
    beats.push(performance.now() - t)
  }
  beats.sort((a, b) => a - b)
  latencies.sort((a, b) => a - b)
  filtered.sort((a, b) => a - b)
  return {
    name,
    addSeconds,
    addPerSecond: N / addSeconds,
    firstQueryMs,
    queryP50: percentile(latencies, 50),
    queryP99: percentile(latencies, 99),
    settledP50: percentile(settled, 50),
    settledP99: percentile(settled, 99),
    heartbeatP50: percentile(beats, 50),
    filteredP50: percentile(filtered, 50),
    filteredP99: percentile(filtered, 99),
    recall: hits / (QUERIES * K),
    filteredRecall: filteredHits / (FILTERED_QUERIES * K)
  }
}

function table(results: Result[]): string {
  const [ours, chroma] = results as [Result, Result]
  const rows: [string, (x: Result) => string, string][] = [
    [
      'adds (records/s, batches of 1,000)',
      (x) => x.addPerSecond.toFixed(0),
      `${(ours.addPerSecond / chroma.addPerSecond).toFixed(2)}×`
    ],
    ['adds total (s)', (x) => x.addSeconds.toFixed(1), ''],
    ['query p50 (ms)', (x) => x.queryP50.toFixed(2), `${(ours.queryP50 / chroma.queryP50).toFixed(2)}×`],
    ['query p99 (ms)', (x) => x.queryP99.toFixed(2), `${(ours.queryP99 / chroma.queryP99).toFixed(2)}×`],
    [
      `query p50 after ${SETTLE_MS / 1000} s without writes (ms)`,
      (x) => x.settledP50.toFixed(2),
      `${(ours.settledP50 / chroma.settledP50).toFixed(2)}×`
    ],
    [
      `query p99 after ${SETTLE_MS / 1000} s without writes (ms)`,
      (x) => x.settledP99.toFixed(2),
      `${(ours.settledP99 / chroma.settledP99).toFixed(2)}×`
    ],
    [
      'heartbeat p50 via the client (ms): the per-call floor',
      (x) => x.heartbeatP50.toFixed(2),
      `${(ours.heartbeatP50 / chroma.heartbeatP50).toFixed(2)}×`
    ],
    [
      '1% filtered query p50 (ms)',
      (x) => x.filteredP50.toFixed(2),
      `${(ours.filteredP50 / chroma.filteredP50).toFixed(2)}×`
    ],
    [
      '1% filtered query p99 (ms)',
      (x) => x.filteredP99.toFixed(2),
      `${(ours.filteredP99 / chroma.filteredP99).toFixed(2)}×`
    ],
    ['recall@10 (unfiltered)', (x) => x.recall.toFixed(4), ''],
    ['recall@10 (1% filtered)', (x) => x.filteredRecall.toFixed(4), '']
  ]
  const lines = [
    `| metric | Chromadesk | Chroma 1.0 | ours / Chroma |`,
    `| --- | ---: | ---: | ---: |`,
    ...rows.map(([label, f, ratio]) => `| ${label} | ${f(ours)} | ${f(chroma)} | ${ratio} |`)
  ]
  return lines.join('\n')
}

console.log(`REST benchmark: ${N} × ${DIM} clustered (${CLUSTERS} clusters, seeded), ${QUERIES} queries, k=${K}`)
console.log(`machine: ${machine()}`)
const results: Result[] = []
const ourServer: BenchServer = await startOurServerProcess()
try {
  results.push(await measure('Chromadesk', ourServer))
} finally {
  await ourServer.stop()
}
const chroma = await startChromaServer(60_000)
try {
  results.push(await measure('Chroma 1.0', chroma))
} finally {
  await chroma.stop()
}
console.log(table(results))
