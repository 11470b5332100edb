// Write-behind indexing (decision 0015): writes return before the index worker has inserted them,
// and queries must still see exactly the acknowledged state.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChromaDatabase, EXACT_SCAN_FALLBACK } from './database.js'
import { ResourceExhaustedError } from './errors.js'
import { randomVectors } from './testing/synthetic.js'
import { HARNESS_ENTRY, WorkerHarness } from './vector-index/testing/harness.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
// High enough a dimension that inserts are slow next to SQLite writes, so the worker lags.
const DIM = 256

let dir: string
const open: ChromaDatabase[] = []
let harness: WorkerHarness
// Gates of held workers, opened after each test so no thread stays blocked.
const holds: (() => void)[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-wb-'))
  harness = new WorkerHarness()
})
afterEach(async () => {
  for (const release of holds.splice(0)) release()
  harness.close()
  // closeAsync: the worker's last snapshot writes end before the folder is removed.
  for (const db of open.splice(0)) await db.closeAsync()
  rmSync(dir, { recursive: true, force: true })
})

/** Holds the harness worker's thread until the end of the test (or until the returned function). */
async function hold(): Promise<() => void> {
  const release = await harness.hold()
  holds.push(release)
  return release
}

function database(opts: ConstructorParameters<typeof ChromaDatabase>[0] = {}): ChromaDatabase {
  const db = new ChromaDatabase({ path: dir, maxIndexLag: 1_000_000, ...opts })
  open.push(db)
  return db
}

function addAll(
  db: ChromaDatabase,
  id: string,
  vectors: Float32Array[],
  prefix = 'id',
  batch = 500,
  metadata?: (i: number) => Record<string, number>
): void {
  for (let s = 0; s < vectors.length; s += batch) {
    const part = vectors.slice(s, s + batch)
    db.add(id, {
      ids: part.map((_, i) => `${prefix}${s + i}`),
      embeddings: part.map((v) => Array.from(v)),
      ...(metadata ? { metadatas: part.map((_, i) => metadata(s + i)) } : {})
    })
  }
}

const bucket = (i: number): Record<string, number> => ({ bucket: i % 100 })

/**
 * A database on the harness worker with one collection past the exact-scan fallback (`extra` more rows
 * than EXACT_SCAN_FALLBACK.rows) of random points p0, p1, ..., all indexed.
 */
async function pastTheScanLimit(
  extra: number,
  dim: number,
  seed: number,
  metadata?: (i: number) => Record<string, number>
): Promise<{ db: ChromaDatabase; id: string; points: Float32Array[] }> {
  const db = database({ indexWorker: HARNESS_ENTRY })
  const id = db.createCollection(scope, { name: 'wbc' }).id
  const points = randomVectors(EXACT_SCAN_FALLBACK.rows + extra, dim, seed)
  addAll(db, id, points, 'p', 5_000, metadata)
  await db.settleIndexes()
  return { db, id, points }
}

function nearest(db: ChromaDatabase, id: string, v: Float32Array, k = 1): { ids: string[]; distances: number[] } {
  const r = db.query(id, { query_embeddings: [Array.from(v)], n_results: k })
  return { ids: r.ids[0] ?? [], distances: r.distances?.[0] ?? [] }
}

/** A record added now (away from every other) is the nearest to its own vector: writes still get indexed. */
function expectNewWritesFound(db: ChromaDatabase, id: string, base: Float32Array): void {
  const shifted = Float32Array.from(base, (x) => x + 9)
  db.add(id, { ids: ['extra'], embeddings: [Array.from(shifted)] })
  expect(nearest(db, id, shifted).ids).toEqual(['extra'])
}

const lag = (db: ChromaDatabase, id: string): number => db.indexStatus(id).tail?.upserts ?? 0

