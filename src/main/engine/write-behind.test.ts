// Write-behind indexing (decision 0015): writes return before the index worker has inserted them,
// and queries must still see exactly the acknowledged state.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChromaDatabase } from './database.js'
import { randomVectors } from './testing/synthetic.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
// High enough a dimension that inserts are slow next to SQLite writes, so the worker lags.
const DIM = 256

let dir: string
const open: ChromaDatabase[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-wb-'))
})
afterEach(() => {
  for (const db of open.splice(0)) db.close()
  rmSync(dir, { recursive: true, force: true })
})

function database(opts: ConstructorParameters<typeof ChromaDatabase>[0] = {}): ChromaDatabase {
  const db = new ChromaDatabase({ path: dir, maxIndexLag: 1_000_000, ...opts })
  open.push(db)
  return db
}

function addAll(db: ChromaDatabase, id: string, vectors: Float32Array[], prefix = 'id', batch = 500): void {
  for (let s = 0; s < vectors.length; s += batch) {
    const part = vectors.slice(s, s + batch)
    db.add(id, { ids: part.map((_, i) => `${prefix}${s + i}`), embeddings: part.map((v) => Array.from(v)) })
  }
}

function nearest(db: ChromaDatabase, id: string, v: Float32Array, k = 1): { ids: string[]; distances: number[] } {
  const r = db.query(id, { query_embeddings: [Array.from(v)], n_results: k })
  return { ids: r.ids[0] ?? [], distances: r.distances?.[0] ?? [] }
}

const lag = (db: ChromaDatabase, id: string): number => db.indexWorkerForTest().lag(id)

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
    expect(db.indexWorkerForTest().worker).not.toBeNull()
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

  it('writes waiting on a bounded lag', () => {
    const db = database({ maxIndexLag: 100 })
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(1500, DIM, 3)
    addAll(db, id, vectors, 'id', 300)
    expect(lag(db, id)).toBeLessThanOrEqual(100)
    expect(nearest(db, id, vectors[1499] as Float32Array).ids).toEqual(['id1499'])
  }, 120_000)

  it('reopens from a snapshot that lags behind SQLite', async () => {
    const first = database()
    const id = first.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(1200, DIM, 4)
    addAll(first, id, vectors.slice(0, 600))
    first.flushSnapshots() // snapshot covers the first 600
    const metaFile = readdirSync(join(dir, 'index')).find((f) => f.endsWith('.meta.json')) as string
    const seqBefore = (JSON.parse(readFileSync(join(dir, 'index', metaFile), 'utf8')) as { meta: { seq: number } }).meta
      .seq
    addAll(first, id, vectors.slice(600), 'late')
    first.delete(id, { ids: ['id0', 'id1'] })
    // The process "dies" before the worker catches up: no snapshot of the later writes.
    const { worker } = first.indexWorkerForTest()
    worker?.crashForTest()
    await waitFor(() => first.indexWorkerForTest().disabled !== null)
    first.close()
    const seqAfter = (JSON.parse(readFileSync(join(dir, 'index', metaFile), 'utf8')) as { meta: { seq: number } }).meta
      .seq
    expect(seqAfter).toBe(seqBefore)

    const second = database()
    expect(second.count(id)).toBe(1198)
    expect(nearest(second, id, vectors[0] as Float32Array, 3).ids).not.toContain('id0')
    expect(nearest(second, id, vectors[5] as Float32Array).ids).toEqual(['id5'])
    expect(nearest(second, id, vectors[1100] as Float32Array).ids).toEqual(['late500'])
    expect(second.indexWorkerForTest().disabled).toBeNull()
  }, 120_000)

  it('falls back to an inline index when the worker dies mid-indexing', async () => {
    const db = database()
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(2000, DIM, 5)
    addAll(db, id, vectors)
    expect(lag(db, id)).toBeGreaterThan(0)
    db.indexWorkerForTest().worker?.crashForTest()
    await waitFor(() => db.indexWorkerForTest().disabled !== null)
    expect(nearest(db, id, vectors[1999] as Float32Array).ids).toEqual(['id1999'])
    expect(nearest(db, id, vectors[3] as Float32Array).ids).toEqual(['id3'])
    // Later writes are indexed inline.
    db.add(id, { ids: ['extra'], embeddings: [Array.from(vectors[0] as Float32Array, (x) => x + 9)] })
    expect(
      nearest(
        db,
        id,
        Float32Array.from(vectors[0] as Float32Array, (x) => x + 9)
      ).ids
    ).toEqual(['extra'])
  }, 120_000)

  it('falls back when a search call to the worker cannot be answered', () => {
    const db = database()
    const id = db.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(300, DIM, 6)
    addAll(db, id, vectors)
    // Kill the worker without letting the main thread see its exit event: the call must not hang.
    const worker = db.indexWorkerForTest().worker
    ;(worker as unknown as { timeoutMs: number }).timeoutMs = 2_000
    worker?.crashForTest()
    const started = Date.now()
    while (Date.now() - started < 300) {
      // give the worker time to die
    }
    expect(nearest(db, id, vectors[42] as Float32Array).ids).toEqual(['id42'])
  }, 60_000)

  it('gives up on a worker busy rebuilding without killing the process', async () => {
    const first = database({ indexWorker: false })
    const id = first.createCollection(scope, { name: 'wbc' }).id
    const vectors = randomVectors(3000, DIM, 8)
    addAll(first, id, vectors)
    first.close()
    rmSync(join(dir, 'index'), { recursive: true, force: true }) // the worker must rebuild: seconds
    const db = database()
    // Warm the worker up on another collection, so the call below times out mid-rebuild.
    const small = db.createCollection(scope, { name: 'small' }).id
    addAll(db, small, vectors.slice(0, 10))
    expect(nearest(db, small, vectors[3] as Float32Array).ids).toEqual(['id3'])
    ;(db.indexWorkerForTest().worker as unknown as { timeoutMs: number }).timeoutMs = 300
    // The call times out while the worker is inside hnswlib's addPoint; terminating the thread
    // there would abort this whole process (napi_throw during termination).
    expect(nearest(db, id, vectors[2500] as Float32Array).ids).toEqual(['id2500'])
    expect(db.indexWorkerForTest().disabled).toContain('did not answer')
    const worker = db.indexWorkerForTest().worker as unknown as { worker: { threadId: number } }
    await waitFor(() => worker.worker.threadId === -1) // it exits by itself
    expect(nearest(db, id, vectors[7] as Float32Array).ids).toEqual(['id7'])
  }, 120_000)

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
    db.close()
    const meta = JSON.parse(readFileSync(join(dir, 'index', metas()[0] as string), 'utf8')) as {
      meta: { seq: number; liveCount: number }
    }
    expect(meta.meta.liveCount).toBe(701)
    const reopened = database()
    expect(nearest(reopened, id, vectors[999] as Float32Array).ids).toEqual(['last'])
  }, 60_000)
})
