/**
 * `npm run bench -- load` (or `npx tsx bench/rest-load.bench.ts`): our server and the real Chroma 1.0
 * server side by side, each in its own process with persistent storage, driven by plain HTTP/1.1
 * keep-alive requests of Chroma's v2 API (no client library), alternating between the servers so a
 * shared machine's drift hits both alike:
 *   1. preload BENCH_N (20,000) clustered 384-d vectors in batches of 1,000, server order alternating;
 *   2. one query at a time (k = 10), BENCH_QUERIES per server, the calls alternating;
 *   3. 16 concurrent clients (half queries k = 10, 30% of them with a `where`; half adds of 20 x 384)
 *      in LOAD_SLICE_SECONDS slices alternating between the servers, LOAD_SECONDS per server.
 * Fails on any error or when a server's final count differs from its acknowledged adds. Prints ratios
 * (ours / Chroma's). BENCH_BASELINE=<another worktree of this repository> adds its server as a third
 * side (e.g. main, to measure a change against it in the same run).
 */
import { startChromaServer } from '../src/main/engine/differential/chroma-server.js'
import { clusteredVectors, seededRandom } from '../src/main/engine/testing/synthetic.js'
import { httpClient, percentile, runMix, V2_COLLECTIONS, type HttpClient } from '../src/main/server/v2/load.js'
import { cpuMs, machine, startOurServerProcess, type BenchServer } from './rest-server.js'

const N = Number(process.env.BENCH_N ?? 20_000)
const DIM = 384
const BATCH = 1_000
const QUERIES = Number(process.env.BENCH_QUERIES ?? 400)
const SECONDS = Number(process.env.LOAD_SECONDS ?? 40)
const SLICE = Number(process.env.LOAD_SLICE_SECONDS ?? 10)
const CLIENTS = 16
const BUCKETS = 100

// Data: clustered vectors as JSON text, encoded once so the bench's own CPU stays small.
const POOL = 4_096
const all = clusteredVectors(N + POOL, DIM, 50, 20_261_206, 0.35)
const json = all.map((v) => `[${Array.from(v).join(',')}]`)
const preload = json.slice(0, N)
const pool = json.slice(N)

interface Side {
  name: string
  pid: number
  http: HttpClient
  collection: string
  preloadMs: number
  single: number[]
  adds: number[]
  queries: number[]
  mixSeconds: number
  mixCpuMs: number
  acknowledged: number
  errors: string[]
}

async function createCollection(http: HttpClient): Promise<string> {
  const res = await http.request('POST', V2_COLLECTIONS, JSON.stringify({ name: `load-${Date.now()}` }))
  if (res.status !== 200) throw new Error(`create collection: ${res.status} ${res.text}`)
  return `${V2_COLLECTIONS}/${(JSON.parse(res.text) as { id: string }).id}`
}

