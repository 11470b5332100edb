// Fork and facets (docs/benchmarks.md, decisions 0086 and 0087): a persistent collection of N records
// of DIM dimensions with metadata is forked with the batched copy; measured are the fork's wall time,
// the longest the event loop was held meanwhile, the time until the fork's HNSW index is complete, and
// for comparison the time to copy the source's index files (what copying the snapshot would cost at
// least). Then facets over the N records, without and with a filter.
//
//   npx tsx bench/fork.bench.ts            (N = 20,000, DIM = 384)
//   BENCH_N=50000 npx tsx bench/fork.bench.ts
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { INDEX_DIR, PersistentClient, type Scope } from '../src/main/engine/index.js'
import { randomVectors } from '../src/main/engine/testing/synthetic.js'
import { FORK_BATCH_SIZE, forkCollection } from '../src/main/portability/fork.js'

const N = Number(process.env.BENCH_N ?? 20_000)
const DIM = Number(process.env.BENCH_DIM ?? 384)
const BATCH = Number(process.env.BENCH_BATCH ?? FORK_BATCH_SIZE)
const SCOPE: Scope = { tenant: 'default_tenant', database: 'default_database' }
const root = mkdtempSync(join(os.tmpdir(), 'chromadesk-fork-bench-'))

/** Longest gap between 5 ms timer ticks while `fn` runs: how long the event loop was held. */
async function maxGap<T>(fn: () => Promise<T>): Promise<[T, number, number]> {
  let last = performance.now()
  let gap = 0
  const timer = setInterval(() => {
    const now = performance.now()
    gap = Math.max(gap, now - last)
    last = now
  }, 5)
  const t = performance.now()
  const r = await fn()
  const ms = performance.now() - t
  clearInterval(timer)
  return [r, ms, gap]
}

async function main(): Promise<void> {
  const client = new PersistentClient({ path: root })
  const db = client.db
  const src = db.createCollection(SCOPE, { name: 'source' })
  const vectors = randomVectors(N, DIM, 7)
  for (let s = 0; s < N; s += 1000) {
    const ids = vectors.slice(s, s + 1000).map((_, i) => `r${s + i}`)
    await db.writeWhenRoom(src.id, () =>
      db.add(src.id, {
        ids,
        embeddings: vectors.slice(s, s + 1000).map((v) => Array.from(v)),
        documents: ids.map((id) => `document ${id}`),
        metadatas: ids.map((_, i) => ({ lang: ['en', 'de', 'fr', 'es'][(s + i) % 4] as string, n: s + i }))
      })
    )
  }
  await db.settleIndexes()
  db.flushSnapshots()

  const [, forkMs, gap] = await maxGap(() => forkCollection(client, src.id, 'fork', { batchSize: BATCH }))
  const t = performance.now()
  await db.settleIndexes()
  const indexMs = performance.now() - t
  const c = performance.now()
  cpSync(join(root, INDEX_DIR), join(root, 'index-copy'), { recursive: true })
  const copyMs = performance.now() - c

  const f = performance.now()
  const all = db.facets(src.id, { key: 'lang' })
  const facetAll = performance.now() - f
  const g = performance.now()
  db.facets(src.id, { key: 'n', where: { lang: 'de' }, limit: 10 })
  const facetFiltered = performance.now() - g
  await client.close()

  console.log(`N=${N} DIM=${DIM} batch=${BATCH}`)
  console.log(`fork (batched copy, records + metadata + documents): ${(forkMs / 1000).toFixed(2)} s`)
  console.log(`longest event-loop hold during the fork: ${gap.toFixed(0)} ms`)
  console.log(`fork's index complete after the fork returned: ${(indexMs / 1000).toFixed(2)} s more`)
  console.log(`copying the source's index files (lower bound of a snapshot copy): ${(copyMs / 1000).toFixed(2)} s`)
  console.log(`facets lang (all ${all.records} records): ${facetAll.toFixed(0)} ms`)
  console.log(`facets n where lang=de: ${facetFiltered.toFixed(0)} ms`)
}

main()
  .finally(() => rmSync(root, { recursive: true, force: true }))
  .catch((e: unknown) => {
    console.error(e)
    process.exitCode = 1
  })
