// Crash durability: a writer process is SIGKILLed at random moments (inside SQLite commits, index
// updates and snapshot writes); every call it saw acknowledged must survive, and the database must
// open and answer queries consistently. Plus: corrupted snapshot files must only cause a rebuild.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { INDEX_DIR, PersistentClient } from './index.js'

const here = dirname(fileURLToPath(import.meta.url))
const CHILD = join(here, 'testing', 'crash-writer.ts')
const INDEX_WORKER = join(here, 'vector-index', 'index-worker.ts')
const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? 20)
const REPO_NODE_MODULES = join(here, '..', '..', '..', 'node_modules')

// Starting the writer through tsx costs 1.5-3 s per run on this machine (transpiling the engine),
// so it is bundled once with esbuild (tsx's own transpiler); packages stay external and resolve
// through a node_modules symlink next to the bundle. The writer uses no embedding function, so
// @xenova/transformers (about 1 s to import) is replaced by a stub that fails if ever called.
const TRANSFORMERS_STUB = `
const unavailable = () => { throw new Error('transformers is stubbed out in the crash-test writer') }
export const env = {}
export const pipeline = unavailable
export class Tensor { constructor() { unavailable() } }
`
let childArgs: string[]
let bundleDir: string | undefined
beforeAll(async () => {
  try {
    const { build } = await import('esbuild')
    bundleDir = mkdtempSync(join(tmpdir(), 'chromadesk-crash-child-'))
    symlinkSync(REPO_NODE_MODULES, join(bundleDir, 'node_modules'), 'dir')
    const outfile = join(bundleDir, 'child.mjs')
    // The index worker is its own entry beside the writer, where the engine looks for it.
    await build({
      entryPoints: { child: CHILD, 'index-worker': INDEX_WORKER },
      outdir: bundleDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'error',
      plugins: [
        {
          name: 'stub-transformers',
          setup(b) {
            b.onResolve({ filter: /^@xenova\/transformers$/ }, () => ({ path: 'transformers-stub', namespace: 'stub' }))
            b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: TRANSFORMERS_STUB, loader: 'js' }))
          }
        }
      ]
    })
    childArgs = [outfile]
  } catch {
    childArgs = ['--import', 'tsx', CHILD]
  }
})
afterAll(() => {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true })
})

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-crash-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the writer, kills it `killAfterMs` after it is ready, returns the acknowledged ids. */
function runAndKill(
  run: number,
  seed: number,
  killAfterMs: number
): Promise<{ acked: string[]; killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...childArgs, dir, String(run), String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      out += chunk
      if (timer === undefined && out.includes('READY\n')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('error', reject)
    child.on('close', (_code, signal) => {
      clearTimeout(watchdog)
      if (timer) clearTimeout(timer)
      // Only complete lines count: a line cut by the kill was never fully acknowledged.
      const lines = out.split('\n').slice(0, -1)
      const acked = lines.filter((l) => l.startsWith('ACK ')).flatMap((l) => l.slice(4).split(' '))
      resolve({ acked, killed: signal === 'SIGKILL', stderr })
    })
  })
}

describe('crash durability', () => {
  it(`keeps every acknowledged write across ${ITERATIONS} SIGKILLs`, async () => {
    const everAcked = new Set<string>()
    let seed = 12345
    const nextRandom = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 4294967296
    }
    let snapshotsSeen = 0
    for (let run = 0; run < ITERATIONS; run++) {
      const { acked, killed, stderr } = await runAndKill(run, run + 1, 50 + Math.floor(nextRandom() * 900))
      expect(killed, `writer exited by itself: ${stderr}`).toBe(true)
      for (const id of acked) everAcked.add(id)

      const client = new PersistentClient({ path: dir })
      try {
        const collection = await client.getCollection({ name: 'crash-test', embeddingFunction: null })
        const ackedIds = [...everAcked]
        const got = await collection.get({ ids: ackedIds, include: ['embeddings'] })
        const missing = ackedIds.filter((id) => !got.ids.includes(id))
        expect(missing, `run ${run}: acknowledged ids lost`).toEqual([])

        // The index (snapshot + replay, or rebuild) must agree with SQLite.
        const count = await collection.count()
        expect(count).toBeGreaterThanOrEqual(everAcked.size)
        const probe = got.embeddings![0]! as number[]
        const all = await collection.query({ queryEmbeddings: [probe], nResults: count, include: ['distances'] })
        expect(all.ids[0]).toHaveLength(count)
        expect(new Set(all.ids[0]).size).toBe(count)
        expect(all.distances![0]![0]).toBeCloseTo(0, 5)
        for (let i = 0; i < Math.min(5, got.ids.length); i++) {
          const id = got.ids[Math.floor(nextRandom() * got.ids.length)]!
          const embedding = got.embeddings![got.ids.indexOf(id)] as number[]
          const hit = await collection.query({ queryEmbeddings: [embedding], nResults: 1, include: ['distances'] })
          expect(hit.distances![0]![0]).toBeCloseTo(0, 5)
        }
      } finally {
        await client.close()
      }
      if (readdirSync(join(dir, INDEX_DIR)).some((n) => n.endsWith('.hnsw'))) snapshotsSeen++
    }
    expect(everAcked.size).toBeGreaterThan(ITERATIONS)
    expect(snapshotsSeen).toBeGreaterThan(0)
  }, 120_000)
})

