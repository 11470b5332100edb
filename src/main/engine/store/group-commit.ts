// Group commit for the asynchronous write path (decision 0110). A write commits with
// synchronous=NORMAL (no fsync on the thread that serves queries), then awaits an fdatasync of the
// WAL run in libuv's thread pool; commits made while one is in flight share the next one. A write
// is acknowledged only after the sync that covers its commit frame has returned, so an acknowledged
// write is as durable as with synchronous=FULL; readers wait for it too before answering (settled).
import type BetterSqlite3 from 'better-sqlite3'
import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, openSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Syncs a file to disk; returns its inode (to notice a new file, whose directory entry needs a sync too). */
export type SyncFile = (path: string) => Promise<number | null>

/** A SyncFile that may hold a file open between calls, closed by `close`. */
export interface FileSyncer {
  sync: SyncFile
  close(): void
}

interface Waiter {
  commit: number
  resolve: () => void
  reject: (e: unknown) => void
}

export class GroupCommit {
  private readonly walPath: string
  /** Commits numbered in order; every commit up to `synced` is on disk. */
  private committed = 0
  private synced = 0
  /** The commits after `synced`, in order; `appendsAbove` as given to run (null: any other change). */
  private unsynced: { commit: number; appendsAbove: number | null }[] = []
  private running = false
  private waiters: Waiter[] = []
  private walInode: number | null = null
  /** fsync rounds run so far (tests and benchmarks read it). */
  rounds = 0

  private readonly syncFile: SyncFile
  private readonly closeFiles: () => void
  private closing = false
  /** Inside `run`'s write: commits are being made with synchronous=NORMAL. */
  private writing = false
  /**
   * The first fsync failure, kept: after one, Linux may have dropped the dirty pages it could not
   * write and report success on the next fsync, and the WAL's chained checksums end recovery at the
   * first lost frame, taking every later commit with it. So no later write is acknowledged (fail-stop,
   * as PostgreSQL does); the database must be reopened.
   */
  private failure: unknown = null

  constructor(
    private readonly db: BetterSqlite3.Database,
    file: string,
    sync?: SyncFile
  ) {
    this.walPath = `${file}-wal`
    const syncer = sync ? { sync, close: () => {} } : walSyncer()
    this.syncFile = syncer.sync
    this.closeFiles = () => syncer.close()
  }

  /** Closes the WAL file it holds open (now, or when the fsync in flight returns). */
  close(): void {
    this.closing = true
    if (!this.running) this.closeFiles()
  }

  /**
   * Runs `write` (synchronous, one or more transactions) without an fsync per commit, then resolves
   * with its result once what it committed is on disk. A failed write restores FULL and throws at once.
   * `appendsAbove`: the write only inserts new records, all with a rid above this (an add, whose rids
   * are above the largest before it); a reader showing none of them need not wait for it (settledShowing).
   */
  async run<T>(write: () => T, appendsAbove: number | null = null): Promise<T> {
    if (!this.db.open) return write() // it reports the closed database
    if (this.failure !== null) throw this.failure
    this.db.prepare('PRAGMA synchronous = NORMAL').run()
    let result: T
    this.writing = true
    try {
      result = write()
    } finally {
      this.writing = false
      // Every other (synchronous) write of the connection keeps its fsync at commit.
      this.db.prepare('PRAGMA synchronous = FULL').run()
    }
    await this.durable(appendsAbove)
    return result
  }

  /**
   * null when every commit made so far is on disk; else a promise that settles (never rejects) once
   * they are. A reader awaits it before answering, so no caller is shown a row that a power loss
   * could still take back (decision 0110).
   */
  settled(): Promise<void> | null {
    if (this.synced >= this.committed || this.failure !== null) return null
    const commit = this.committed
    return new Promise<void>((resolve) => this.waiters.push({ commit, resolve, reject: () => resolve() }))
  }

  /**
   * settled() for a reader whose answer shows records with rids up to `newestRid` and depends on
   * nothing else that a write changes (a query's nearest neighbours): null when every commit not yet on
   * disk only appended records above that rid. Such an answer shows only records on disk, so a power
   * loss cannot take back anything it showed (decision 0118).
   */
  settledShowing(newestRid: number): Promise<void> | null {
    if (this.unsynced.every((c) => c.appendsAbove !== null && newestRid <= c.appendsAbove)) return null
    return this.settled()
  }