async function waitFor(check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('write-behind index', () => {
  it('answers queries right after adds with every acknowledged record', () => {
    const db = database()
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(3000, DIM, 1)
    addAll(db, id, vectors)
    expect(db.indexStatus().worker).toBe('running')
    expect(lag(db, id)).toBeGreaterThan(0) // otherwise this test would not exercise the tail
    for (let i = 0; i < vectors.length; i += 37) {
      const hit = nearest(db, id, vectors[i] as Float32Array)
      expect(hit.ids).toEqual([`id${i}`])
      expect(hit.distances[0]).toBe(0)
    }
    // Filtered queries over the tail too.
    const r = db.query(id, {
      query_embeddings: [Array.from(vectors[2999] as Float32Array)],
      n_results: 3,
      ids: ['id2999', 'id5', 'id1500']
    })
    expect(r.ids[0]?.[0]).toBe('id2999')
    expect(r.ids[0]).toHaveLength(3)
  }, 120_000)

  it('never returns deleted records or stale vectors while indexing is behind', async () => {
    const db = database()
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(2000, DIM, 2)
    addAll(db, id, vectors)
    expect(lag(db, id)).toBeGreaterThan(0)
    const deleted = Array.from({ length: 100 }, (_, i) => i * 20) // spread over indexed and unindexed
    db.delete(id, { ids: deleted.map((i) => `id${i}`) })
    const moved = Array.from({ length: 100 }, (_, i) => i * 20 + 7)
    const far = (v: Float32Array): number[] => Array.from(v, (x) => x + 50)
    db.update(id, { ids: moved.map((i) => `id${i}`), embeddings: moved.map((i) => far(vectors[i] as Float32Array)) })
    const check = (): void => {
      for (const i of deleted.slice(0, 40)) {
        expect(nearest(db, id, vectors[i] as Float32Array, 3).ids).not.toContain(`id${i}`)
      }
      for (const i of moved.slice(0, 40)) {
        const old = nearest(db, id, vectors[i] as Float32Array, 3)
        expect(old.ids).not.toContain(`id${i}`)
        const now = nearest(db, id, Float32Array.from(far(vectors[i] as Float32Array)))
        expect(now.ids).toEqual([`id${i}`])
        expect(now.distances[0]).toBe(0)
      }
    }
    check()
    // Deleting and re-adding an id inside the tail: the new vector only.
    db.delete(id, { ids: ['id1999'] })
    db.add(id, { ids: ['id1999'], embeddings: [far(vectors[1999] as Float32Array)] })
    expect(nearest(db, id, vectors[1999] as Float32Array, 3).ids).not.toContain('id1999')
    await waitFor(() => lag(db, id) === 0)
    check()
    expect(nearest(db, id, Float32Array.from(far(vectors[1999] as Float32Array))).ids).toEqual(['id1999'])
    expect(db.count(id)).toBe(1900)
  }, 120_000)

  it('paces asynchronous writers to the tail cap (what PersistentClient does before each write)', async () => {
    const db = database({ maxIndexLag: 100 })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(1500, DIM, 3)
    for (let s = 0; s < vectors.length; s += 300) {
      await db.waitForIndexRoom(id)
      expect(lag(db, id)).toBeLessThanOrEqual(100)
      const part = vectors.slice(s, s + 300)
      db.add(id, { ids: part.map((_, i) => `id${s + i}`), embeddings: part.map((v) => Array.from(v)) })
    }
    expect(nearest(db, id, vectors[1499] as Float32Array).ids).toEqual(['id1499'])
  }, 120_000)

  it('queued asynchronous writes check the room again on their turn instead of blocking the thread', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY, maxIndexLag: 10 })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(31, DIM, 9)
    const batch = (s: number) => ({
      ids: vectors.slice(s, s + 10).map((_, i) => `id${s + i}`),
      embeddings: vectors.slice(s, s + 10).map((v) => Array.from(v))
    })
    db.add(id, { ids: ['first'], embeddings: [Array.from(vectors[30] as Float32Array)] }) // loads the index
    await db.settleIndexes()
    await hold() // nothing more gets indexed: the tail only grows
    // All three find room now (tail 0); by the third one's turn the first two have used it up.
    const adds = [0, 10, 20].map((s) => db.addWhenRoom(id, batch(s)))
    let longestTurn = 0
    for (let turn = 0; turn < 20; turn++) {
      const t = performance.now()
      await new Promise((r) => setImmediate(r))
      longestTurn = Math.max(longestTurn, performance.now() - t)
    }
    // Two written (tail 20, over the cap of 10), the third waiting without holding the thread (admit()
    // would have blocked it for INDEX_WAIT_MS).
    expect(db.count(id)).toBe(21)
    expect(longestTurn).toBeLessThan(100)
    for (const release of holds.splice(0)) release()
    await Promise.all(adds)
    expect(db.count(id)).toBe(31)
  }, 120_000)

  it('reopens from a snapshot that lags behind SQLite', async () => {
    const first = database({ indexWorker: HARNESS_ENTRY })
    const id = first.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(1200, DIM, 4)
    addAll(first, id, vectors.slice(0, 600))
    first.flushSnapshots()
    await first.settleIndexes() // snapshot covers the first 600
    const metaFile = readdirSync(join(dir, 'index')).find((f) => f.endsWith('.meta.json')) as string
    const seqBefore = (JSON.parse(readFileSync(join(dir, 'index', metaFile), 'utf8')) as { meta: { seq: number } }).meta
      .seq
    addAll(first, id, vectors.slice(600), 'late')
    first.delete(id, { ids: ['id0', 'id1'] })
    // The process "dies" before the worker catches up: no snapshot of the later writes.
    await harness.crash()
    await waitFor(() => first.indexStatus().disabled !== null)
    first.close()
    const seqAfter = (JSON.parse(readFileSync(join(dir, 'index', metaFile), 'utf8')) as { meta: { seq: number } }).meta
      .seq
    expect(seqAfter).toBe(seqBefore)

    const second = database()
    expect(second.count(id)).toBe(1198)
    expect(nearest(second, id, vectors[0] as Float32Array, 3).ids).not.toContain('id0')
    expect(nearest(second, id, vectors[5] as Float32Array).ids).toEqual(['id5'])
    expect(nearest(second, id, vectors[1100] as Float32Array).ids).toEqual(['late500'])
    expect(second.indexStatus().disabled).toBeNull()
  }, 120_000)

  it('falls back to an inline index when the worker dies mid-indexing', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(2000, DIM, 5)
    addAll(db, id, vectors)
    expect(lag(db, id)).toBeGreaterThan(0)
    await harness.crash()
    await waitFor(() => db.indexStatus().disabled !== null)
    expect(nearest(db, id, vectors[1999] as Float32Array).ids).toEqual(['id1999'])
    expect(nearest(db, id, vectors[3] as Float32Array).ids).toEqual(['id3'])
    // Later writes are indexed inline.
    expectNewWritesFound(db, id, vectors[0] as Float32Array)
  }, 120_000)

  it('answers queries by an exact scan of SQLite while the worker cannot answer, and keeps the worker', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(300, DIM, 6)
    addAll(db, id, vectors)
    expect(nearest(db, id, vectors[1] as Float32Array).ids).toEqual(['id1']) // the worker is up
    const release = await hold()
    // Changes the held worker knows nothing of: the scan reads SQLite, so it sees them all.
    db.delete(id, { ids: ['id42'] })
    db.add(id, { ids: ['late'], embeddings: [Array.from(vectors[42] as Float32Array)] })
    const scansBefore = db.indexStatus().exactScans
    const hit = nearest(db, id, vectors[42] as Float32Array, 3)
    expect(hit.ids[0]).toBe('late')
    expect(hit.distances[0]).toBe(0)
    expect(hit.ids).not.toContain('id42')
    // Several query embeddings in one call, and a filtered query: all answered, none from the worker.
    const r = db.query(id, {
      query_embeddings: [Array.from(vectors[7] as Float32Array), Array.from(vectors[8] as Float32Array)],
      n_results: 2
    })
    expect(r.ids.map((ids) => ids[0])).toEqual(['id7', 'id8'])
    const filtered = db.query(id, {
      query_embeddings: [Array.from(vectors[9] as Float32Array)],
      n_results: 5,
      ids: ['id9', 'id10']
    })
    expect([...(filtered.ids[0] ?? [])].sort()).toEqual(['id10', 'id9'])
    const status = db.indexStatus(id)
    expect(status.exactScans - scansBefore).toBe(4)
    expect(status.answering).toBe(false)
    expect(status.worker).toBe('running') // busy is not failed: nothing is reopened inline
    expect(status.disabled).toBeNull()

    release()
    await db.waitForIndexWorker()
    const scansAfter = db.indexStatus().exactScans
    expect(nearest(db, id, vectors[42] as Float32Array).ids).toEqual(['late'])
    expect(nearest(db, id, vectors[100] as Float32Array).ids).toEqual(['id100'])
    expect(db.indexStatus().exactScans).toBe(scansAfter) // the worker answers again
  }, 60_000)

  it('bounds the exact scans of one call: many embeddings while the worker is held are refused as busy', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const dim = 64
    const rows = 2_000
    const points = randomVectors(rows, dim, 12)
    addAll(db, id, points, 'p', 1_000)
    await db.settleIndexes()
    const release = await hold()
    // Each scan reads rows × dim floats: more embeddings than the call's budget allows.
    const perScan = rows * dim
    const many = Math.floor(EXACT_SCAN_FALLBACK.floats / perScan) + 5
    const query = { query_embeddings: points.slice(0, many).map((v) => Array.from(v)), n_results: 1 }
    const before = db.indexStatus().exactScans
    expect(() => db.query(id, query)).toThrow(ResourceExhaustedError)
    expect(db.indexStatus().exactScans - before).toBeLessThanOrEqual(Math.floor(EXACT_SCAN_FALLBACK.floats / perScan))
    // The asynchronous way waits for the worker instead, and then gets every answer from the index.
    const answered = db.readWhenAnswerable(() => db.query(id, query))
    release()
    expect((await answered).ids.map((ids) => ids[0])).toEqual(points.slice(0, many).map((_, i) => `p${i}`))
  }, 60_000)

  it('answers a query of many embeddings from a healthy worker, however long the whole call takes', async () => {
    const { db, id, points } = await pastTheScanLimit(2_000, 32, 13)
    // Thousands of searches take longer in all than one wait's bound; none of them waits that long.
    const q = 3_000
    const before = db.indexStatus().exactScans
    const r = db.query(id, { query_embeddings: points.slice(0, q).map((v) => Array.from(v)), n_results: 100 })
    expect(r.ids).toHaveLength(q)
    expect(r.ids[2_999]?.[0]).toBe('p2999')
    expect(db.indexStatus().exactScans).toBe(before)
  }, 120_000)

  it('refuses a query it would have to scan beyond the fallback limit as busy; the client awaits the worker', async () => {
    const { db, id, points } = await pastTheScanLimit(1, 4, 9)
    const release = await hold()
    const query = { query_embeddings: [Array.from(points[123] as Float32Array)], n_results: 1 }
    expect(() => db.query(id, query)).toThrow(ResourceExhaustedError)
    expect(() => db.query(id, query)).toThrow(/busy/)
    // A filtered query has few candidates: scanned.
    expect(db.query(id, { ...query, ids: ['p123', 'p7'] }).ids[0]).toEqual(['p123'])
    release()
    await db.waitForIndexWorker()
    expect(db.query(id, query).ids[0]).toEqual(['p123'])
  }, 120_000)

  it('answers a filter on a large collection while the worker is held: the check of candidates steps aside (decision 0116)', async () => {
    const { db, id, points } = await pastTheScanLimit(1, 4, 9, bucket)
    await hold()
    // A narrow filter: its allowed set is small enough to scan while the worker cannot answer.
    const query = { query_embeddings: [Array.from(points[123] as Float32Array)], n_results: 1 }
    expect(db.query(id, { ...query, where: { bucket: 23 } }).ids[0]).toEqual(['p123'])
    // A broad one is as busy as no filter at all.
    expect(() => db.query(id, { ...query, where: { bucket: { $gte: 0 } } })).toThrow(ResourceExhaustedError)
  }, 120_000)

  it('answers a broadly filtered query of many embeddings from a healthy worker, however long the call takes', async () => {
    const { db, id, points } = await pastTheScanLimit(2_000, 32, 13, bucket)
    const q = 3_000
    const r = db.query(id, {
      query_embeddings: points.slice(0, q).map((v) => Array.from(v)),
      n_results: 10,
      where: { bucket: { $gte: 0 } }
    })
    expect(r.ids).toHaveLength(q)
    expect(r.ids[2_999]?.[0]).toBe('p2999')
  }, 120_000)

  it('gives up a worker that makes no progress for the liveness limit, without killing the process', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY, indexWorkerTimeoutMs: 300 })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(300, DIM, 8)
    addAll(db, id, vectors)
    expect(nearest(db, id, vectors[3] as Float32Array).ids).toEqual(['id3'])
    const release = await hold()
    expect(nearest(db, id, vectors[4] as Float32Array).ids).toEqual(['id4']) // exact scan: busy
    expect(db.indexStatus().disabled).toBeNull()
    await new Promise((r) => setTimeout(r, 400)) // past the liveness limit, the worker still held
    expect(nearest(db, id, vectors[5] as Float32Array).ids).toEqual(['id5']) // reopened inline
    const status = db.indexStatus()
    expect(status.disabled).toContain('no progress')
    expect(status.worker).toBe('given-up')
    // Let go, it reaches a safe point and exits by itself (it is never terminated).
    release()
    await waitFor(() => db.indexStatus().worker === 'exited')
    expectNewWritesFound(db, id, vectors[0] as Float32Array)
  }, 60_000)

  it('snapshots in the worker once enough changes are pending, and on close', async () => {
    const db = database({ snapshotAfterChanges: 500 })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(1000, 16, 7)
    addAll(db, id, vectors.slice(0, 100), 'a')
    nearest(db, id, vectors[0] as Float32Array)
    const metas = (): string[] => readdirSync(join(dir, 'index')).filter((f) => f.endsWith('.meta.json'))
    addAll(db, id, vectors.slice(100, 700), 'b')
    await waitFor(() => metas().length === 1)
    db.add(id, { ids: ['last'], embeddings: [Array.from(vectors[999] as Float32Array)] })
    await db.closeAsync()
    const meta = JSON.parse(readFileSync(join(dir, 'index', metas()[0] as string), 'utf8')) as {
      meta: { seq: number; liveCount: number }
    }
    expect(meta.meta.liveCount).toBe(701)
    const reopened = database()
    expect(nearest(reopened, id, vectors[999] as Float32Array).ids).toEqual(['last'])
  }, 60_000)
})

