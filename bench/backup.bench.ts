// Backup and restore throughput (docs/benchmarks.md, decision 0060): a data directory of N records
// of DIM dimensions with metadata and documents is backed up, restored into an empty directory and
// as a database, queried once after the full restore (the index opens from the snapshot the backup
// carries), and exported as JSONL with the collection exporter for comparison.
//
//   npx tsx bench/backup.bench.ts            (N = 100,000, DIM = 384)
//   BENCH_N=20000 npx tsx bench/backup.bench.ts
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { ChromaDatabase, PersistentClient, type Scope } from '../src/main/engine/index.js'
import { seededRandom } from '../src/main/engine/testing/synthetic.js'
import { backupDataDir, restoreAsDatabase, restoreDataDir } from '../src/main/portability/backup.js'
import { LocalConnection } from '../src/main/portability/local.js'
import { exportCollection } from '../src/main/portability/transfer.js'

const N = Number(process.env.BENCH_N ?? 100_000)
const DIM = Number(process.env.BENCH_DIM ?? 384)
const BATCH = 1000
const SCOPE: Scope = { tenant: 'default_tenant', database: 'default_database' }

const root = mkdtempSync(join(os.tmpdir(), 'chromadesk-backup-bench-'))
const mb = (bytes: number): number => bytes / 1024 / 1024
const rows: [string, string, string, string][] = []

function row(what: string, seconds: number, bytes: number | null): void {
  rows.push([
    what,
    seconds.toFixed(2),
    bytes === null ? '' : (mb(bytes) / seconds).toFixed(0),
    Math.round(N / seconds).toLocaleString('en-US')
  ])
  console.error(`${what}: ${seconds.toFixed(2)} s`)
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now()
  const r = await fn()
  return [r, (performance.now() - t) / 1000]
}

try {
  // ---- seed ---------------------------------------------------------------------------------------
  const rand = seededRandom(7)
  const client = new PersistentClient({ path: join(root, 'src') })
  const src = client.db
  const col = src.createCollection(SCOPE, { name: 'bench', metadata: { purpose: 'bench' } })
  const t = performance.now()
  for (let s = 0; s < N; s += BATCH) {
    const n = Math.min(BATCH, N - s)
    const ids = Array.from({ length: n }, (_, i) => `id-${s + i}`)
    const embeddings = Array.from({ length: n }, () => Float32Array.from({ length: DIM }, () => rand() * 2 - 1))
    const documents = ids.map((id) => `Document ${id}: ${'lorem ipsum dolor sit amet '.repeat(8)}`)
    const metadatas = ids.map((_, i) => ({
      bucket: (s + i) % 100,
      score: rand(),
      tag: `t${(s + i) % 7}`,
      ok: i % 2 === 0
    }))
    await src.writeWhenRoom(col.id, () => src.add(col.id, { ids, embeddings, documents, metadatas }))
  }
  // The index snapshot as the app leaves it on close (or after SNAPSHOT_AFTER_CHANGES changes): the backup carries it.
  src.flushSnapshots()
  await src.settleIndexes()
  console.error(`seeded ${N} x ${DIM} in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  const dbBytes = statSync(join(root, 'src', 'chromadesk.sqlite3')).size

  // ---- backup (the source stays open, as in the app) ------------------------------------------------
  const out = join(root, 'bench.chromadesk-backup')
  const [backup, backupS] = await timed(() => backupDataDir(join(root, 'src'), out))
  row('backup (snapshot + check + write with SHA-256)', backupS, backup.bytes)

  // ---- JSONL export of the same data ----------------------------------------------------------------
  const endpoint = await new LocalConnection(client, 'src').open('bench')
  if (!endpoint) throw new Error('the bench collection is missing')
  const [exp, expS] = await timed(() => exportCollection(endpoint, join(root, 'bench.jsonl')))
  row('JSONL export of the collection (exportCollection)', expS, exp.bytes)

  // ---- full restore into an empty directory ---------------------------------------------------------
  const [, fullS] = await timed(() => restoreDataDir(out, join(root, 'full')))
  row('restore into an empty directory (verify + check + rename)', fullS, backup.bytes)
  const restored = new ChromaDatabase({ path: join(root, 'full') })
  const q = Float32Array.from({ length: DIM }, () => rand() * 2 - 1)
  const [, firstQueryS] = await timed(async () =>
    restored.readWhenAnswerable(() =>
      restored.query(restored.getCollection(SCOPE, 'bench').id, { query_embeddings: [q], n_results: 10 })
    )
  )
  rows.push(['first query after it (index opened from the carried snapshot)', firstQueryS.toFixed(2), '', ''])
  await restored.closeAsync()

  // ---- restore as a database ------------------------------------------------------------------------
  const target = new ChromaDatabase({ path: join(root, 'asdb') })
  const [, asDbS] = await timed(() => restoreAsDatabase(target, out, SCOPE))
  row('restore as a database (through the engine, batches of 1,000)', asDbS, backup.bytes)
  const [, settleS] = await timed(() => target.settleIndexes())
  rows.push(['then until its index worker caught up', settleS.toFixed(2), '', ''])
  await target.closeAsync()
  await client.close()

  console.log(
    `\n${N.toLocaleString('en-US')} records x ${DIM} dimensions, metadata (4 keys) and ~230-character documents;`
  )
  console.log(
    `database file ${mb(dbBytes).toFixed(0)} MiB, backup file ${mb(backup.bytes).toFixed(0)} MiB (${mb(backup.bytes - backup.indexBytes).toFixed(0)} MiB without its ${backup.indexFiles} index files), JSONL ${mb(exp.bytes).toFixed(0)} MiB`
  )
  console.log(`${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`)
  console.log('| step | seconds | MiB/s | records/s |')
  console.log('| ---- | ------: | ----: | --------: |')
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
} finally {
  rmSync(root, { recursive: true, force: true })
}