  /**
   * Makes every commit so far durable now, on this thread (an fdatasync of the WAL, and of its
   * directory for a file not synced yet), if any may not be: before something else that is made
   * durable records a sequence number of the database (an index snapshot), so it never gets ahead of
   * what a crash leaves in SQLite. Rare (once per snapshot); throws the fsync's failure.
   */
  syncNow(): void {
    if (this.failure !== null) throw this.failure
    if (!this.writing && this.synced >= this.committed) return
    if (!this.db.open) return
    let fd: number
    try {
      fd = openSync(this.walPath, 'r+')
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return // closed: checkpointed with an fsync
      throw e
    }
    try {
      fdatasyncSync(fd)
      const inode = fstatSync(fd).ino
      if (inode !== this.walInode && process.platform !== 'win32') {
        const d = openSync(dirname(this.walPath), 'r')
        try {
          fsyncSync(d)
        } finally {
          closeSync(d)
        }
      }
    } catch (e) {
      this.failure ??= e
      throw e
    } finally {
      closeSync(fd)
    }
  }

  /** Resolves once every commit made before the call is on disk (`appendsAbove`: see run). */
  durable(appendsAbove: number | null = null): Promise<void> {
    // Failed (fail-stop): no round will run again, so none is counted that a reader would wait for.
    if (this.failure !== null) return Promise.reject(this.failure)
    const commit = ++this.committed
    this.unsynced.push({ commit, appendsAbove })
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ commit, resolve, reject }))
    if (!this.running) void this.loop()
    return done
  }

  private async loop(): Promise<void> {
    this.running = true
    try {
      while (this.synced < this.committed) {
        // Every commit numbered up to here happened before this fsync starts, so it covers them.
        const upTo = this.committed
        let failure: unknown = null
        try {
          this.rounds += 1
          if (this.failure !== null) throw this.failure
          const inode = await this.syncFile(this.walPath)
          // No WAL file (deleted at close): a file that appears later is new, whatever its inode number.
          if (inode === null) this.walInode = null
          if (inode !== null && inode !== this.walInode) {
            // A new WAL file: its directory entry must be durable too (SQLite syncs it on first use).
            await this.syncFile(dirname(this.walPath))
            this.walInode = inode
          }
        } catch (e) {
          failure = e
          this.failure ??= e
        }
        this.synced = upTo
        this.unsynced = this.unsynced.filter((c) => c.commit > upTo)
        const settled = this.waiters.filter((w) => w.commit <= upTo)
        this.waiters = this.waiters.filter((w) => w.commit > upTo)
        for (const w of settled) {
          if (failure === null) w.resolve()
          else w.reject(failure)
        }
      }
    } finally {
      this.running = false
      if (this.closing) this.closeFiles()
    }
  }
}

/**
 * The default syncer: the WAL file stays open between rounds, so a round costs one trip through the
 * thread pool (fdatasync, as SQLite's own WAL sync on Linux) instead of four (open, fsync, stat,
 * close), each a thread wake-up that a loaded machine makes slow. The path's inode is checked first
 * (a cheap stat on this thread): a different file means SQLite started a new WAL, which is opened
 * instead. No WAL file means the connection was closed meanwhile, and closing checkpoints the WAL
 * into the database file with an fsync before deleting it. Directories are opened each time (rare).
 */
export function walSyncer(): FileSyncer {
  let fd: number | null = null
  let inode: number | null = null
  const drop = (): void => {
    if (fd !== null) closeSync(fd)
    fd = null
    inode = null
  }
  const sync: SyncFile = async (path) => {
    if (!path.endsWith('-wal')) return syncDirectory(path)
    let current: number
    try {
      current = statSync(path).ino
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') {
        drop()
        return null
      }
      throw e
    }
    if (fd === null || inode !== current) {
      drop()
      fd = openSync(path, 'r+')
      inode = fstatSync(fd).ino
    }
    const open = fd
    await new Promise<void>((resolve, reject) => fdatasync(open, (e) => (e ? reject(e) : resolve())))
    return inode
  }
  return { sync, close: drop }
}

async function syncDirectory(path: string): Promise<null> {
  if (process.platform === 'win32') return null // directories cannot be synced there
  const handle = await open(path, 'r')
  try {
    await handle.sync()
    return null
  } finally {
    await handle.close()
  }
}