describe('bounded backlog (decision 0050)', () => {
  const CAPS = { ops: 200, labels: 5_000, bytes: 1024 * 1024 }

  it('refuses writes once a held worker has a full backlog, and the structures stop growing', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY, maxIndexBacklog: CAPS })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(400, 16, 10)
    addAll(db, id, vectors, 'id', 100)
    await db.settleIndexes()
    await hold()
    // A long stream of single deletes and re-adds (one operation each): before any cap, each one
    // only grew the tail, the batch records and the worker's queue.
    let admitted = 0
    let refused = 0
    let sizes: ReturnType<ChromaDatabase['indexStatus']> | null = null
    for (let i = 0; i < 5_000 && refused < 3; i++) {
      const k = Math.floor(i / 2) % 400
      try {
        if (i % 2 === 0) db.delete(id, { ids: [`id${k}`] })
        else db.add(id, { ids: [`id${k}`], embeddings: [Array.from(vectors[k] as Float32Array)] })
        admitted++
      } catch (e) {
        expect(e).toBeInstanceOf(ResourceExhaustedError)
        expect((e as Error).message).toMatch(/Retry shortly/)
        if (sizes === null) sizes = db.indexStatus(id)
        else expect(db.indexStatus(id)).toEqual(sizes) // refused: nothing more is held
        refused++
      }
    }
    expect(refused).toBe(3)
    expect(admitted).toBe(CAPS.ops)
    const status = db.indexStatus(id)
    expect(status.backlog.ops).toBe(CAPS.ops)
    expect(status.tail?.batches).toBe(CAPS.ops)
    expect((status.tail?.removals ?? 0) + (status.tail?.upserts ?? 0)).toBeLessThanOrEqual(CAPS.ops)
    // Refused writes left nothing behind in SQLite either: 100 deletes and their 100 re-adds.
    expect(db.count(id)).toBe(400)
  }, 60_000)

  it('takes a cap of 0 as 1, so writers are paced instead of waiting forever', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY, maxIndexBacklog: { ops: 0, labels: 0, bytes: 0 } })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    for (let i = 0; i < 5; i++) await db.writeWhenRoom(id, () => db.add(id, { ids: [`r${i}`], embeddings: [[i, 1]] }))
    expect(db.count(id)).toBe(5)
  }, 60_000)

  it('keeps the backlog and the tail bounded through a long stream of upserts and deletes', async () => {
    const db = database({ indexWorker: HARNESS_ENTRY, maxIndexBacklog: CAPS })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const dim = 64
    const vectors = randomVectors(3000, dim, 11)
    const batch = 100
    db.add(id, { ids: ['seed'], embeddings: [Array.from(vectors[0] as Float32Array)] })
    await db.settleIndexes()
    const peak = { ops: 0, labels: 0, bytes: 0, tail: 0 }
    const note = (): void => {
      const s = db.indexStatus(id)
      peak.ops = Math.max(peak.ops, s.backlog.ops)
      peak.labels = Math.max(peak.labels, s.backlog.labels)
      peak.bytes = Math.max(peak.bytes, s.backlog.bytes)
      peak.tail = Math.max(peak.tail, (s.tail?.upserts ?? 0) + (s.tail?.removals ?? 0) + (s.tail?.batches ?? 0))
    }
    const live = new Set<number>()
    let writes = 0
    // The worker starts held, so the stream must run into the caps and wait there.
    const release = await hold()
    const stream = (async () => {
      for (let round = 0; round < 40; round++) {
        const from = (round * batch) % vectors.length
        const part = vectors.slice(from, from + batch)
        await db.waitForIndexRoom(id)
        db.upsert(id, { ids: part.map((_, i) => `r${from + i}`), embeddings: part.map((v) => Array.from(v)) })
        part.forEach((_, i) => live.add(from + i))
        writes++
        note()
        await db.waitForIndexRoom(id)
        const gone = Array.from({ length: Math.ceil(batch / 3) }, (_, j) => from + 3 * j)
        db.delete(id, { ids: gone.map((i) => `r${i}`) })
        for (const i of gone) live.delete(i)
        writes++
        note()
      }
    })()
    const full = (): boolean => {
      const b = db.indexStatus().backlog
      return b.ops >= CAPS.ops || b.labels >= CAPS.labels || b.bytes >= CAPS.bytes
    }
    await waitFor(full)
    const stalledAt = writes
    await new Promise((r) => setTimeout(r, 100))
    expect(writes).toBe(stalledAt) // the writer awaits room instead of growing the backlog
    release()
    await stream
    // Admitted only under every cap, so at most one call beyond it.
    expect(peak.ops).toBeLessThanOrEqual(CAPS.ops + 1)
    expect(peak.labels).toBeLessThanOrEqual(CAPS.labels + batch)
    expect(peak.bytes).toBeLessThanOrEqual(CAPS.bytes + batch * dim * 4)
    expect(peak.tail).toBeLessThanOrEqual(CAPS.labels + batch + CAPS.ops + 1)
    await db.settleIndexes()
    const done = db.indexStatus(id)
    expect(done.backlog).toEqual({ ops: 0, labels: 0, bytes: 0 })
    expect(done.tail).toEqual({ upserts: 0, removals: 0, batches: 0 })
    expect(db.count(id)).toBe(live.size + 1)
    const probe = [...live][7] as number
    expect(nearest(db, id, vectors[probe] as Float32Array).ids).toEqual([`r${probe}`])
  }, 120_000)
})
