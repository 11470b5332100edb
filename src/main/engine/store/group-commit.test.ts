// Group commit (decision 0110): a write is acknowledged only after an fsync that started after its
// commit; writes committed during one fsync share the next; other writes keep synchronous=FULL.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqlite } from './connection.js'
import { GroupCommit, walSyncer, type SyncFile } from './group-commit.js'

let dir: string
let db: BetterSqlite3.Database
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-gc-'))
  db = openSqlite(join(dir, 'db.sqlite'))
  db.exec('CREATE TABLE t (v INTEGER)')
})
afterEach(() => {
  if (db.open) db.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A sync function whose calls stay pending until the test releases them, one by one. */
function heldSync(): { sync: SyncFile; calls: string[]; release: () => void; pending: () => number } {
  const calls: string[] = []
  const gates: (() => void)[] = []
  const sync: SyncFile = (path) => {
    calls.push(path)
    return new Promise((resolve) => gates.push(() => resolve(path.endsWith('-wal') ? 1 : null)))
  }
  return { sync, calls, release: () => gates.shift()?.(), pending: () => gates.length }
}

const insert = (v: number) => (): number => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes
const flush = (): Promise<void> => new Promise((r) => setImmediate(r))
const synchronous = (): unknown => db.pragma('synchronous', { simple: true })

describe('GroupCommit', () => {
  it('acknowledges a write only after an fsync that began after its commit, sharing rounds', async () => {
    const held = heldSync()
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'), held.sync)
    const acked: number[] = []
    const first = commits.run(insert(1)).then(() => acked.push(1))
    await flush()
    expect(held.calls).toEqual([join(dir, 'db.sqlite-wal')])
    // Two more commits while the first fsync is in flight: it does not cover them.
    const second = commits.run(insert(2)).then(() => acked.push(2))
    const third = commits.run(insert(3)).then(() => acked.push(3))
    await flush()
    expect(acked).toEqual([])
    held.release() // WAL fsync of round 1; a new WAL file, so its directory is synced next
    await flush()
    expect(held.calls[1]).toBe(dir)
    expect(acked).toEqual([])
    held.release()
    await first
    expect(acked).toEqual([1])
    await flush()
    // One round for both later writes (same WAL inode: no directory sync).
    expect(held.pending()).toBe(1)
    held.release()
    await Promise.all([second, third])
    expect(acked).toEqual([1, 2, 3])
    expect(commits.rounds).toBe(2)
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 })
  })

  it('runs the write without fsync at commit and restores synchronous=FULL, also when it throws', async () => {
    let during: unknown
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'), async () => null)
    await commits.run(() => {
      during = synchronous()
      return insert(1)()
    })
    expect(during).toBe(1) // NORMAL
    expect(synchronous()).toBe(2) // FULL
    await expect(
      commits.run(() => {
        throw new Error('refused')
      })
    ).rejects.toThrow('refused')
    expect(synchronous()).toBe(2)
  })

  it('after a failed fsync, acknowledges no later write (fail-stop: a later fsync may succeed without the lost frames)', async () => {
    // Linux may drop the dirty pages of a failed fsync and report success on the next one; the WAL's
    // chained checksums then end recovery at the lost frames, taking the later commits with them.
    let fail = true
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'), async () => {
      if (fail) throw new Error('EIO')
      return null
    })
    await expect(commits.run(insert(1))).rejects.toThrow('EIO')
    fail = false
    await expect(commits.run(insert(2))).rejects.toThrow('EIO')
  })

  it('syncs the directory again for a WAL file that reappears after it was gone, even with the same inode', async () => {
    const calls: string[] = []
    let wal: number | null = 7
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'), async (path) => {
      calls.push(path)
      return path.endsWith('-wal') ? wal : null
    })
    await commits.run(insert(1))
    wal = null // the WAL file was deleted
    await commits.run(insert(2))
    wal = 7 // a new WAL file (the freed inode number reused)
    calls.length = 0
    await commits.run(insert(3))
    expect(calls).toEqual([join(dir, 'db.sqlite-wal'), dir])
  })

  it('holds a reader until the commits it could see are on disk (settled)', async () => {
    const held = heldSync()
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'), held.sync)
    expect(commits.settled()).toBeNull() // nothing committed: answer at once
    const write = commits.run(insert(1))
    await flush()
    // The row is committed and visible, its fsync still in flight: a reader waits for it.
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 })
    let answered = false
    const reader = commits.settled()?.then(() => (answered = true))
    expect(reader).toBeDefined()
    await flush()
    expect(answered).toBe(false)
    held.release() // the WAL
    await flush()
    held.release() // its directory (a new WAL file)
    await Promise.all([write, reader])
    expect(answered).toBe(true)
    expect(commits.settled()).toBeNull()
  })

  it('lets a reader that shows no appended row answer before the appends are on disk (settledShowing)', async () => {
    const held = heldSync()
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'), held.sync)
    // Two appends: rows above 10, then above 12; neither on disk yet.
    const appends = [commits.run(insert(1), 10), commits.run(insert(2), 12)]
    await flush()
    expect(commits.settledShowing(10)).toBeNull() // shows rows up to 10: none of theirs
    expect(commits.settledShowing(0)).toBeNull() // shows nothing
    expect(commits.settledShowing(11)).not.toBeNull() // may show the first append's row
    expect(commits.settledShowing(13)).not.toBeNull()
    // Any other change pending (an update, a delete): every reader waits, whatever it shows.
    const other = commits.run(insert(3))
    await flush()
    let answered = false
    const reader = commits.settledShowing(1)?.then(() => (answered = true))
    expect(reader).toBeDefined()
    // Released round by round: the reader answers only once the round covering that change returned.
    while (held.pending() > 0) {
      expect(answered).toBe(false)
      held.release()
      await flush()
    }
    await Promise.all([...appends, other, reader])
    expect(answered).toBe(true)
    expect(commits.settledShowing(1_000)).toBeNull() // all on disk
  })

  it('releases a reader also when the fsync failed (the writers are refused)', async () => {
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'), async () => {
      throw new Error('EIO')
    })
    const write = commits.run(insert(1))
    const reader = commits.settled()
    await expect(write).rejects.toThrow('EIO')
    await expect(reader).resolves.toBeUndefined()
  })

  it('keeps the WAL open between rounds and reopens it when SQLite starts a new file', async () => {
    const syncer = walSyncer()
    const wal = join(dir, 'db.sqlite-wal')
    db.prepare('INSERT INTO t (v) VALUES (1)').run()
    const first = await syncer.sync(wal)
    expect(first).toBe(statSync(wal).ino)
    expect(await syncer.sync(wal)).toBe(first)
    // A checkpoint that truncates keeps the file (same inode); closing deletes it: no WAL, nothing to sync.
    db.pragma('wal_checkpoint(TRUNCATE)')
    expect(await syncer.sync(wal)).toBe(first)
    db.close()
    expect(await syncer.sync(wal)).toBeNull()
    db = openSqlite(join(dir, 'db.sqlite'))
    db.prepare('INSERT INTO t (v) VALUES (2)').run()
    expect(await syncer.sync(wal)).toBe(statSync(wal).ino)
    expect(await syncer.sync(dir)).toBeNull() // a directory: synced, no inode to track
    syncer.close()
  })

  it('syncs the real WAL file through the thread pool', async () => {
    const commits = new GroupCommit(db, join(dir, 'db.sqlite'))
    const results = await Promise.all([1, 2, 3, 4].map((v) => commits.run(insert(v))))
    expect(results).toEqual([1, 1, 1, 1])
    expect(commits.rounds).toBeGreaterThanOrEqual(1)
    expect(commits.rounds).toBeLessThanOrEqual(4)
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 4 })
  })
})
