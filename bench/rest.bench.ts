/**
 * `npx tsx bench/rest.bench.ts`: our REST server vs the real Chroma 1.0 server, both running at once,
 * each in its own process with persistent storage, both driven through the official `chromadb` JS
 * client. Data: 20,000 × 384 clustered float32 vectors (seeded).
 *
 * The machine's speed drifts within minutes (a shared VM), so the two servers are measured in
 * alternation rather than one after the other: BENCH_ROUNDS (3) rounds each add the whole data set
 * into a fresh collection on both servers, in alternating order, timing batches of 1,000 and the CPU
 * the client and the server spent, then run the single queries right after (back to back). After
 * BENCH_SETTLE_MS (5 s) without writes, single queries, 1%-selective filtered queries and the
 * client's heartbeat go to the two servers in turn, one call each. Recall@10 is computed against
 * exact search done before any timing. Medians over rounds; ratios are ours ÷ Chroma's.
 * Env: BENCH_N, BENCH_QUERIES, BENCH_ROUNDS, BENCH_SETTLE_MS shrink a run.
 */
import { ChromaClient, type Collection } from 'chromadb'
import { startChromaServer } from '../src/main/engine/differential/chroma-server.js'
import { seededRandom } from '../src/main/engine/testing/synthetic.js'
import { percentile } from '../src/main/server/v2/load.js'
import { hnswlibBuildFlags } from '../scripts/tune-native.mjs'
import { cpuMs, machine, startFloorServer, startOurServerProcess, type BenchServer } from './rest-server.js'

const N = Number(process.env.BENCH_N ?? 20_000)
const DIM = 384
const CLUSTERS = 50
const BATCH = 1_000
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200)
const FILTERED_QUERIES = Math.min(QUERIES, 100)
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
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

// Ground truth once, before any timing: scanning the 30 MB of vectors between timed queries would
// evict both servers' working sets from the CPU caches and time that instead.
const truth = queries.map((q) => new Set(exactTopK(q)))
const filteredTruth = queries.slice(0, FILTERED_QUERIES).map((q, i) => new Set(exactTopK(q, i % BUCKETS)))

// ---- measurement --------------------------------------------------------------------------------

/** chromadb 3.0.3 wants an embedding function object even when every call passes embeddings. */
const noEmbeddings = {
  generate: async (): Promise<number[][]> => {
    throw new Error('the benchmark always passes embeddings')
  }
}

interface Side {
  name: string
  server: { host: string; port: number; pid: number }
  client: ChromaClient
  col: Collection | null
  /** Per round. */
  addPerSecond: number[]
  addClientCpuMs: number[]
  addServerCpuMs: (number | null)[]
  queryP50: number[]
  queryP99: number[]
  /** Interleaved, after the pause. */
  settled: number[]
  filtered: number[]
  beats: number[]
  hits: number
  filteredHits: number
}

function side(name: string, server: Side['server']): Side {
  return {
    name,
    server,
    client: new ChromaClient({ host: server.host, port: server.port }),
    col: null,
    addPerSecond: [],
    addClientCpuMs: [],
    addServerCpuMs: [],
    queryP50: [],
    queryP99: [],
    settled: [],
    filtered: [],
    beats: [],
    hits: 0,
    filteredHits: 0
  }
}

const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50
  )

/** One round on one server: a fresh collection, every record added, then single queries at once. */
async function round(s: Side, r: number): Promise<void> {
  if (s.col) await s.client.deleteCollection({ name: s.col.name })
  const col = await s.client.createCollection({ name: `bench-${r}`, embeddingFunction: noEmbeddings as never })
  s.col = col
  // After the first batch one query runs (untimed) so that both servers maintain their vector index
  // during the remaining adds instead of building it at the first read.
  const serverCpu0 = cpuMs(s.server.pid)
  const clientCpu0 = process.cpuUsage()
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
  const seconds = (performance.now() - t0 - firstQueryMs) / 1000
  const clientCpu = process.cpuUsage(clientCpu0)
  const serverCpu1 = cpuMs(s.server.pid)
  s.addPerSecond.push(N / seconds)
  s.addClientCpuMs.push((clientCpu.user + clientCpu.system) / 1000)
  s.addServerCpuMs.push(serverCpu0 === null || serverCpu1 === null ? null : serverCpu1 - serverCpu0)
  if ((await col.count()) !== N) throw new Error(`${s.name}: count mismatch`)

  const latencies: number[] = []
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now()
    await col.query({ queryEmbeddings: [queries[i] as number[]], nResults: K, include: ['distances'] as never })
    latencies.push(performance.now() - t)
  }
  latencies.sort((a, b) => a - b)
  s.queryP50.push(percentile(latencies, 50))
  s.queryP99.push(percentile(latencies, 99))
}

/** Calls f on each side in turn (order rotating), count times; each call timed on its own. */
async function interleaved(
  sides: Side[],
  count: number,
  f: (s: Side, i: number) => Promise<void>,
  into: (s: Side) => number[]
): Promise<void> {
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < sides.length; j++) {
      const s = sides[(i + j) % sides.length] as Side
      const t = performance.now()
      await f(s, i)
      into(s).push(performance.now() - t)
    }
  }
}

