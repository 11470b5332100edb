// A changed hnsw.ef_search takes effect on the next query, inline and in the index worker, and is
// still in effect after a reopen (Chroma 1.5's modify with new_configuration; docs/chroma-1.5.md).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChromaDatabase } from './database.js'
import { randomVectors } from './testing/synthetic.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
const DIM = 48
const POINTS = randomVectors(3000, DIM, 31)
const QUERIES = randomVectors(30, DIM, 32)
const K = 10

/** Ids of the K nearest points by squared L2, computed by brute force. */
function truth(q: Float32Array): Set<string> {
  const scored = POINTS.map((p, i) => {
    let d = 0
    for (let j = 0; j < DIM; j++) d += ((p[j] as number) - (q[j] as number)) ** 2
    return { id: `p${i}`, d }
  })
  scored.sort((a, b) => a.d - b.d)
  return new Set(scored.slice(0, K).map((s) => s.id))
}
const TRUTH = QUERIES.map(truth)

function recall(db: ChromaDatabase, id: string): number {
  let found = 0
  QUERIES.forEach((q, i) => {
    const ids = db.query(id, { query_embeddings: [Array.from(q)], n_results: K, include: [] }).ids[0] ?? []
    for (const x of ids) if (TRUTH[i]?.has(x)) found++
  })
  return found / (QUERIES.length * K)
}

let dir: string
const open: ChromaDatabase[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-modcfg-'))
})
afterEach(async () => {
  for (const db of open.splice(0)) await db.closeAsync()
  rmSync(dir, { recursive: true, force: true })
})

async function seeded(path: string | null): Promise<{ db: ChromaDatabase; id: string }> {
  const db = new ChromaDatabase(path === null ? {} : { path })
  open.push(db)
  return seededInto(db)
}

async function seededInto(db: ChromaDatabase): Promise<{ db: ChromaDatabase; id: string }> {
  // A sparse graph with a narrow beam: its recall is visibly below 1 until ef_search grows.
  const id = db.createCollection(scope, {
    name: 'ef-search',
    configuration: { hnsw: { max_neighbors: 8, ef_construction: 32, ef_search: 10 } }
  }).id
  for (let s = 0; s < POINTS.length; s += 500) {
    const part = POINTS.slice(s, s + 500)
    db.add(id, { ids: part.map((_, i) => `p${s + i}`), embeddings: part.map((v) => Array.from(v)) })
  }
  await db.settleIndexes()
  return { db, id }
}

describe('modify new_configuration hnsw.ef_search', () => {
  for (const mode of ['in memory (inline index)', 'persistent (index worker)'] as const) {
    it(`applies to the next query: ${mode}`, async () => {
      const { db, id } = await seeded(mode.startsWith('in memory') ? null : dir)
      const narrow = recall(db, id)
      expect(narrow).toBeLessThan(0.7)
      db.updateCollection(id, { new_configuration: { hnsw: { ef_search: 3000 } } })
      const wide = recall(db, id)
      expect(wide).toBeGreaterThan(0.95)
      if (mode.startsWith('persistent')) {
        await db.closeAsync()
        open.pop()
        const again = new ChromaDatabase({ path: dir })
        open.push(again)
        expect(again.getCollectionById(id).configuration_json.hnsw.ef_search).toBe(3000)
        recall(again, id) // loads the index (in the worker)
        await again.settleIndexes()
        expect(recall(again, id)).toBeGreaterThan(0.95)
      }
    }, 120_000)
  }

  it('applies to the next query while the index worker still has a backlog ahead of the change', async () => {
    const db = new ChromaDatabase({ path: dir, maxIndexLag: 1_000_000 })
    open.push(db)
    const { id } = await seededInto(db)
    expect(recall(db, id)).toBeLessThan(0.7)
    // Slow inserts into another collection: the worker's one queue holds the ef change behind them,
    // while searches are answered in between (and this collection's graph stays as it was).
    const busy = db.createCollection(scope, {
      name: 'backlog',
      configuration: { hnsw: { max_neighbors: 48, ef_construction: 1000 } }
    }).id
    const slow = randomVectors(6000, DIM, 33).map((v) => Array.from(v))
    db.add(busy, { ids: ['b'], embeddings: [slow[0] as number[]] }) // loads its index in the worker
    for (let s = 0; s < slow.length; s += 2000) {
      db.add(busy, { ids: slow.slice(s, s + 2000).map((_, i) => `s${s + i}`), embeddings: slow.slice(s, s + 2000) })
    }
    const backlog = (): number => db.indexStatus(busy).tail?.upserts ?? 0
    expect(backlog()).toBeGreaterThan(0)
    db.updateCollection(id, { new_configuration: { hnsw: { ef_search: 3000 } } })
    const wide = recall(db, id)
    expect(backlog()).toBeGreaterThan(0) // every query above ran while the change was still queued
    expect(wide).toBeGreaterThan(0.95)
  }, 120_000)
})
