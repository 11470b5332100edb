// An index snapshot must never cover a commit whose group-commit fsync has not returned (decision
// 0110): the snapshot is written with its own fsync, so after a crash it would claim a sequence number
// that SQLite lost, and the next writes reuse that number and those rids: the reopened index keeps the
// lost records' vectors under the new records' labels (reconcile sees the same live set and no rows
// after the snapshot's seq).
import fs, { mkdtempSync, rmSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { ChromaDatabase } from '../database.js'
import { snapshotInfo } from '../vector-index/snapshot.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
const realAsync = fs.fdatasync
const realSync = fs.fdatasyncSync
let dir: string
let db: ChromaDatabase | null = null
/** Held async WAL syncs (the group commit's rounds) and the WAL syncs made on the calling thread. */
let held: (() => void)[] = []
let syncedOnThread = 0
let pending: Promise<unknown> | null = null

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-gcs-'))
  held = []
  syncedOnThread = 0
  fs.fdatasync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    held.push(() => realAsync(fd, cb))
  }) as typeof fs.fdatasync
  fs.fdatasyncSync = ((fd: number) => {
    syncedOnThread++
    realSync(fd)
  }) as typeof fs.fdatasyncSync
  syncBuiltinESMExports()
})
afterEach(async () => {
  for (const release of held.splice(0)) release()
  await pending?.catch(() => undefined)
  pending = null
  fs.fdatasync = realAsync
  fs.fdatasyncSync = realSync
  syncBuiltinESMExports()
  db?.close()
  db = null
  rmSync(dir, { recursive: true, force: true })
})

it('writes no snapshot covering a commit before that commit is on disk', async () => {
  db = new ChromaDatabase({ path: dir, indexWorker: false, snapshotAfterChanges: 1 })
  const c = db.createCollection(scope, { name: 'snapshots' })
  db.add(c.id, { ids: ['first'], embeddings: [[0, 0, 1]] }) // synchronous (FULL): loads the index
  const before = snapshotInfo(join(dir, 'index'), c.id)?.seq ?? 0
  const d = db
  const write = d.writeWhenRoom(c.id, () => d.add(c.id, { ids: ['a'], embeddings: [[1, 2, 3]] }))
  pending = write
  // The write runs on a later turn of the event loop (decision 0117).
  for (let turn = 0; turn < 10 && held.length === 0; turn++) await new Promise((r) => setImmediate(r))
  // The add committed and its group-commit fsync is held: it is not on disk yet.
  expect(held.length).toBe(1)
  const after = snapshotInfo(join(dir, 'index'), c.id)?.seq ?? 0
  expect(after).toBeGreaterThan(before) // a snapshot covering the add was written (1 change is enough)
  // ... which is allowed only once the WAL holding the add was synced first.
  expect(syncedOnThread).toBeGreaterThan(0)
  for (const release of held.splice(0)) release()
  await write
})
