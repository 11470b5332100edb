// The backup worker thread: the copying and checking of backups, off the main thread. One task per
// worker (workerData), progress and the result posted back; a cancel terminates the thread and the
// main side removes the partial files (backup.ts).
//   backup:  first opens each collection's current index snapshot files (their contents then stay
//            fixed), then a second, read-only connection to the live database pins one WAL snapshot
//            (BEGIN and a read) and copies it with SQLite's online backup, while the app keeps
//            writing; the copy is checked (integrity, manifest) and written after a header line,
//            hashed as it is copied, followed by the index files of the collections it holds.
//   extract: checks a backup's header, copies its payload out while hashing it, checks the digest,
//            SQLite's integrity, the schema version (migrating an older one) and the manifest; for a
//            full restore it then writes the index files, each checked against its digest.
import { createHash } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync
} from 'node:fs'
import { dirname, join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'
import { fsyncDir } from '../engine/durable-file.js'
import { loadNative } from '../engine/native.js'
import { MIGRATIONS, migrate } from '../engine/store/schema.js'
import { metaPath, parseSnapshotFileName, type MetaEnvelope } from '../engine/vector-index/snapshot-files.js'
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
  type BackupHeader,
  type IndexEntry
} from './backup-format.js'
import { PortabilityError } from './types.js'

const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')

export type BackupTask =
  | { op: 'backup'; source: string; indexDir: string; out: string; appVersion: string }
  /** `indexDir`: where a full restore writes the index files; without it they are skipped. */
  | { op: 'extract'; file: string; dest: string; indexDir?: string }

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

/** Progress of one phase that may span several copies: `base` bytes of `total` were done before this one. */
interface PhaseProgress {
  phase: string
  base: number
  total: number
}

/**
 * Copies `length` bytes of `from` at `offset` to `to` at `toOffset` (to null: only hashes), hashing
 * them; progress per chunk.
 */
function copyHashed(
  fromFd: number,
  offset: number,
  length: number,
  toFd: number | null,
  toOffset: number,
  progress: PhaseProgress | null
): string {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(length, 1)))
  let done = 0
  while (done < length) {
    const n = readSync(fromFd, buf, 0, Math.min(buf.length, length - done), offset + done)
    if (n === 0) throw new PortabilityError('The file ended early while being copied')
    hash.update(buf.subarray(0, n))
    let w = 0
    if (toFd !== null) while (w < n) w += writeSync(toFd, buf, w, n - w, toOffset + done + w)
    done += n
    if (progress) post({ type: 'progress', phase: progress.phase, done: progress.base + done, total: progress.total })
  }
  return hash.digest('hex')
}

/** An index snapshot file captured for a backup: a meta file's bytes, or an open index file. */
interface CapturedFile {
  collectionId: string
  entry: IndexEntry
  data: Buffer | null
  fd: number | null
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT'

/**
 * The collection's current snapshot: its meta file read whole, the index file it names opened (its
 * name is never reused, so the open file's bytes stay those the meta describes even if a newer
 * snapshot replaces and removes it). A snapshot replaced between the two reads is read again; one
 * that is missing, unreadable or keeps changing is left out (the engine rebuilds that index).
 */
function captureSnapshot(dir: string, collectionId: string): CapturedFile[] {
  for (let attempt = 0; attempt < 5; attempt++) {
    let data: Buffer
    try {
      data = readFileSync(metaPath(dir, collectionId))
    } catch (e) {
      if (isMissing(e)) return []
      throw e
    }
    let indexFile: unknown
    try {
      indexFile = (JSON.parse(data.toString('utf8')) as MetaEnvelope).meta.indexFile
    } catch {
      return []
    }
    const meta: CapturedFile = {
      collectionId,
      entry: { name: `${collectionId}.meta.json`, bytes: data.length, sha256: sha256(data) },
      data,
      fd: null
    }
    if (indexFile === null) return [meta]
    const parsed = typeof indexFile === 'string' ? parseSnapshotFileName(indexFile) : null
    if (parsed === null || parsed.meta || parsed.collectionId !== collectionId) return []
    let fd: number
    try {
      fd = openSync(join(dir, indexFile as string), 'r')
    } catch (e) {
      if (isMissing(e)) continue // replaced meanwhile: read the new meta
      throw e
    }
    try {
      const bytes = fstatSync(fd).size
      const index: CapturedFile = {
        collectionId,
        entry: { name: indexFile as string, bytes, sha256: copyHashed(fd, 0, bytes, null, 0, null) },
        data: null,
        fd
      }
      return [meta, index]
    } catch (e) {
      closeSync(fd)
      throw e
    }
  }
  return []
}

/** Every collection's current snapshot files in `dir` (none when it does not exist). */
function captureIndexes(dir: string): CapturedFile[] {
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch (e) {
    if (isMissing(e)) return []
    throw e
  }
  const captured: CapturedFile[] = []
  try {
    for (const name of names) {
      const file = parseSnapshotFileName(name)
      if (file?.meta) captured.push(...captureSnapshot(dir, file.collectionId))
    }
  } catch (e) {
    releaseCaptured(captured)
    throw e
  }
  return captured
}

function releaseCaptured(files: CapturedFile[]): void {
  for (const f of files) if (f.fd !== null) closeSync(f.fd)
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

async function backup(task: Extract<BackupTask, { op: 'backup' }>): Promise<BackupWorkerResult> {
  // Before the SQLite snapshot, so every index file covers at most what it holds (reconcile replays
  // the rest after a restore; an index newer than its database must never happen).
  const captured = captureIndexes(task.indexDir)
  try {
    return await backupWith(task, captured)
  } finally {
    releaseCaptured(captured)
  }
}

async function backupWith(
  task: Extract<BackupTask, { op: 'backup' }>,
  captured: CapturedFile[]
): Promise<BackupWorkerResult> {
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
      indexes: [],
      payload: { kind: 'sqlite', bytes: 0, sha256: SHA256_PLACEHOLDER }
    }
  } finally {
    copy.close()
  }
  header.payload.bytes = statSync(snapshot).size
  // A collection deleted before the SQLite snapshot leaves its captured files out.
  const held = new Set(header.manifest.collections.map((c) => c.id))
  const files = captured.filter((f) => held.has(f.collectionId))
  header.indexes = files.map((f) => f.entry)

