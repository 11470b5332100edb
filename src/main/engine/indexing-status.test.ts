// Chroma 1.5's indexing status over write-behind indexing (decision 0093): the ops are the
// collection's write calls; indexed ops are the prefix whose vectors the index holds.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PersistentClient } from './client.js'
import { ChromaDatabase, INDEX_DIR } from './database.js'
import { HARNESS_ENTRY, WorkerHarness } from './vector-index/testing/harness.js'
import { deleteSnapshot } from './vector-index/snapshot.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
let dir: string
let harness: WorkerHarness
const releases: (() => void)[] = []
const open: ChromaDatabase[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-ixs-'))
  harness = new WorkerHarness()
})
afterEach(async () => {
  for (const release of releases.splice(0)) release()
  harness.close()
  for (const db of open.splice(0)) await db.closeAsync()
  rmSync(dir, { recursive: true, force: true })
})

function database(): ChromaDatabase {
  const db = new ChromaDatabase({ path: dir, indexWorker: HARNESS_ENTRY, maxIndexLag: 1_000_000 })
  open.push(db)
  return db
}

const vec = (i: number): number[] => [i, i % 3, 1]

describe('indexingStatus', () => {
  it('reports writes the held worker has not confirmed as unindexed, then all indexed', async () => {
    const db = database()
    const id = db.createCollection(scope, { name: 'held' }).id
    expect(db.indexingStatus(id)).toEqual({
      num_indexed_ops: 0,
      num_unindexed_ops: 0,
      total_ops: 0,
      op_indexing_progress: 1
    })
    db.add(id, { ids: ['a', 'b'], embeddings: [vec(1), vec(2)] })
    await db.settleIndexes()
    expect(db.indexingStatus(id)).toMatchObject({ num_indexed_ops: 1, total_ops: 1 })
    releases.push(await harness.hold())
    db.add(id, { ids: ['c'], embeddings: [vec(3)] })
    db.update(id, { ids: ['a'], metadatas: [{ k: 1 }] }) // no vector: still after the unconfirmed write
    db.delete(id, { ids: ['b'] })
    expect(db.indexingStatus(id)).toEqual({
      num_indexed_ops: 1,
      num_unindexed_ops: 3,
      total_ops: 4,
      op_indexing_progress: 0.25
    })
    releases.pop()?.()
    await db.settleIndexes()
    expect(db.indexingStatus(id)).toEqual({
      num_indexed_ops: 4,
      num_unindexed_ops: 0,
      total_ops: 4,
      op_indexing_progress: 1
    })
  })

  it('an index not loaded yet covers what its snapshot covers; loading it indexes the rest', async () => {
    const first = new PersistentClient({ path: dir })
    const col = await first.createCollection({ name: 'reopen' })
    await col.add({ ids: ['a'], embeddings: [vec(1)] })
    await col.add({ ids: ['b'], embeddings: [vec(2)] })
    await first.close() // final snapshot covers both writes
    const id = col.id

    const db = database()
    expect(db.indexingStatus(id)).toMatchObject({ num_indexed_ops: 2, num_unindexed_ops: 0, total_ops: 2 })
    await db.closeAsync()
    open.pop()
    // The cache is gone: nothing indexed until the index is rebuilt from SQLite.
    deleteSnapshot(join(dir, INDEX_DIR), id)
    const again = database()
    expect(again.indexingStatus(id)).toEqual({
      num_indexed_ops: 0,
      num_unindexed_ops: 2,
      total_ops: 2,
      op_indexing_progress: 0
    })
    again.query(id, { query_embeddings: [vec(1)], n_results: 1 })
    await again.settleIndexes()
    expect(again.indexingStatus(id)).toMatchObject({ num_indexed_ops: 2, num_unindexed_ops: 0 })
  })

  it('the in-process client has getIndexingStatus()', async () => {
    const client = new PersistentClient({ path: dir })
    try {
      const col = await client.createCollection({ name: 'inproc' })
      await col.add({ ids: ['a'], embeddings: [vec(1)] })
      await client.db.settleIndexes()
      expect(await col.getIndexingStatus()).toEqual({
        num_indexed_ops: 1,
        num_unindexed_ops: 0,
        total_ops: 1,
        op_indexing_progress: 1
      })
    } finally {
      await client.close()
    }
  })
})
