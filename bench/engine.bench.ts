// Engine benchmark: raw hnswlib-node vs VectorIndex vs the persistent engine, on synthetic
// clustered 384-d data from a seeded PRNG.
//
//   npx tsx bench/engine.bench.ts            (N = 100,000)
//   BENCH_N=20000 BENCH_QUERIES=100 npx tsx bench/engine.bench.ts
//
// Env: BENCH_N (points), BENCH_DIM (384), BENCH_QUERIES (200), BENCH_BATCH (1000, engine add batch),
//      BENCH_SWEEP=0 (skip the filter-strategy sweep), BENCH_EF=200,400 (more ef_search values at which
//      raw searchKnn and PersistentClient.query are both measured: p50, recall and their ratio).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'
import { PersistentClient, type Collection } from '../src/main/engine/index.js'
import { HierarchicalNSW } from '../src/main/engine/vector-index/hnswlib.js'
import {
  openIndex,
  VectorIndex,
  writeSnapshot,
  type HnswParams,
  type IndexSource
} from '../src/main/engine/vector-index/index.js'
import { seededRandom } from '../src/main/engine/testing/synthetic.js'
import { FILTERED_SEARCH_DEFAULTS } from '../src/main/engine/vector-index/vector-index.js'

const N = Number(process.env.BENCH_N ?? 100_000)
const DIM = Number(process.env.BENCH_DIM ?? 384)
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200)
const BATCH = Number(process.env.BENCH_BATCH ?? 1000)
const EF_SWEEP = (process.env.BENCH_EF ?? '').split(',').filter(Boolean).map(Number)
/** Raw searchKnn at each swept ef_search (measured before raw is freed, compared in benchEngine). */
const rawAtEf = new Map<number, { p50: number; recall: number }>()
const BUCKETS = 100 // metadata key with 100 values -> a `where` on one value selects 1%
const K = 10
const PARAMS: HnswParams = { space: 'l2', M: 16, efConstruction: 100, efSearch: 100 }

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

// ---- data ---------------------------------------------------------------------------------------

/** N + QUERIES points around N/100 centres; the last QUERIES rows are held out as queries. */
function generate(): { data: Float32Array; queries: Float32Array[]; bucketOf: Uint8Array } {
  const rand = seededRandom(12345)
  const clusters = Math.max(10, Math.round(N / 100))
  const centres = new Float32Array(clusters * DIM)
  for (let i = 0; i < centres.length; i++) centres[i] = rand() * 2 - 1
  const total = N + QUERIES
  const data = new Float32Array(total * DIM)
  for (let p = 0; p < total; p++) {
    const c = Math.floor(rand() * clusters) * DIM
    for (let d = 0; d < DIM; d++)
      data[p * DIM + d] = (centres[c + d] as number) + (rand() + rand() + rand() - 1.5) * 0.25
  }
  const queries = Array.from({ length: QUERIES }, (_, q) => data.slice((N + q) * DIM, (N + q + 1) * DIM))
  const bucketOf = new Uint8Array(N)
  for (let i = 0; i < N; i++) bucketOf[i] = Math.floor(rand() * BUCKETS)
  return { data: data.subarray(0, N * DIM), queries, bucketOf }
}

const vectorAt = (data: Float32Array, i: number): Float32Array => data.subarray(i * DIM, (i + 1) * DIM)

function exactTopK(data: Float32Array, query: Float32Array, candidates: Iterable<number>): number[] {
  const best: { label: number; d: number }[] = []
  for (const i of candidates) {
    let s = 0
    const o = i * DIM
    for (let d = 0; d < DIM; d++) {
      const x = (query[d] as number) - (data[o + d] as number)
      s += x * x
    }
    if (best.length < K || s < best[best.length - 1]!.d) {
      best.push({ label: i, d: s })
      best.sort((a, b) => a.d - b.d || a.label - b.label)
      if (best.length > K) best.pop()
    }
  }
  return best.map((b) => b.label)
}

function plainArray(v: Float32Array): number[] {
  const out = new Array<number>(v.length)
  for (let i = 0; i < v.length; i++) out[i] = v[i] as number
  return out
}

function* range(n: number): Iterable<number> {
  for (let i = 0; i < n; i++) yield i
}

// ---- measurement helpers ------------------------------------------------------------------------

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

function rssMB(): number {
  gc()
  gc()
  return process.memoryUsage().rss / 2 ** 20
}

function recall(found: number[], expected: number[]): number {
  const set = new Set(expected)
  return found.filter((l) => set.has(l)).length / Math.max(1, expected.length)
}

