// Group commit for the asynchronous write path (decision 0110). A write commits with
// synchronous=NORMAL (no fsync on the thread that serves queries), then awaits an fsync of the WAL
// run in libuv's thread pool; commits made while one fsync is in flight share the next one. A write
// is acknowledged only after the fsync that covers its commit frame has returned, so an
// acknowledged write is as durable as with synchronous=FULL.
import type BetterSqlite3 from 'better-sqlite3'
import { open } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Syncs a file to disk; returns its inode (to notice a new file, whose directory entry needs a sync too). */
export type SyncFile = (path: string) => Promise<number | null>

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
  private running = false
  private waiters: Waiter[] = []
  private walInode: number | null = null
  /** fsync rounds run so far (tests and benchmarks read it). */
  rounds = 0

  constructor(
    private readonly db: BetterSqlite3.Database,
    file: string,
    private readonly syncFile: SyncFile = syncPath
  ) {
    this.walPath = `${file}-wal`
  }

  /**
   * Runs `write` (synchronous, one or more transactions) without an fsync per commit, then resolves
   * with its result once what it committed is on disk. A failed write restores FULL and throws at once.
   */
  async run<T>(write: () => T): Promise<T> {
    if (!this.db.open) return write() // it reports the closed database
    this.db.prepare('PRAGMA synchronous = NORMAL').run()
    let result: T
    try {
      result = write()
    } finally {
      // Every other (synchronous) write of the connection keeps its fsync at commit.
      this.db.prepare('PRAGMA synchronous = FULL').run()
    }
    await this.durable()
    return result
  }

  /** Resolves once every commit made before the call is on disk. */
  durable(): Promise<void> {
    const commit = ++this.committed
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
          const inode = await this.syncFile(this.walPath)
          if (inode !== null && inode !== this.walInode) {
            // A new WAL file: its directory entry must be durable too (SQLite syncs it on first use).
            await this.syncFile(dirname(this.walPath))
            this.walInode = inode
          }
        } catch (e) {
          failure = e
        }
        this.synced = upTo
        const settled = this.waiters.filter((w) => w.commit <= upTo)
        this.waiters = this.waiters.filter((w) => w.commit > upTo)
        for (const w of settled) {
          if (failure === null) w.resolve()
          else w.reject(failure)
        }
      }
    } finally {
      this.running = false
    }
  }
}

/**
 * fsync of a file or directory through the thread pool. No WAL file means the connection was closed
 * meanwhile, and closing checkpoints the WAL into the database file with an fsync before deleting it.
 */
async function syncPath(path: string): Promise<number | null> {
  if (process.platform === 'win32' && !path.endsWith('-wal')) return null // directories cannot be synced there
  let handle
  try {
    handle = await open(path, path.endsWith('-wal') ? 'r+' : 'r')
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null
    throw e
  }
  try {
    await handle.sync()
    return (await handle.stat()).ino
  } finally {
    await handle.close()
  }
}
