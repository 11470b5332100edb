// The backup worker thread: the copying and checking of backups, off the main thread. One task per
// worker (workerData), progress and the result posted back; a cancel terminates the thread and the
// main side removes the partial files (backup.ts).
//   backup:  a second, read-only connection to the live database pins one WAL snapshot (BEGIN and a
//            read) and copies it with SQLite's online backup, while the app keeps writing; the copy is
//            checked (integrity, manifest) and written after a header line, hashed as it is copied.
//   extract: checks a backup's header, copies its payload out while hashing it, checks the digest,
//            SQLite's integrity, the schema version (migrating an older one) and the manifest.
import { createHash } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'
import { fsyncDir } from '../engine/durable-file.js'
import { loadNative } from '../engine/native.js'
import { MIGRATIONS, migrate } from '../engine/store/schema.js'
import {
  BACKUP_FORMAT_ID,
  BACKUP_FORMAT_VERSION,
  SHA256_PLACEHOLDER,
  checkIntegrity,
  checkSchemaVersion,
  compareManifest,
  headerLine,
  readBackupHeader,
  readManifest,
  schemaVersionOf,
  type BackupHeader
} from './backup-format.js'
import { PortabilityError } from './types.js'

const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')

export type BackupTask =
  { op: 'backup'; source: string; out: string; appVersion: string } | { op: 'extract'; file: string; dest: string }

export type FromBackupWorker =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'done'; result: BackupWorkerResult }
  | { type: 'error'; message: string; ours: boolean }

export interface BackupWorkerResult {
  header: BackupHeader
  /** extract: the schema version after migrating. */
  schemaVersion: number
}

/** Files written by a backup to `out`: removed by whoever stops it early. */
export function backupPartials(out: string): string[] {
  return [`${out}.partial`, `${out}.partial-snapshot`, `${out}.partial-snapshot-journal`]
}

const COPY_CHUNK = 4 * 1024 * 1024
const PAGES_PER_STEP = 256

function post(m: FromBackupWorker): void {
  parentPort?.postMessage(m)
}

function openReader(file: string): BetterSqlite3.Database {
  try {
    return new Database(file, { readonly: true, fileMustExist: true })
  } catch {
    // A WAL database nobody has open may lack the -shm a read-only connection needs; this one only reads.
    return new Database(file, { fileMustExist: true })
  }
}

/** Copies `length` bytes of `from` at `offset` to `to` (appending), hashing them; progress per chunk. */
function copyHashed(
  fromFd: number,
  offset: number,
  length: number,
  toFd: number,
  toOffset: number,
  phase: string
): string {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(COPY_CHUNK)
  let done = 0
  while (done < length) {
    const n = readSync(fromFd, buf, 0, Math.min(COPY_CHUNK, length - done), offset + done)
    if (n === 0) throw new PortabilityError('The file ended early while being copied')
    hash.update(buf.subarray(0, n))
    let w = 0
    while (w < n) w += writeSync(toFd, buf, w, n - w, toOffset + done + w)
    done += n
    post({ type: 'progress', phase, done, total: length })
  }
  return hash.digest('hex')
}

async function backup(task: Extract<BackupTask, { op: 'backup' }>): Promise<BackupWorkerResult> {
  const [partial, snapshot] = backupPartials(task.out) as [string, string]
  const source = openReader(task.source)
  try {
    // The transaction pins one WAL snapshot: writes committed meanwhile do not restart the copy.
    source.exec('BEGIN')
    source.prepare('SELECT count(*) FROM collections').get()
    // Progress in bytes, like the other phases.
    const page = source.pragma('page_size', { simple: true }) as number
    const { totalPages } = await source.backup(snapshot, {
      progress: ({ totalPages: total, remainingPages }) => {
        post({ type: 'progress', phase: 'snapshot', done: (total - remainingPages) * page, total: total * page })
        return PAGES_PER_STEP
      }
    })
    post({ type: 'progress', phase: 'snapshot', done: totalPages * page, total: totalPages * page })
    source.exec('COMMIT')
  } finally {
    source.close()
  }

  // A standalone file: rollback journal instead of WAL, so it opens without -wal/-shm companions.
  const copy = new Database(snapshot)
  let header: BackupHeader
  try {
    copy.pragma('journal_mode = DELETE')
    checkIntegrity(copy, 'The snapshot')
    const schemaVersion = schemaVersionOf(copy)
    header = {
      format: BACKUP_FORMAT_ID,
      version: BACKUP_FORMAT_VERSION,
      created_at: new Date().toISOString(),
      app_version: task.appVersion,
      schema_version: schemaVersion,
      manifest: readManifest(copy),
      payload: { kind: 'sqlite', bytes: 0, sha256: SHA256_PLACEHOLDER }
    }
  } finally {
    copy.close()
  }
  header.payload.bytes = statSync(snapshot).size

  const line = headerLine(header)
  const digestAt = line.lastIndexOf(SHA256_PLACEHOLDER)
  const out = openSync(partial, 'w', 0o600)
  const input = openSync(snapshot, 'r')
  try {
    writeSync(out, line, 0, line.length, 0)
    const sha = copyHashed(input, 0, header.payload.bytes, out, line.length, 'write')
    writeSync(out, Buffer.from(sha, 'ascii'), 0, 64, digestAt)
    header.payload.sha256 = sha
    fsyncSync(out)
  } finally {
    closeSync(input)
    closeSync(out)
  }
  rmSync(snapshot, { force: true })
  renameSync(partial, task.out)
  fsyncDir(dirname(task.out))
  return { header, schemaVersion: header.schema_version }
}

