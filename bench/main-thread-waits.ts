/**
 * `npx tsx bench/main-thread-waits.ts`: how long the main thread is held by calls that involve the
 * index worker when it is slow (decision 0050). Every ChromaDatabase call is synchronous, so a call's
 * wall time is time the event loop could not serve anything else. Public API only, so the same
 * script measures any version of the engine.
 *
 * A. query while the worker rebuilds a collection: N records are written without the worker, the
 *    index files are removed, and the reopened database is queried at once (the worker must rebuild
 *    before its graph can answer). QUERIES queries in a row, each timed.
 * B. large adds into a full tail: batches of BATCH records (the tail cap is 1,000), each timed; B0
 *    is the same without a tail cap (maxIndexLag 1e9): SQLite and the hand-off only, no waiting.
 * A call refused as busy (ResourceExhaustedError, retryable) counts as answered: a client retries.
 * Env: WAITS_N (20000), WAITS_DIM (384), WAITS_QUERIES (20), WAITS_BATCH (5000).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChromaDatabase, INDEX_DIR, type DatabaseOptions } from '../src/main/engine/index.js'
import { randomVectors } from '../src/main/engine/testing/synthetic.js'

const N = Number(process.env.WAITS_N ?? 20_000)
const DIM = Number(process.env.WAITS_DIM ?? 384)
const QUERIES = Number(process.env.WAITS_QUERIES ?? 20)
const BATCH = Number(process.env.WAITS_BATCH ?? 5_000)
const scope = { tenant: 'default_tenant', database: 'default_database' }

const vectors = randomVectors(N, DIM, 42)
const rows = (from: number, to: number, prefix = 'id') => ({
  ids: vectors.slice(from, to).map((_, i) => `${prefix}${from + i}`),
  embeddings: vectors.slice(from, to).map((v) => Array.from(v))
})

function timed<T>(f: () => T): { ms: number; value: T } {
  const t = performance.now()
  const value = f()
  return { ms: performance.now() - t, value }
}

function summary(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b)
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0
  const max = sorted[sorted.length - 1] ?? 0
  const total = ms.reduce((a, b) => a + b, 0)
  return `${label.padEnd(44)} calls ${String(ms.length).padStart(4)}  p50 ${p50.toFixed(1).padStart(8)} ms  max ${max
    .toFixed(1)
    .padStart(8)} ms  total ${total.toFixed(0).padStart(7)} ms`
}

const refusal = (e: unknown): boolean => (e as Error).name === 'ResourceExhaustedError'

/** Lets the database's index worker finish and end (older engines: close() drained it already). */
async function closeFully(db: ChromaDatabase): Promise<number> {
  const t = performance.now()
  const closeAsync = (db as { closeAsync?: () => Promise<void> }).closeAsync
  if (closeAsync) await closeAsync.call(db)
  else db.close()
  return performance.now() - t
}

async function scenarioRebuild(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chromadesk-waits-'))
  try {
    const first = new ChromaDatabase({ path: dir, indexWorker: false })
    const id = first.createCollection(scope, { name: 'big' }).id
    for (let s = 0; s < N; s += 5_000) first.add(id, rows(s, Math.min(N, s + 5_000)))
    first.close()
    rmSync(join(dir, INDEX_DIR), { recursive: true, force: true })

    const db = new ChromaDatabase({ path: dir })
    // Start the worker on a small collection first, so the timed calls find it running.
    const small = db.createCollection(scope, { name: 'small' }).id
    db.add(small, rows(0, 10, 's'))
    db.query(small, { query_embeddings: [Array.from(vectors[0] as Float32Array)], n_results: 1 })
    // Newer engines answer that query without waiting for the thread to start: await it here.
    await (db as { waitForIndexWorker?: () => Promise<void> }).waitForIndexWorker?.()
    const times: number[] = []
    let correct = 0
    let refused = 0
    for (let i = 0; i < QUERIES; i++) {
      const target = (i * 997) % N
      const t = performance.now()
      try {
        const r = db.query(id, { query_embeddings: [Array.from(vectors[target] as Float32Array)], n_results: 1 })
        if (r.ids[0]?.[0] === `id${target}`) correct++
      } catch (e) {
        if (!refusal(e)) throw e
        refused++
      }
      times.push(performance.now() - t)
    }
    console.log(summary(`A. query during rebuild (${N} x ${DIM})`, times))
    console.log(
      `   first query ${times[0]?.toFixed(1)} ms; nearest correct ${correct}/${QUERIES}; refused as busy ${refused}`
    )
    const closing = timed(() => db.close())
    console.log(`   close() ${closing.ms.toFixed(1)} ms`)
    console.log(`   then awaiting the worker's end ${(await closeFully(db)).toFixed(0)} ms (not blocking)`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function scenarioAdds(label: string, options: DatabaseOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chromadesk-waits-'))
  try {
    const db = new ChromaDatabase({ path: dir, ...options })
    const id = db.createCollection(scope, { name: 'adds' }).id
    const times: number[] = []
    let refused = 0
    for (let s = 0; s < N; s += BATCH) {
      try {
        times.push(timed(() => db.add(id, rows(s, Math.min(N, s + BATCH)))).ms)
      } catch (e) {
        // A retryable refusal (the backlog is full) is an answer too: the caller would retry later.
        if (!refusal(e)) throw e
        refused++
        s -= BATCH
        const until = Date.now() + 100
        while (Date.now() < until) {
          // a client's back-off, without the event loop (this script is synchronous on purpose)
        }
      }
    }
    console.log(summary(`${label}. add batches of ${BATCH} (${N} x ${DIM})`, times))
    if (refused > 0) console.log(`   refused (retryable) ${refused} times`)
    const closing = timed(() => db.close())
    console.log(`   close() ${closing.ms.toFixed(1)} ms`)
    console.log(`   then awaiting the worker's end ${(await closeFully(db)).toFixed(0)} ms (not blocking)`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await scenarioRebuild()
await scenarioAdds('B', {})
await scenarioAdds('B0', { maxIndexLag: 1e9 })