interface Row {
  metric: string
  value: string
  target: string
  ok?: boolean
}
const rows: Row[] = []
function report(metric: string, value: string, target = '', ok?: boolean): void {
  rows.push({ metric, value, target, ok })
  console.error(`  ${metric}: ${value}`)
}
const fmt = (x: number, digits = 2): string => x.toFixed(digits)

// ---- phases -------------------------------------------------------------------------------------

interface Built {
  index: VectorIndex
  raw: InstanceType<typeof HierarchicalNSW>
  client: PersistentClient
  collection: Collection
  engineDir: string
}

/**
 * Builds the raw hnswlib index, a VectorIndex and a PersistentClient collection batch by batch,
 * rotating which goes first, so that load changes on a shared machine hit all three alike.
 */
async function interleavedBuild(data: Float32Array, bucketOf: Uint8Array): Promise<Built> {
  console.error(`interleaved build of ${N} vectors, batches of ${BATCH}: raw hnswlib | VectorIndex | PersistentClient`)
  const raw = new HierarchicalNSW('l2', DIM)
  raw.initIndex({ maxElements: N, m: PARAMS.M, efConstruction: PARAMS.efConstruction, randomSeed: 100 })
  const index = new VectorIndex(DIM, PARAMS)
  const engineDir = mkdtempSync(join(os.tmpdir(), 'bench-engine-'))
  const client = new PersistentClient({ path: engineDir })
  const collection = await client.createCollection({ name: 'bench', embeddingFunction: null })
  const ms = { raw: 0, index: 0, client: 0 }
  for (let start = 0, round = 0; start < N; start += BATCH, round++) {
    const end = Math.min(N, start + BATCH)
    // Inputs each API takes, prepared outside the timed regions: hnswlib-node and the client take
    // plain arrays, VectorIndex takes the Float32Arrays SQLite hands back.
    const arrays: number[][] = []
    const views: Float32Array[] = []
    const labels: number[] = []
    const ids: string[] = []
    const metadatas: { bucket: number }[] = []
    for (let i = start; i < end; i++) {
      arrays.push(plainArray(vectorAt(data, i)))
      views.push(vectorAt(data, i))
      labels.push(i)
      ids.push(`id${i}`)
      metadatas.push({ bucket: bucketOf[i] as number })
    }
    const steps: [keyof typeof ms, () => Promise<void> | void][] = [
      [
        'raw',
        () => {
          for (let j = 0; j < arrays.length; j++) raw.addPoint(arrays[j]!, start + j)
        }
      ],
      ['index', () => index.upsert(labels, views)],
      ['client', () => collection.add({ ids, embeddings: arrays, metadatas })]
    ]
    for (let s = 0; s < steps.length; s++) {
      const [name, run] = steps[(s + round) % steps.length]!
      const t = performance.now()
      await run()
      ms[name] += performance.now() - t
    }
    if (round === 0) {
      // Load the collection's index now, so later adds update it in place as in a running app.
      await collection.query({ queryEmbeddings: [arrays[0]!], nResults: 1 })
    }
  }
  const rate = (t: number): number => N / (t / 1000)
  report('raw hnswlib-node addPoint (preallocated)', `${fmt(rate(ms.raw), 0)} vectors/s (${fmt(ms.raw / 1000, 1)} s)`)
  report(
    `VectorIndex.upsert (batches of ${BATCH})`,
    `${fmt(rate(ms.index), 0)} vectors/s (${fmt(ms.index / 1000, 1)} s)`
  )
  report('VectorIndex.upsert / raw addPoint', `${fmt(ms.raw / ms.index)}x`, '>= 0.8x', ms.raw / ms.index >= 0.8)
  report(
    `PersistentClient.add (batches of ${BATCH}, SQLite + index)`,
    `${fmt(rate(ms.client), 0)} vectors/s (${fmt(ms.client / 1000, 1)} s)`
  )
  report('PersistentClient.add / raw addPoint', `${fmt(ms.raw / ms.client)}x`, '>= 0.8x', ms.raw / ms.client >= 0.8)
  return { index, raw, client, collection, engineDir }
}