async function measure(sides: Side[], floor: Side): Promise<void> {
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) await round(s, r)
  }
  // Both servers index in the background after acknowledging adds (Chroma compacts its log, we drain
  // the index worker's tail); after a pause both are in their steady state.
  await new Promise((r) => setTimeout(r, SETTLE_MS))
  for (const s of sides) {
    for (let i = 0; i < 5; i++)
      await (s.col as Collection).query({ queryEmbeddings: [queries[i] as number[]], nResults: K })
  }
  floor.col = await floor.client.createCollection({ name: 'floor', embeddingFunction: noEmbeddings as never })
  const withFloor = [...sides, floor]
  await interleaved(
    withFloor,
    QUERIES,
    async (s, i) => {
      const res = await (s.col as Collection).query({
        queryEmbeddings: [queries[i] as number[]],
        nResults: K,
        include: ['distances'] as never
      })
      s.hits += (res.ids[0] ?? []).filter((id) => (truth[i] as Set<string>).has(id)).length
    },
    (s) => s.settled
  )
  await interleaved(
    sides,
    FILTERED_QUERIES,
    async (s, i) => {
      const res = await (s.col as Collection).query({
        queryEmbeddings: [queries[i] as number[]],
        nResults: K,
        where: { bucket: i % BUCKETS },
        include: ['distances'] as never
      })
      s.filteredHits += (res.ids[0] ?? []).filter((id) => (filteredTruth[i] as Set<string>).has(id)).length
    },
    (s) => s.filtered
  )
  await interleaved(
    withFloor,
    QUERIES,
    async (s) => void (await s.client.heartbeat()),
    (s) => s.beats
  )
}

function table(ours: Side, chroma: Side, floor: Side): string {
  const p = (xs: number[], q: number): number =>
    percentile(
      [...xs].sort((a, b) => a - b),
      q
    )
  const cpu = (xs: (number | null)[]): string =>
    xs.some((x) => x === null) ? 'n/a' : (median(xs as number[]) / 1000).toFixed(1)
  const rows: [string, (x: Side) => number | string, 'ratio' | 'per-round' | 'none'][] = [
    [`adds, records/s (batches of 1,000; median of ${ROUNDS} rounds)`, (x) => median(x.addPerSecond), 'ratio'],
    ['adds, records/s, each round', (x) => x.addPerSecond.map((v) => v.toFixed(0)).join(' / '), 'per-round'],
    ['CPU during the adds: client (s)', (x) => (median(x.addClientCpuMs) / 1000).toFixed(1), 'none'],
    ['CPU during the adds: server, all threads (s)', (x) => cpu(x.addServerCpuMs), 'none'],
    ['query p50 right after the adds (ms; median of rounds)', (x) => median(x.queryP50), 'ratio'],
    ['query p99 right after the adds (ms; median of rounds)', (x) => median(x.queryP99), 'ratio'],
    [`query p50 after ${SETTLE_MS / 1000} s without writes, interleaved (ms)`, (x) => p(x.settled, 50), 'ratio'],
    [`query p99 after ${SETTLE_MS / 1000} s without writes, interleaved (ms)`, (x) => p(x.settled, 99), 'ratio'],
    ['1% filtered query p50, interleaved (ms)', (x) => p(x.filtered, 50), 'ratio'],
    ['1% filtered query p99, interleaved (ms)', (x) => p(x.filtered, 99), 'ratio'],
    ['heartbeat p50 via the client, interleaved (ms)', (x) => p(x.beats, 50), 'ratio'],
    ['recall@10 (unfiltered)', (x) => (x.hits / (QUERIES * K)).toFixed(4), 'none'],
    ['recall@10 (1% filtered)', (x) => (x.filteredHits / (FILTERED_QUERIES * K)).toFixed(4), 'none']
  ]
  const show = (v: number | string): string => (typeof v === 'number' ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : v)
  const lines = [
    `| metric | Chromadesk | Chroma 1.0 | ours / Chroma |`,
    `| --- | ---: | ---: | ---: |`,
    ...rows.map(([label, f, kind]) => {
      const [a, b] = [f(ours), f(chroma)]
      const ratio =
        kind === 'ratio'
          ? `${((a as number) / (b as number)).toFixed(2)}×`
          : kind === 'per-round'
            ? ours.addPerSecond.map((v, i) => `${(v / (chroma.addPerSecond[i] as number)).toFixed(2)}×`).join(' / ')
            : ''
      return `| ${label} | ${show(a)} | ${show(b)} | ${ratio} |`
    })
  ]
  const floorQuery = p(floor.settled, 50)
  lines.push(
    '',
    `Floor, interleaved with the above: a bare node:http server that parses the query and returns a fixed`,
    `result (no search): query p50 ${floorQuery.toFixed(2)} ms (${(floorQuery / p(chroma.settled, 50)).toFixed(2)}× Chroma's), heartbeat p50 ${p(floor.beats, 50).toFixed(2)} ms.`
  )
  return lines.join('\n')
}

console.log(`REST benchmark: ${N} × ${DIM} clustered (${CLUSTERS} clusters, seeded), ${QUERIES} queries, k=${K}`)
console.log(`machine: ${machine()}`)
console.log(`hnswlib-node build: ${hnswlibBuildFlags() ?? 'portable (default flags)'}`)
const ourServer: BenchServer = await startOurServerProcess()
const floorServer: BenchServer = await startFloorServer()
try {
  const chroma = await startChromaServer(60_000)
  try {
    const sides = [side('Chromadesk', ourServer), side('Chroma 1.0', chroma)]
    const floor = side('floor', floorServer)
    await measure(sides, floor)
    console.log(table(sides[0] as Side, sides[1] as Side, floor))
  } finally {
    await chroma.stop()
  }
} finally {
  await floorServer.stop()
  await ourServer.stop()
}
