// Worker thread that compacts the database file (decision 0075): VACUUM over its own connection, so
// the main thread's connection keeps reading (WAL) while it runs, then a truncating checkpoint that
// returns the WAL's space too. Posts { ok, seconds, checkpoint } or { ok: false, error } and exits.
import type BetterSqlite3 from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { loadNative } from '../native.js'

const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')
const { file } = workerData as { file: string }

try {
  const db = new Database(file, { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    const start = performance.now()
    db.exec('VACUUM')
    const checkpoint = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
    parentPort?.postMessage({
      ok: true,
      seconds: (performance.now() - start) / 1000,
      walBusy: checkpoint[0]?.busy === 1
    })
  } finally {
    db.close()
  }
} catch (err) {
  parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) })
}