/** A schema object as SQLite records it: anything that differs could run (a trigger, a view) or mislead the engine. */
type SchemaObject = { type: string; name: string; tbl_name: string; sql: string | null }

function schemaObjects(db: BetterSqlite3.Database): SchemaObject[] {
  // sqlite_stat* hold planner statistics (ANALYZE), never code.
  return db
    .prepare(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name"
    )
    .all() as SchemaObject[]
}

/**
 * Refuses a payload whose tables, indexes, triggers and views are not exactly those this app's
 * migrations create for its schema version: a crafted file could otherwise bring a trigger or a view
 * that runs on every later read or write of the restored database. Checked before anything reads it.
 */
function checkSchemaIsOurs(db: BetterSqlite3.Database, version: number, file: string): void {
  const reference = new Database(':memory:')
  let expected: SchemaObject[]
  try {
    migrate(
      reference,
      MIGRATIONS.filter((m) => m.version <= version)
    )
    expected = schemaObjects(reference)
  } finally {
    reference.close()
  }
  const key = (o: SchemaObject): string => JSON.stringify(o)
  const known = new Set(expected.map(key))
  const found = schemaObjects(db)
  const foreign = found.filter((o) => !known.has(key(o)))
  const present = new Set(found.map(key))
  const missing = expected.filter((o) => !present.has(key(o)))
  if (foreign.length > 0 || missing.length > 0) {
    const names = [...foreign, ...missing].slice(0, 5).map((o) => `${o.type} ${o.name}`)
    throw new PortabilityError(`${file}: its database schema is not Chromadesk's (${names.join(', ')} differ)`)
  }
}

function extract(task: Extract<BackupTask, { op: 'extract' }>): BackupWorkerResult {
  const { header, offset } = readBackupHeader(task.file)
  const input = openSync(task.file, 'r')
  const out = openSync(task.dest, 'w', 0o600)
  try {
    const sha = copyHashed(input, offset, header.payload.bytes, out, 0, 'verify')
    if (sha !== header.payload.sha256) {
      throw new PortabilityError(
        `${task.file} is damaged: its data does not match the checksum in its header (SHA-256 ${sha.slice(0, 12)}…, expected ${header.payload.sha256.slice(0, 12)}…)`
      )
    }
    fsyncSync(out)
  } finally {
    closeSync(input)
    closeSync(out)
  }
  post({ type: 'progress', phase: 'check', done: 0, total: 1 })
  let db: BetterSqlite3.Database
  try {
    db = new Database(task.dest, { fileMustExist: true })
    // Functions in the file's own schema (views, triggers) may not call anything with side effects.
    db.pragma('trusted_schema = OFF')
    db.prepare('SELECT count(*) FROM sqlite_master').get()
  } catch (e) {
    throw new PortabilityError(`${task.file}: its data is not a readable SQLite database (${(e as Error).message})`)
  }
  try {
    checkIntegrity(db, `${task.file}'s database`)
    const found = schemaVersionOf(db)
    checkSchemaVersion(found)
    if (found !== header.schema_version) {
      throw new PortabilityError(
        `${task.file}: the header says schema version ${header.schema_version}, the data holds ${found}`
      )
    }
    checkSchemaIsOurs(db, found, task.file)
    compareManifest(header.manifest, readManifest(db), task.file)
    // Older schemas move forward with the app's own migrations (each in its transaction).
    const schemaVersion = migrate(db)
    db.pragma('journal_mode = WAL')
    return { header, schemaVersion }
  } finally {
    db.close()
  }
}

async function main(): Promise<void> {
  const task = workerData as BackupTask
  try {
    const result = task.op === 'backup' ? await backup(task) : extract(task)
    post({ type: 'done', result })
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e), ours: e instanceof PortabilityError })
  }
}

void main()