function benchRawSearch(raw: InstanceType<typeof HierarchicalNSW>, queries: Float32Array[], truth: number[][]): void {
  for (const ef of [PARAMS.efSearch, ...EF_SWEEP.filter((e) => e !== PARAMS.efSearch)]) {
    raw.setEf(ef)
    const lat: number[] = []
    let rec = 0
    // Untimed first pass at each ef (as for ours below), then the timed one.
    for (const q of queries) raw.searchKnn(plainArray(q), K)
    for (let q = 0; q < queries.length; q++) {
      const query = plainArray(queries[q]!)
      const t = performance.now()
      const found = raw.searchKnn(query, K)
      lat.push(performance.now() - t)
      rec += recall(found.neighbors, truth[q]!)
    }
    rawAtEf.set(ef, { p50: percentile(lat, 50), recall: rec / queries.length })
    if (ef === PARAMS.efSearch)
      report('raw hnswlib-node searchKnn p50 (k=10, ef=100)', `${fmt(percentile(lat, 50), 3)} ms`)
  }
  raw.setEf(PARAMS.efSearch)
}

function benchIndexQueries(
  index: VectorIndex,
  data: Float32Array,
  queries: Float32Array[],
  bucketOf: Uint8Array,
  truth: number[][]
): void {
  const lat: number[] = []
  let rec = 0
  for (let q = 0; q < queries.length; q++) {
    const t = performance.now()
    const hits = index.search(queries[q]!, K)
    lat.push(performance.now() - t)
    rec += recall(
      hits.map((h) => h.label),
      truth[q]!
    )
  }
  const p50 = percentile(lat, 50)
  const unfilteredRecall = rec / queries.length
  report(
    'VectorIndex query p50 / p99 (k=10, ef=100)',
    `${fmt(p50, 3)} / ${fmt(percentile(lat, 99), 3)} ms`,
    '< 1 ms',
    p50 < 1
  )
  report('VectorIndex query recall@10', fmt(unfilteredRecall, 4), '>= 0.95', unfilteredRecall >= 0.95)

  // 1%-selective filter given to the index as an allowed-label set (a different set each query).
  const members: number[][] = Array.from({ length: BUCKETS }, () => [])
  for (let i = 0; i < N; i++) members[bucketOf[i] as number]!.push(i)
  const flat: number[] = []
  rec = 0
  for (let q = 0; q < queries.length; q++) {
    const allowedList = members[q % BUCKETS]!
    const allowed = new Set(allowedList)
    const t = performance.now()
    const hits = index.search(queries[q]!, K, allowed)
    flat.push(performance.now() - t)
    rec += recall(
      hits.map((h) => h.label),
      exactTopK(data, queries[q]!, allowedList)
    )
  }
  report(
    'VectorIndex 1% filtered query p50 (allowed set given)',
    `${fmt(percentile(flat, 50), 3)} ms (recall ${fmt(rec / queries.length, 4)})`
  )
}

