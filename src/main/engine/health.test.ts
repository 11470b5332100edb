// Index health (docs/index-health.md): verify finds damage of each kind and nothing on a healthy
// index (also right after a burst of writes the worker has not indexed yet); rebuild repairs it;
// compact returns the space of a deleted collection and keeps every record.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChromaDatabase } from './database.js'
import { ResourceExhaustedError } from './errors.js'
import { alterSnapshotVectors, damageInlineIndex } from './testing/damage-index.js'
import { randomVectors } from './testing/synthetic.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
const DIM = 32

let dir: string
const open: ChromaDatabase[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-health-'))
})
afterEach(async () => {
  for (const db of open.splice(0)) await db.closeAsync()
  rmSync(dir, { recursive: true, force: true })
})

function database(opts: ConstructorParameters<typeof ChromaDatabase>[0] = {}): ChromaDatabase {
  const db = new ChromaDatabase({ path: dir, ...opts })
  open.push(db)
  return db
}

function fill(db: ChromaDatabase, name: string, n: number, space: 'l2' | 'cosine' = 'l2'): string {
  const { id } = db.createCollection(scope, { name, configuration: { hnsw: { space } } })
  const vectors = randomVectors(n, DIM, n + name.length)
  for (let s = 0; s < n; s += 500) {
    const part = vectors.slice(s, s + 500)
    db.add(id, {
      ids: part.map((_, i) => `r${s + i}`),
      embeddings: part.map((v) => Array.from(v)),
      documents: part.map((_, i) => `document ${s + i} `.repeat(20))
    })
  }
  return id
}

const nearestId = (db: ChromaDatabase, id: string, v: number[]): string | undefined =>
  db.query(id, { query_embeddings: [v], n_results: 1 }).ids[0]?.[0]

describe('verifyIndex', () => {
  for (const worker of [true, false]) {
    it(`finds nothing on a healthy index right after a burst of writes (${worker ? 'index worker' : 'inline'})`, async () => {
      const db = database({ indexWorker: worker, maxIndexLag: 1_000_000 })
      const id = fill(db, 'burst', 6_000)
      db.delete(id, { ids: ['r1', 'r2'] })
      db.upsert(id, { ids: ['r3'], embeddings: [Array.from(randomVectors(1, DIM, 99)[0] as Float32Array)] })
      if (worker) expect(db.indexStatus(id).tail?.upserts ?? 0).toBeGreaterThan(0) // the worker is behind
      const progress: number[] = []
      const report = await db.verifyIndex(id, { onProgress: (done) => progress.push(done) })
      expect(report).toMatchObject({ healthy: true, checked: 5_998 })
      expect(report.missing.count + report.extra.count + report.stale.count).toBe(0)
      expect(progress.length).toBeGreaterThan(1) // in pages
    })
  }

  it('reports missing and extra labels of a damaged inline index, and rebuild repairs it', async () => {
    const db = new ChromaDatabase() // in memory: inline index
    open.push(db)
    const id = fill(db, 'inline', 1_500, 'cosine')
    const rids = db.get(id, { ids: ['r5', 'r700'] }).ids
    expect(rids).toHaveLength(2)
    const labelOf = (rid: string): number => Number(rid.slice(1)) + 1 // rids follow insertion order from 1
    damageInlineIndex(db, id, {
      drop: [labelOf('r5'), labelOf('r700')],
      add: [{ label: 999_999, vector: Array.from({ length: DIM }, () => 0.5) }]
    })
    const damaged = await db.verifyIndex(id)
    expect(damaged.healthy).toBe(false)
    expect(damaged.missing).toEqual({ count: 2, examples: ['r5', 'r700'] })
    expect(damaged.extra).toEqual({ count: 1, examples: ['#999999'] })
    expect(damaged.stale.count).toBe(0)

    const rebuilt = await db.rebuildIndex(id)
    expect(rebuilt.records).toBe(1_500)
    expect((await db.verifyIndex(id)).healthy).toBe(true)
    const r700 = db.get(id, { ids: ['r700'], include: ['embeddings'] }).embeddings?.[0] as number[]
    expect(nearestId(db, id, r700)).toBe('r700')
  })

  for (const worker of [true, false]) {
    it(`reports stale vectors of a snapshot altered with its checksums recomputed; rebuild fixes them (${worker ? 'index worker' : 'inline'})`, async () => {
      let db = database({ indexWorker: worker })
      const id = fill(db, 'stale', 3_000)
      db.createIndex(id)
      await db.closeAsync()
      const altered = alterSnapshotVectors(dir, id, 4)
      expect(altered).toHaveLength(4)

      db = database({ indexWorker: worker })
      const report = await db.verifyIndex(id)
      expect(report.healthy).toBe(false)
      expect(report.stale.count).toBe(4)
      expect(report.stale.examples).toEqual(altered.map((label) => `r${label - 1}`))
      expect(report.missing.count + report.extra.count).toBe(0)
      const target = db.get(id, { ids: [`r${(altered[0] as number) - 1}`], include: ['embeddings'] })
      const v = target.embeddings?.[0] as number[]

      const progress: number[] = []
      const rebuilt = await db.rebuildIndex(id, { onProgress: (done) => progress.push(done) })
      expect(rebuilt).toMatchObject({ records: 3_000, snapshot: true })
      expect(progress.at(-1)).toBe(3_000)
      expect((await db.verifyIndex(id)).healthy).toBe(true)
      expect(nearestId(db, id, v)).toBe(target.ids[0])
      // The new snapshot is what the next open loads.
      await db.closeAsync()
      db = database({ indexWorker: worker })
      expect((await db.verifyIndex(id)).healthy).toBe(true)
    })
  }

  it('a cancelled rebuild keeps the old index and answers queries throughout', async () => {
    {
      const db = database()
      const id = fill(db, 'cancel', 4_000)
      await db.settleIndexes()
      const controller = new AbortController()
      const rebuild = db.rebuildIndex(id, {
        signal: controller.signal,
        onProgress: (done) => {
          if (done >= 1_000) controller.abort()
        }
      })
      const v = db.get(id, { ids: ['r10'], include: ['embeddings'] }).embeddings?.[0] as number[]
      expect(nearestId(db, id, v)).toBe('r10')
      await expect(rebuild).rejects.toThrow()
      expect(nearestId(db, id, v)).toBe('r10')
      expect((await db.verifyIndex(id)).healthy).toBe(true)
    }
  })
})