  const line = headerLine(header)
  const digestAt = line.lastIndexOf(SHA256_PLACEHOLDER)
  const out = openSync(partial, 'w', 0o600)
  const input = openSync(snapshot, 'r')
  try {
    writeSync(out, line, 0, line.length, 0)
    const bytes = header.payload.bytes
    const sha = copyHashed(input, 0, bytes, out, line.length, { phase: 'write', base: 0, total: bytes })
    writeSync(out, Buffer.from(sha, 'ascii'), 0, 64, digestAt)
    header.payload.sha256 = sha
    writeIndexes(files, out, line.length + bytes)
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

/** Appends the captured index files at `at`, each hashed again as copied: it must still be what the header says. */
function writeIndexes(files: CapturedFile[], out: number, at: number): void {
  const progress: PhaseProgress = { phase: 'indexes', base: 0, total: files.reduce((n, f) => n + f.entry.bytes, 0) }
  for (const f of files) {
    if (f.data !== null) {
      writeAll(out, f.data, at)
    } else if (copyHashed(f.fd as number, 0, f.entry.bytes, out, at, progress) !== f.entry.sha256) {
      throw new PortabilityError(`The index file ${f.entry.name} changed while it was being backed up; try again`)
    }
    at += f.entry.bytes
    progress.base += f.entry.bytes
  }
}

function writeAll(fd: number, data: Buffer, at: number): void {
  let w = 0
  while (w < data.length) w += writeSync(fd, data, w, data.length - w, at + w)
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
  const { header, offset, indexes } = readBackupHeader(task.file)
  const result = extractDatabase(task, header, offset)
  if (task.indexDir !== undefined) restoreIndexes(task.file, offset + header.payload.bytes, indexes, task.indexDir)
  return result
}

/**
 * Writes the index files into `dir` (a new folder of the data directory being restored), each hashed
 * as it is copied; a mismatch refuses the whole restore (the caller removes the folder). Names were
 * checked with the header: exactly a snapshot file name of a collection the backup holds.
 */
function restoreIndexes(file: string, at: number, entries: IndexEntry[], dir: string): void {
  if (entries.length === 0) return
  mkdirSync(dir, { recursive: true })
  const progress: PhaseProgress = { phase: 'indexes', base: 0, total: entries.reduce((n, e) => n + e.bytes, 0) }
  const input = openSync(file, 'r')
  try {
    for (const e of entries) {
      const out = openSync(join(dir, e.name), 'wx', 0o600)
      try {
        const sha = copyHashed(input, at, e.bytes, out, 0, progress)
        if (sha !== e.sha256) {
          throw new PortabilityError(
            `${file} is damaged: its index file ${e.name} does not match the checksum in its header (SHA-256 ${sha.slice(0, 12)}…, expected ${e.sha256.slice(0, 12)}…)`
          )
        }
        fsyncSync(out)
      } finally {
        closeSync(out)
      }
      at += e.bytes
      progress.base += e.bytes
    }
  } finally {
    closeSync(input)
  }
  fsyncDir(dir)
}

function extractDatabase(
  task: Extract<BackupTask, { op: 'extract' }>,
  header: BackupHeader,
  offset: number
): BackupWorkerResult {
  const input = openSync(task.file, 'r')
  const out = openSync(task.dest, 'w', 0o600)
  try {
    const bytes = header.payload.bytes
    const sha = copyHashed(input, offset, bytes, out, 0, { phase: 'verify', base: 0, total: bytes })
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