/** Snapshot write, then reopen through openIndex (no rebuild) and the resident memory it takes. */
function benchSnapshot(built: { index: VectorIndex | null }, data: Float32Array): void {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-vindex-'))
  try {
    let t = performance.now()
    writeSnapshot(dir, 'bench', built.index!, N)
    const writeMs = performance.now() - t
    built.index = null
    const file = readdirSync(dir).find((n) => n.endsWith('.hnsw'))!
    const fileBytes = statSync(join(dir, file)).size
    const source: IndexSource = {
      dim: DIM,
      params: PARAMS,
      currentSeq: N,
      liveLabels: () => range(N),
      rowsSince: () => [],
      allRows: function* () {
        for (let i = 0; i < N; i++) yield { label: i, vector: vectorAt(data, i) }
      }
    }
    const rss0 = rssMB()
    t = performance.now()
    const reopened = openIndex(dir, 'bench', source)
    const reopenMs = performance.now() - t
    const rssDelta = rssMB() - rss0
    if (reopened.rebuilt) throw new Error(`unexpected rebuild: ${reopened.reason}`)
    report(
      'writeSnapshot (write, fsync, read back, checksum)',
      `${fmt(writeMs, 0)} ms, index file ${fmt(fileBytes / 2 ** 20, 1)} MiB`
    )
    report('openIndex from snapshot (no rebuild)', `${fmt(reopenMs, 0)} ms`, '< 1000 ms', reopenMs < 1000)
    const budget = (N * DIM * 4) / 2 ** 20 + fileBytes / 2 ** 20
    report(
      'reopened VectorIndex RSS vs (float32 vectors + index file)',
      `${fmt(rssDelta, 0)} MiB vs ${fmt(budget, 0)} MiB = ${fmt(rssDelta / budget)}x`,
      '<= 1.5x',
      rssDelta / budget <= 1.5
    )
    if (reopened.index.size !== N) throw new Error('reopened index lost points')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Latency and recall of the exact scan vs filtered HNSW across selectivities (picks the threshold). */
function filterSweep(index: VectorIndex, data: Float32Array, queries: Float32Array[]): void {
  console.error('filter sweep')
  const rand = seededRandom(7)
  const sample = queries.slice(0, Math.min(20, queries.length))
  for (const fraction of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
    const allowedList = [...range(N)].filter(() => rand() < fraction)
    const allowed = new Set(allowedList)
    const truths = sample.map((q) => exactTopK(data, q, allowedList))
    const cells: string[] = []
    for (const [name, tuning] of [
      ['exact', { exactSearchMaxCandidates: Number.MAX_SAFE_INTEGER }],
      ['hnsw ef x<=8', { exactSearchMaxCandidates: 0, filteredEfBoostMax: 8 }],
      ['hnsw ef x1', { exactSearchMaxCandidates: 0, filteredEfBoostMax: 1 }]
    ] as const) {
      index.tuneFilteredSearch(tuning)
      const lat: number[] = []
      let rec = 0
      for (let i = 0; i < sample.length; i++) {
        const t = performance.now()
        const hits = index.search(sample[i]!, K, allowed)
        lat.push(performance.now() - t)
        rec += recall(
          hits.map((h) => h.label),
          truths[i]!
        )
        if (i === 2 && percentile(lat, 50) > 50) break // hopeless: do not spend minutes on it
      }
      cells.push(`${name}: ${fmt(percentile(lat, 50), 2)} ms, r ${fmt(rec / lat.length, 3)}`)
    }
    report(`filter sweep ${fraction * 100}% (${allowed.size} labels)`, cells.join(' | '))
  }
  index.tuneFilteredSearch(FILTERED_SEARCH_DEFAULTS)
}

/** Queries, close and reopen through the public client API (SQLite + index + snapshots). */
async function benchEngine(
  built: Built,
  data: Float32Array,
  queries: Float32Array[],
  bucketOf: Uint8Array,
  truth: number[][]
): Promise<void> {
  let { client, collection } = built
  const toLabel = (id: string): number => Number(id.slice(2))
  const runQueries = async (where: boolean): Promise<{ p50: number; p99: number; recall: number }> => {
    const lat: number[] = []
    let rec = 0
    for (let q = 0; q < queries.length; q++) {
      const bucket = q % BUCKETS
      const qv = plainArray(queries[q]!)
      const start = performance.now()
      const res = await collection.query({
        queryEmbeddings: [qv],
        nResults: K,
        ...(where ? { where: { bucket } } : {}),
        include: ['distances']
      })
      lat.push(performance.now() - start)
      const expected = where
        ? exactTopK(
            data,
            queries[q]!,
            [...range(N)].filter((i) => bucketOf[i] === bucket)
          )
        : truth[q]!
      rec += recall((res.ids[0] ?? []).map(toLabel), expected)
    }
    return { p50: percentile(lat, 50), p99: percentile(lat, 99), recall: rec / queries.length }
  }
  const plain = await runQueries(false)
  report(
    'PersistentClient.query p50 / p99 (k=10)',
    `${fmt(plain.p50, 3)} / ${fmt(plain.p99, 3)} ms`,
    '< 1 ms',
    plain.p50 < 1
  )
  report('PersistentClient.query recall@10', fmt(plain.recall, 4), '>= 0.95', plain.recall >= 0.95)
  const filtered = await runQueries(true)
  report(
    'PersistentClient.query where {bucket: v} (1%) p50 / p99',
    `${fmt(filtered.p50, 3)} / ${fmt(filtered.p99, 3)} ms`,
    '< 5 ms',
    filtered.p50 < 5
  )
  report('PersistentClient.query where recall@10', fmt(filtered.recall, 4), '1.0', filtered.recall === 1)
  // The swept values, then the default again (drift over the sweep shows as a changed ratio there),
  // each after an untimed pass.
  for (const ef of EF_SWEEP.length > 0 ? [...EF_SWEEP.filter((e) => e !== PARAMS.efSearch), PARAMS.efSearch] : []) {
    await collection.modify({ configuration: { hnsw: { ef_search: ef } } })
    await runQueries(false)
    const ours = await runQueries(false)
    const raw = rawAtEf.get(ef)!
    report(
      `ef_search ${ef}: raw searchKnn / PersistentClient.query p50, recall`,
      `${fmt(raw.p50, 3)} / ${fmt(ours.p50, 3)} ms (${fmt(ours.p50 / raw.p50)}x), ${fmt(raw.recall, 4)} / ${fmt(ours.recall, 4)}`,
      '<= 2x at recall >= 0.95',
      ours.p50 / raw.p50 <= 2 && ours.recall >= 0.95
    )
  }

  let t = performance.now()
  await client.close()
  report('PersistentClient.close (writes the snapshot)', `${fmt(performance.now() - t, 0)} ms`)

  t = performance.now()
  client = new PersistentClient({ path: built.engineDir })
  collection = await client.getCollection({ name: 'bench', embeddingFunction: null })
  await collection.query({ queryEmbeddings: [plainArray(queries[1]!)], nResults: K })
  const reopenMs = performance.now() - t
  report(
    'reopen: new PersistentClient + getCollection + first query',
    `${fmt(reopenMs, 0)} ms`,
    '< 1000 ms',
    reopenMs < 1000
  )
  await client.close()
  rmSync(built.engineDir, { recursive: true, force: true })
}

/**
 * The floor under PersistentClient.query's search: a round trip to a worker thread that does no work,
 * shaped like the index worker's (the query posted, 10 hits posted back on a port, Atomics.notify),
 * the caller spinning for the reply or sleeping on the futex as worker-index.ts does.
 */
async function benchRoundTrip(query: Float32Array): Promise<void> {
  const ctrl = new Int32Array(new SharedArrayBuffer(4))
  const { port1, port2 } = new MessageChannel()
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     const ctrl = new Int32Array(workerData.ctrl)
     parentPort.on('message', () => {
       workerData.port.postMessage({ labels: new Float64Array(10), distances: new Float64Array(10) })
       Atomics.add(ctrl, 0, 1)
       Atomics.notify(ctrl, 0)
     })`,
    { eval: true, workerData: { ctrl: ctrl.buffer, port: port2 }, transferList: [port2] }
  )
  await new Promise((r) => setTimeout(r, 200))
  const result: Record<string, number> = {}
  for (const spin of [true, false]) {
    const lat: number[] = []
    for (let i = 0; i < 2000; i++) {
      const seen = Atomics.load(ctrl, 0)
      const t = performance.now()
      worker.postMessage(query)
      if (!spin) Atomics.wait(ctrl, 0, seen, 1000)
      while (Atomics.load(ctrl, 0) === seen) {
        // spin (after a sleep, only past a spurious wake-up)
      }
      receiveMessageOnPort(port1)
      lat.push(performance.now() - t)
    }
    result[spin ? 'spin' : 'sleep'] = percentile(lat, 50)
  }
  await worker.terminate()
  port1.close()
  report(
    'bare worker round trip p50, caller spinning / sleeping',
    `${fmt(result.spin ?? 0, 3)} / ${fmt(result.sleep ?? 0, 3)} ms`
  )
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = new Date()
  console.error(`generating ${N} x ${DIM} clustered vectors + ${QUERIES} queries`)
  const { data, queries, bucketOf } = generate()
  console.error('exact ground truth')
  const truth = queries.map((q) => exactTopK(data, q, range(N)))

  const built = await interleavedBuild(data, bucketOf)
  benchRawSearch(built.raw, queries, truth)
  ;(built as { raw: unknown }).raw = null // let hnswlib free it before memory is measured
  benchIndexQueries(built.index, data, queries, bucketOf, truth)
  if (process.env.BENCH_SWEEP !== '0') filterSweep(built.index, data, queries)
  await benchRoundTrip(queries[0]!)
  await benchEngine(built, data, queries, bucketOf, truth)
  const holder: { index: VectorIndex | null } = { index: built.index }
  ;(built as { index: unknown }).index = null
  benchSnapshot(holder, data)

  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  console.log(`\nEngine benchmark — ${started.toISOString()}`)
  console.log(
    `machine: ${cpu}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`
  )
  console.log(
    `data: ${N} x ${DIM} float32, clustered (${Math.max(10, Math.round(N / 100))} centres), l2, M=16, ef_construction=100, ef_search=100, ${QUERIES} held-out queries, k=10`
  )
  console.log(`command: ${process.env.BENCH_N ? `BENCH_N=${N} ` : ''}npx tsx bench/engine.bench.ts\n`)
  const w1 = Math.max(...rows.map((r) => r.metric.length), 6)
  const w2 = Math.max(...rows.map((r) => r.value.length), 5)
  console.log(`| ${'metric'.padEnd(w1)} | ${'value'.padEnd(w2)} | target |`)
  console.log(`|${'-'.repeat(w1 + 2)}|${'-'.repeat(w2 + 2)}|--------|`)
  for (const r of rows) {
    const verdict = r.ok === undefined ? r.target : `${r.target} ${r.ok ? 'PASS' : 'MISS'}`
    console.log(`| ${r.metric.padEnd(w1)} | ${r.value.padEnd(w2)} | ${verdict} |`)
  }
}

await main()
