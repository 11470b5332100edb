// Compaction of the database file (decision 0075) and the sizes that health reports show.
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type BetterSqlite3 from 'better-sqlite3'
import type { FileSizes } from '../../../shared/health.js'
import { findWorkerScript, startWorker } from '../worker-entry.js'

export function fileSizes(db: BetterSqlite3.Database, file: string | null): FileSizes {
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const freeBytes = (db.pragma('freelist_count', { simple: true }) as number) * pageSize
  if (file === null) {
    return {
      fileBytes: (db.pragma('page_count', { simple: true }) as number) * pageSize,
      walBytes: 0,
      freeBytes,
      pageSize
    }
  }
  const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0)
  return { fileBytes: size(file), walBytes: size(`${file}-wal`), freeBytes, pageSize }
}

const moduleDir = path.dirname(fileURLToPath(import.meta.url))

/**
 * Runs VACUUM and a truncating checkpoint on `file` in a worker thread with its own connection (the
 * caller's connection keeps reading meanwhile); without a worker script, on `db` itself.
 * Once started it cannot be stopped: SQLite's VACUUM has no safe point and better-sqlite3 no interrupt.
 */
export async function vacuumFile(db: BetterSqlite3.Database, file: string): Promise<{ seconds: number }> {
  const entry = findWorkerScript(moduleDir, 'compact-worker')
  if (entry === null) {
    const start = performance.now()
    db.exec('VACUUM')
    db.pragma('wal_checkpoint(TRUNCATE)')
    return { seconds: (performance.now() - start) / 1000 }
  }
  const worker = startWorker(entry, { workerData: { file } })
  const reply = await new Promise<{ ok: boolean; seconds?: number; error?: string }>((resolve) => {
    worker.once('message', resolve)
    worker.once('error', (err) => resolve({ ok: false, error: err.message }))
    worker.once('exit', (code) => resolve({ ok: false, error: `compaction worker exited (code ${code})` }))
  })
  if (!reply.ok) throw new Error(`Compaction failed: ${reply.error ?? 'unknown error'}`)
  return { seconds: reply.seconds ?? 0 }
}