describe('a rebuild in the index worker', () => {
  it('is not run to its end by a search of another collection queued behind it: cancel acts at once', async () => {
    {
      const first = database()
      fill(first, 'big', 30_000)
      fill(first, 'small', 200)
      await first.closeAsync()
    }
    const db = database()
    const big = db.getCollection(scope, 'big').id
    const small = db.getCollection(scope, 'small').id
    db.createIndex(big)
    await db.settleIndexes()
    const controller = new AbortController()
    const rebuild = db.rebuildIndex(big, { signal: controller.signal })
    // The small collection's index opens behind the rebuild: its query is answered meanwhile (from
    // SQLite), and the worker keeps taking messages, so the cancel below reaches the rebuild.
    const v = db.get(small, { ids: ['r5'], include: ['embeddings'] }).embeddings?.[0] as number[]
    expect(nearestId(db, small, v)).toBe('r5')
    const asked = performance.now()
    controller.abort()
    await expect(rebuild).rejects.toThrow()
    expect(performance.now() - asked).toBeLessThan(1000)
    expect(nearestId(db, small, v)).toBe('r5')
    expect((await db.verifyIndex(big)).healthy).toBe(true)
  })
})

describe('collectionHealth', () => {
  it('reports records, storage, index sizes and lag', async () => {
    const db = database()
    const id = fill(db, 'sizes', 2_000)
    await db.settleIndexes()
    db.createIndex(id)
    await db.settleIndexes()
    const h = await db.collectionHealth(id)
    expect(h).toMatchObject({ records: 2_000, dimension: DIM, index: { state: 'worker' } })
    // Embeddings alone are 2,000 x 32 x 4 bytes; documents add more.
    expect(h.storage.payloadBytes).toBeGreaterThan(2_000 * DIM * 4)
    expect(h.storage.database.fileBytes + h.storage.database.walBytes).toBeGreaterThan(h.storage.payloadBytes)
    expect(h.index.snapshot?.liveCount).toBe(2_000)
    expect(h.index.snapshot?.bytes).toBeGreaterThan(2_000 * DIM * 4)
    expect(h.index.memory?.live).toBe(2_000)
    expect(h.index.memory?.memoryBytes).toBeGreaterThan(2_000 * DIM * 4 * 2)
    expect(h.lag).toEqual({ upserts: 0, removals: 0, sinceSnapshot: 0 })
    db.delete(id, { ids: ['r1'] })
    expect((await db.collectionHealth(id)).lag.sinceSnapshot).toBe(1)
  })
})

describe('compact', () => {
  it('returns the pages of a deleted collection to the file system and keeps every record', async () => {
    const db = database()
    const keep = fill(db, 'keep', 2_000)
    fill(db, 'drop', 6_000)
    db.deleteCollection(scope, 'drop')
    const before = db.get(keep, { include: ['embeddings', 'documents'] })
    const health = await db.collectionHealth(keep)
    expect(health.storage.database.freeBytes).toBeGreaterThan(6_000 * DIM * 4)

    const report = await db.compact()
    expect(report.freedBytes).toBeGreaterThan(6_000 * DIM * 4)
    expect(report.after.freeBytes).toBe(0)
    expect(report.after.walBytes).toBe(0)
    expect(db.get(keep, { include: ['embeddings', 'documents'] })).toEqual(before)
    expect((await db.verifyIndex(keep)).healthy).toBe(true)
    db.add(keep, { ids: ['after'], embeddings: [Array.from({ length: DIM }, () => 1)] })
    expect(db.count(keep)).toBe(2_001)
  })

  it('refuses writes as busy while it runs, and asynchronous writers wait for its end', async () => {
    const db = database()
    const id = fill(db, 'busy', 3_000)
    fill(db, 'gone', 6_000)
    db.deleteCollection(scope, 'gone')
    const running = db.compact()
    // The worker takes the write lock once it has started; until the compaction ends writes fail fast.
    let refused = false
    for (let i = 0; i < 200 && !refused; i++) {
      try {
        db.add(id, { ids: [`w${i}`], embeddings: [Array.from({ length: DIM }, () => i)] })
        db.delete(id, { ids: [`w${i}`] })
      } catch (e) {
        expect(e).toBeInstanceOf(ResourceExhaustedError)
        refused = true
      }
      await new Promise((r) => setTimeout(r, 5))
    }
    await db.writeWhenRoom(id, () =>
      db.add(id, { ids: ['waited'], embeddings: [Array.from({ length: DIM }, () => 2)] })
    )
    await running
    expect(refused).toBe(true)
    expect(db.get(id, { ids: ['waited'] }).ids).toEqual(['waited'])
  })
})