async function check(res: Promise<{ status: number; text: string }>, what: string): Promise<string> {
  const r = await res
  if (r.status !== 200 && r.status !== 201) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`)
  return r.text
}

/** The sides in a different order each time (a shared machine's drift then hits them alike). */
function rotated<T>(xs: T[], i: number): T[] {
  const k = i % xs.length
  return i % 2 === 0 ? [...xs.slice(k), ...xs.slice(0, k)] : [...xs.slice(k), ...xs.slice(0, k)].reverse()
}

function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50
  )
}
function p(xs: number[], q: number): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    q
  )
}

const BASELINE = process.env.BENCH_BASELINE
const ours = await startOurServerProcess()
let baseline: BenchServer | null = null
let chroma: Awaited<ReturnType<typeof startChromaServer>> | null = null
try {
  if (BASELINE) baseline = await startOurServerProcess(BASELINE)
  chroma = await startChromaServer(60_000)
  console.log(`REST load, ours vs Chroma 1.0: ${machine()}`)
  console.log(`N = ${N} x ${DIM}, ${QUERIES} single queries each, ${SECONDS} s of ${CLIENTS} clients each`)
  const sides: Side[] = []
  const servers: [string, { baseUrl: string; pid: number }][] = [
    ['ours', ours],
    ['Chroma', chroma]
  ]
  if (baseline) servers.push(['baseline', baseline])
  for (const [name, server] of servers) {
    const http = httpClient(server.baseUrl)
    sides.push({
      name,
      pid: server.pid,
      http,
      collection: await createCollection(http),
      preloadMs: 0,
      single: [],
      adds: [],
      queries: [],
      mixSeconds: 0,
      mixCpuMs: 0,
      acknowledged: N,
      errors: []
    })
  }

  // 1. Preload, alternating which server gets each batch first.
  for (let s = 0, b = 0; s < N; s += BATCH, b++) {
    const ids = Array.from({ length: Math.min(BATCH, N - s) }, (_, i) => `id-${s + i}`)
    const body =
      `{"ids":${JSON.stringify(ids)},"embeddings":[${preload.slice(s, s + ids.length).join(',')}],` +
      `"metadatas":[${ids.map((_, i) => `{"bucket":${(s + i) % BUCKETS}}`).join(',')}]}`
    for (const side of rotated(sides, b)) {
      const t0 = performance.now()
      await check(side.http.request('POST', `${side.collection}/add`, body), `${side.name} preload`)
      side.preloadMs += performance.now() - t0
    }
  }
  await new Promise((r) => setTimeout(r, 2000)) // both indexes catch up

  // 2. One query at a time, alternating.
  const r = seededRandom(99)
  for (let q = 0; q < QUERIES * sides.length; q++) {
    const side = sides[q % sides.length] as Side
    const body = `{"query_embeddings":[${pool[Math.floor(r() * POOL)]}],"n_results":10,"include":["distances","metadatas"]}`
    const t0 = performance.now()
    await check(side.http.request('POST', `${side.collection}/query`, body), `${side.name} query`)
    side.single.push(performance.now() - t0)
  }

  // 3. The 16-client mix, in slices alternating between the servers.
  const slices = Math.max(1, Math.round(SECONDS / SLICE))
  for (let s = 0; s < slices; s++) {
    for (const side of rotated(sides, s)) {
      const cpu0 = cpuMs(side.pid)
      const mix = await runMix({
        http: side.http,
        collection: side.collection,
        seconds: SECONDS / slices,
        clients: CLIENTS,
        batch: 20,
        addShare: 0.5,
        seed: 1000 + s,
        idPrefix: `s${s}`,
        vector: (rand) => pool[Math.floor(rand() * POOL)] as string,
        metadata: (rand, w) => `{"bucket":${Math.floor(rand() * BUCKETS)},"worker":${w}}`,
        // Between 1% and 100% of the records, 50% on average.
        where: (rand) => `{"bucket":{"$gte":${Math.floor(rand() * BUCKETS)}}}`
      })
      const cpu1 = cpuMs(side.pid)
      side.adds.push(...mix.addLatencies)
      side.queries.push(...mix.queryLatencies)
      side.mixSeconds += mix.seconds
      side.mixCpuMs += cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : 0
      side.acknowledged += mix.acknowledgedRecords
      side.errors.push(...mix.errors)
    }
  }

  // Counts: every acknowledged add is there, nothing else.
  for (const side of sides) {
    const count = Number(await check(side.http.request('GET', `${side.collection}/count`), `${side.name} count`))
    if (count !== side.acknowledged) side.errors.push(`count ${count} != acknowledged ${side.acknowledged}`)
  }

  const ops = (x: Side): number => (x.adds.length + x.queries.length) / x.mixSeconds
  const cpuPerOp = (x: Side): number => x.mixCpuMs / (x.adds.length + x.queries.length)
  const measures: [string, (x: Side) => number, number][] = [
    ['preload adds/s, batches of 1,000', (x) => N / (x.preloadMs / 1000), 1],
    ['one query at a time, p50 ms', (x) => median(x.single), 2],
    ['one query at a time, p99 ms', (x) => p(x.single, 99), 2],
    [`${CLIENTS} clients, ops/s`, ops, 1],
    ['same load, query p50 ms', (x) => median(x.queries), 2],
    ['same load, query p99 ms', (x) => p(x.queries, 99), 2],
    ['same load, add p50 ms', (x) => median(x.adds), 2],
    ['same load, add p99 ms', (x) => p(x.adds, 99), 2],
    ['same load, server CPU ms per op', cpuPerOp, 2]
  ]
  const [a, c, base] = sides as [Side, Side, Side | undefined]
  const head = ['ours', 'Chroma', 'ours/Chroma', ...(base ? ['baseline', 'base/Chroma'] : [])]
  console.log(`\n${'measure'.padEnd(36)} ${head.map((h) => h.padStart(12)).join(' ')}`)
  for (const [label, f, digits] of measures) {
    const cells = [f(a).toFixed(digits), f(c).toFixed(digits), `${(f(a) / f(c)).toFixed(2)}x`]
    if (base) cells.push(f(base).toFixed(digits), `${(f(base) / f(c)).toFixed(2)}x`)
    console.log(`${label.padEnd(36)} ${cells.map((x) => x.padStart(12)).join(' ')}`)
  }
  for (const side of sides) {
    console.log(
      `${side.name}: ${side.adds.length} adds, ${side.queries.length} queries in ${side.mixSeconds.toFixed(1)} s, ` +
        `${side.errors.length} errors, final count = acknowledged ${side.acknowledged}: ${side.errors.length === 0 ? 'yes' : 'NO'}`
    )
    if (side.errors.length > 0) {
      console.error(side.errors.slice(0, 10).join('\n'))
      process.exitCode = 1
    }
  }
  for (const side of sides) side.http.close()
} finally {
  await chroma?.stop()
  await baseline?.stop()
  await ours.stop()
}
