// Export and import of one collection, JSONL against Parquet: file size, export time, and import time
// (the check pass alone, and a whole import into a new persistent data directory).
//   npx tsx bench/parquet.bench.ts [--n 100000] [--dim 384]
// Export reads from records held in memory, so its time is the format's own cost (the engine's read
// is the same for both). The check pass is an import refused at its end: every id is already in the
// target, so the whole file is read, parsed, checksummed and looked up, and nothing is written.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Metadata } from '../src/main/engine/index.js'
import { seededRandom } from '../src/main/engine/testing/synthetic.js'
import {
  exportCollection,
  importFile,
  LocalConnection,
  type CollectionEndpoint,
  type CollectionSpec,
  type RecordBatch
} from '../src/main/portability/index.js'

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index >= 0 ? Number(process.argv[index + 1]) : NaN
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const N = argument('n', 100_000)
const DIM = argument('dim', 384)
const BATCH = 1000

/** Deterministic records: a 384-d vector, a short document, six metadata values of every type. */
function makeBatches(): RecordBatch[] {
  const r = seededRandom(42)
  const batches: RecordBatch[] = []
  for (let s = 0; s < N; s += BATCH) {
    const b: RecordBatch = { ids: [], embeddings: [], documents: [], metadatas: [], uris: [] }
    for (let i = s; i < Math.min(N, s + BATCH); i++) {
      b.ids.push(`doc-${i}`)
      b.embeddings.push(Float32Array.from({ length: DIM }, () => r() * 2 - 1))
      b.documents.push(`Document ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 4))}`)
      const m: Metadata = {
        source: `file-${i % 500}.pdf`,
        page: i % 300,
        score: r(),
        reviewed: i % 3 === 0,
        lang: i % 2 ? 'en' : 'de',
        tags: ['a', `t${i % 10}`]
      }
      b.metadatas.push(m)
      b.uris.push(null)
    }
    batches.push(b)
  }
  return batches
}

function memorySource(spec: CollectionSpec, batches: RecordBatch[]): CollectionEndpoint {
  return {
    spec,
    count: async () => N,
    async *read() {
      yield* batches
    },
    existing: async () => new Set(),
    add: async () => undefined,
    remove: async () => undefined
  }
}

const seconds = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now()
  await fn()
  return (performance.now() - t) / 1000
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'parquet-bench-'))
  try {
    const batches = makeBatches()
    const spec: CollectionSpec = {
      name: 'bench',
      metadata: { kind: 'bench' },
      configuration: { hnsw: null, embedding_function: null },
      dimension: DIM
    }
    const rows: string[][] = []
    for (const format of ['jsonl', 'parquet'] as const) {
      const file = path.join(root, `bench.${format}`)
      let bytes = 0
      const exportS = await seconds(async () => {
        bytes = (await exportCollection(memorySource(spec, batches), file, { format, batchSize: BATCH })).bytes
      })
      const dir = path.join(root, `db-${format}`)
      const conn = LocalConnection.open(dir)
      try {
        const importS = await seconds(() => importFile(conn, file))
        const checkS = await seconds(() => importFile(conn, file).catch(() => undefined))
        rows.push([
          format,
          (bytes / 1024 / 1024).toFixed(1),
          exportS.toFixed(1),
          Math.round(N / exportS).toString(),
          checkS.toFixed(1),
          importS.toFixed(1)
        ])
      } finally {
        await conn.close()
      }
      console.log(`${format} done`)
    }
    console.log(`\n${N.toLocaleString('en')} records x ${DIM} dimensions, batches of ${BATCH}`)
    console.log('| format | file MiB | export s | export records/s | check pass s | import s |')
    console.log('| ------ | -------: | -------: | ---------------: | -----------: | -------: |')
    for (const r of rows) console.log(`| ${r.join(' | ')} |`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

await main()