describe('corrupted snapshots through the client', () => {
  const DIM = 8
  const vec = (i: number): number[] => Array.from({ length: DIM }, (_, d) => Math.sin(i * 7.1 + d * 1.3))

  async function seed(): Promise<void> {
    const client = new PersistentClient({ path: dir })
    const collection = await client.createCollection({ name: 'snap-test', embeddingFunction: null })
    const ids = Array.from({ length: 500 }, (_, i) => `id${i}`)
    await collection.add({ ids, embeddings: ids.map((_, i) => vec(i)) })
    await collection.createIndex()
    await client.close()
  }

  function snapshotFiles(): { index: string; meta: string } {
    const names = readdirSync(join(dir, INDEX_DIR))
    const index = names.find((n) => n.endsWith('.hnsw'))
    const meta = names.find((n) => n.endsWith('.meta.json'))
    if (!index || !meta) throw new Error(`no snapshot written: ${names.join(', ')}`)
    return { index: join(dir, INDEX_DIR, index), meta: join(dir, INDEX_DIR, meta) }
  }

  async function expectHealthy(): Promise<void> {
    const client = new PersistentClient({ path: dir })
    try {
      const collection = await client.getCollection({ name: 'snap-test', embeddingFunction: null })
      expect(await collection.count()).toBe(500)
      for (const i of [0, 123, 499]) {
        const res = await collection.query({ queryEmbeddings: [vec(i)], nResults: 3, include: ['distances'] })
        expect(res.ids[0]![0]).toBe(`id${i}`)
        expect(res.distances![0]![0]).toBeCloseTo(0, 6)
      }
      const filtered = await collection.query({ queryEmbeddings: [vec(7)], nResults: 10, ids: ['id7', 'id8', 'id9'] })
      expect([...filtered.ids[0]!].sort()).toEqual(['id7', 'id8', 'id9'])
    } finally {
      await client.close()
    }
  }

  it('rebuilds from SQLite when the index file is damaged (bit flips that hnswlib would crash on)', async () => {
    await seed()
    const { index } = snapshotFiles()
    const bytes = readFileSync(index)
    // Point every element's first level-0 neighbour far out of range. The file stays structurally
    // valid, hnswlib loads it and then segfaults on search: only the checksum can catch this.
    const elementBytes = Number(bytes.readBigUInt64LE(24))
    const count = Number(bytes.readBigUInt64LE(16))
    for (let i = 0; i < count; i++) bytes.writeUInt32LE(0xfffff0, 96 + i * elementBytes + 4)
    writeFileSync(index, bytes)
    await expectHealthy()
    // The rebuilt index was snapshotted again on close, under a new file name.
    expect(snapshotFiles().index).not.toBe(index)
    await expectHealthy()
  })

  it('rebuilds when the index file is truncated or the metadata is garbage', async () => {
    await seed()
    const first = snapshotFiles()
    writeFileSync(first.index, readFileSync(first.index).subarray(0, 1000))
    await expectHealthy()
    writeFileSync(snapshotFiles().meta, '{"meta": {"seq": 99')
    await expectHealthy()
    rmSync(snapshotFiles().index)
    await expectHealthy()
  })
})
