// Backup and restore of a whole data directory in one file (docs/backup-format.md, decision 0060).
// The byte work (snapshot, hashing, checks) runs in the backup worker; this side plans, cancels and
// cleans up. Restoring as a database writes through the engine (decision 0061).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ChromaDatabase,
  DATABASE_FILE,
  DEFAULT_DATABASE,
  DEFAULT_TENANT,
  INDEX_DIR,
  NotFoundError,
  type Scope
} from '../engine/index.js'
import { fsyncDir } from '../engine/durable-file.js'
import { privateTempDir } from '../engine/private-temp.js'
import { validateDatabaseName, validateTenantName } from '../engine/validation.js'
import { findWorkerScript, startWorker } from '../engine/worker-entry.js'
import { readBackupHeader, type BackupManifest } from './backup-format.js'
import { backupPartials, type BackupTask, type BackupWorkerResult, type FromBackupWorker } from './backup-worker.js'
import { PortabilityError, throwIfAborted } from './types.js'

const moduleDir = path.dirname(fileURLToPath(import.meta.url))

export interface BackupProgress {
  /** snapshot, write, verify (bytes), check, records (restore as a database: records). */
  phase: string
  done: number
  total: number
}

export interface BackupRunOptions {
  signal?: AbortSignal
  onProgress?: (p: BackupProgress) => void
}

/** Runs one task in its own worker thread; an abort terminates the thread (well within a second). */
function runWorker(task: BackupTask, opts: BackupRunOptions, what: string): Promise<BackupWorkerResult> {
  const entry = findWorkerScript(moduleDir, 'backup-worker')
  if (entry === null) return Promise.reject(new Error('The backup worker script is missing from this build'))
  throwIfAborted(opts.signal, what)
  return new Promise((resolve, reject) => {
    const worker = startWorker(entry, { workerData: task })
    let outcome: { ok: true; result: BackupWorkerResult } | { ok: false; error: Error } | null = null
    const onAbort = (): void => {
      outcome ??= { ok: false, error: new PortabilityError(`${what} cancelled`) }
      void worker.terminate()
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    worker.on('message', (m: FromBackupWorker) => {
      if (m.type === 'progress') opts.onProgress?.({ phase: m.phase, done: m.done, total: m.total })
      else if (m.type === 'done') outcome ??= { ok: true, result: m.result }
      else outcome ??= { ok: false, error: m.ours ? new PortabilityError(m.message) : new Error(m.message) }
    })
    worker.on('error', (e) => (outcome ??= { ok: false, error: e }))
    // Settled on exit only, so the caller cleans up after the thread has let go of the files.
    worker.on('exit', () => {
      opts.signal?.removeEventListener('abort', onAbort)
      if (outcome === null) reject(new Error(`${what}: the backup worker stopped unexpectedly`))
      else if (outcome.ok) resolve(outcome.result)
      else reject(outcome.error)
    })
  })
}

function removeFiles(files: string[]): void {
  for (const f of files) rmSync(f, { force: true })
}

/** A SQLite file and the companions it may have next to it. */
function sqliteFiles(file: string): string[] {
  return [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]
}

export interface BackupReport extends Record<string, unknown> {
  file: string
  /** The whole file. */
  bytes: number
  /** The SQLite payload's digest. */
  sha256: string
  /** Index snapshot files carried (a meta file and an index file per collection with a snapshot) and their bytes. */
  indexFiles: number
  indexBytes: number
  tenants: number
  databases: number
  collections: number
  records: number
  seconds: number
}

/**
 * Backs up the data directory `dataDir` into `out` while whoever has it open keeps working: the
 * worker reads one consistent snapshot through its own read-only connection, and carries the index
 * snapshots taken before it (so a full restore need not rebuild the indexes). `out` appears only
 * when complete (written to `<out>.partial`, synced, renamed); a failure or cancel leaves nothing.
 */
export async function backupDataDir(
  dataDir: string,
  out: string,
  opts: BackupRunOptions & { appVersion?: string } = {}
): Promise<BackupReport> {
  const started = performance.now()
  const source = path.join(dataDir, DATABASE_FILE)
  if (!existsSync(source)) throw new PortabilityError(`${dataDir} holds no Chromadesk database (${DATABASE_FILE})`)
  const target = path.resolve(out)
  try {
    const { header } = await runWorker(
      {
        op: 'backup',
        source,
        indexDir: path.join(dataDir, INDEX_DIR),
        out: target,
        appVersion: opts.appVersion ?? 'unknown'
      },
      opts,
      'Backup'
    )
    const m = header.manifest
    const indexBytes = (header.indexes ?? []).reduce((n, e) => n + e.bytes, 0)
    return {
      file: target,
      bytes: statSync(target).size,
      sha256: header.payload.sha256,
      indexFiles: header.indexes?.length ?? 0,
      indexBytes,
      ...manifestCounts(m),
      seconds: (performance.now() - started) / 1000
    }
  } catch (e) {
    removeFiles(backupPartials(target))
    throw e
  }
}

/** What a backup holds, as both reports count it. */
function manifestCounts(m: BackupManifest) {
  return {
    tenants: m.tenants.length,
    databases: m.databases.length,
    collections: m.collections.length,
    records: m.records
  }
}

export interface RestoreReport extends Record<string, unknown> {
  file: string
  path: string
  schemaVersion: number
  tenants: number
  databases: number
  collections: number
  records: number
  seconds: number
}

/** What a directory holds, for a refusal. */
function listing(dir: string): string {
  const entries = readdirSync(dir)
  return entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '')
}

/**
 * Restores a whole data directory into `dataDir`, which must be empty or absent: the payload is
 * checked (digest, integrity, schema, manifest) in a temporary file inside it, migrated forward if
 * older, the index snapshots written to its index folder (each checked against its digest), then the
 * database renamed into place. A refused or cancelled restore leaves nothing behind.
 */
export async function restoreDataDir(
  file: string,
  dataDir: string,
  opts: BackupRunOptions = {}
): Promise<RestoreReport> {
  const started = performance.now()
  readBackupHeader(file) // refuse a foreign or truncated file before touching the directory
  const created = !existsSync(dataDir)
  if (!created && readdirSync(dataDir).length > 0) {
    throw new PortabilityError(
      `${dataDir} is not empty (${listing(dataDir)}); restore into an empty or new directory, or restore as a database (--database)`
    )
  }
  mkdirSync(dataDir, { recursive: true })
  const temp = path.join(dataDir, `.restore-${process.pid}.partial`)
  const indexDir = path.join(dataDir, INDEX_DIR)
  try {
    const { header, schemaVersion } = await runWorker({ op: 'extract', file, dest: temp, indexDir }, opts, 'Restore')
    throwIfAborted(opts.signal, 'Restore')
    renameSync(temp, path.join(dataDir, DATABASE_FILE))
    fsyncDir(dataDir)
    const m = header.manifest
    return {
      file,
      path: dataDir,
      schemaVersion,
      ...manifestCounts(m),
      seconds: (performance.now() - started) / 1000
    }
  } catch (e) {
    removeFiles(sqliteFiles(temp))
    if (created) rmSync(dataDir, { recursive: true, force: true })
    else {
      removeFiles(sqliteFiles(path.join(dataDir, DATABASE_FILE)))
      // The directory was empty: the index folder is this restore's.
      rmSync(indexDir, { recursive: true, force: true })
    }
    throw e
  }
}

export interface RestoreAsDatabaseOptions extends BackupRunOptions {
  /** The backup's database to restore, "tenant/database"; default its only one, else default_tenant/default_database. */
  from?: string
  /** Records per write (default 1,000). */
  batchSize?: number
}

export interface RestoredCollection {
  name: string
  id: string
  /** The backup's id, when the data directory already used it and the collection got `id` instead. */
  previousId?: string
  records: number
}

export interface RestoreAsDatabaseReport extends Record<string, unknown> {
  file: string
  from: string
  tenant: string
  database: string
  collections: RestoredCollection[]
  records: number
  seconds: number
}

/** The backup's database to restore as a database: named, its only one, or the default one. */
export function chooseSourceDatabase(manifest: BackupManifest, from: string | undefined, file: string): Scope {
  const names = manifest.databases.map((d) => `${d.tenant}/${d.name}`)
  let choice = from
  if (choice === undefined) {
    if (names.length === 1) choice = names[0]
    else if (names.includes(`${DEFAULT_TENANT}/${DEFAULT_DATABASE}`)) choice = `${DEFAULT_TENANT}/${DEFAULT_DATABASE}`
  }
  if (choice === undefined || !names.includes(choice)) {
    throw new PortabilityError(
      `${choice === undefined ? 'Choose the database to restore' : `${file} holds no database "${choice}"`}: it holds ${names.join(', ')}`
    )
  }
  const slash = choice.indexOf('/')
  return { tenant: choice.slice(0, slash), database: choice.slice(slash + 1) }
}

/** Refuses a target that holds collections, naming them; says whether tenant and database exist. */
function checkTarget(db: ChromaDatabase, target: Scope): { tenantExists: boolean; databaseExists: boolean } {
  validateTenantName(target.tenant)
  validateDatabaseName(target.database)
  try {
    db.getTenant(target.tenant)
  } catch (e) {
    if (e instanceof NotFoundError) return { tenantExists: false, databaseExists: false }
    throw e
  }
  try {
    db.getDatabase(target.tenant, target.database)
  } catch (e) {
    if (e instanceof NotFoundError) return { tenantExists: true, databaseExists: false }
    throw e
  }
  const names = db.listCollections(target, 6).map((c) => c.name)
  if (names.length > 0) {
    const n = db.countCollections(target)
    throw new PortabilityError(
      `${target.tenant}/${target.database} is not empty: it holds ${n} collection${n === 1 ? '' : 's'} (${names
        .slice(0, 5)
        .join(', ')}${n > 5 ? ', …' : ''}); restore into a new or empty database`
    )
  }
  return { tenantExists: true, databaseExists: true }
}

/**
 * The quick checks of a restore as a database (the file's header, the source database, the target),
 * for callers that answer before starting the long part; restoreAsDatabase makes them again.
 */
export function checkRestoreAsDatabase(db: ChromaDatabase, file: string, target: Scope, from?: string): void {
  chooseSourceDatabase(readBackupHeader(file).header.manifest, from, file)
  checkTarget(db, target)
}

/**
 * Restores one database of a backup into `db` as `target` (new or empty): every collection with its
 * configuration and metadata, every record as stored, written through the engine in batches that
 * await the index worker's room. A failure or cancel removes what it created.
 */
export async function restoreAsDatabase(
  db: ChromaDatabase,
  file: string,
  target: Scope,
  opts: RestoreAsDatabaseOptions = {}
): Promise<RestoreAsDatabaseReport> {
  const started = performance.now()
  const { header } = readBackupHeader(file)
  const source = chooseSourceDatabase(header.manifest, opts.from, file)
  const exists = checkTarget(db, target)
  const work = privateTempDir('restore')
  const batchSize = Math.max(1, opts.batchSize ?? 1000)
  const created: string[] = []
  let backup: ChromaDatabase | null = null
  try {
    await runWorker({ op: 'extract', file, dest: path.join(work, DATABASE_FILE) }, opts, 'Restore')
    backup = new ChromaDatabase({ path: work, indexWorker: false })
    const collections = backup.listCollections(source)
    const total = collections.reduce((n, c) => n + (backup as ChromaDatabase).count(c.id), 0)
    // Checked again: the target may have changed while the file was verified.
    checkTarget(db, target)
    if (!exists.tenantExists) db.createTenant(target.tenant)
    if (!exists.databaseExists) db.createDatabase(target.tenant, target.database)
    await db.settleIndexes()
    const report: RestoreAsDatabaseReport = {
      file,
      from: `${source.tenant}/${source.database}`,
      tenant: target.tenant,
      database: target.database,
      collections: [],
      records: 0,
      seconds: 0
    }
    for (const c of collections) {
      throwIfAborted(opts.signal, 'Restore')
      const model = db.createCollection(
        target,
        { name: c.name, metadata: c.metadata, configuration: c.configuration_json, schema: c.schema },
        { preferId: c.id, stored: true }
      )
      created.push(model.name)
      const entry: RestoredCollection = { name: c.name, id: model.id, records: 0 }
      if (model.id !== c.id) entry.previousId = c.id
      report.collections.push(entry)
      for (let offset = 0; ; offset += batchSize) {
        throwIfAborted(opts.signal, 'Restore')
        const r = backup.get(c.id, {
          limit: batchSize,
          offset,
          include: ['embeddings', 'documents', 'metadatas', 'uris']
        })
        if (r.ids.length === 0) break
        await db.addWhenRoom(model.id, {
          ids: r.ids,
          embeddings: (r.embeddings ?? []).map((e) => Float32Array.from(e)),
          documents: r.documents ?? null,
          metadatas: r.metadatas ?? null,
          uris: r.uris ?? null
        })
        entry.records += r.ids.length
        report.records += r.ids.length
        opts.onProgress?.({ phase: 'records', done: report.records, total })
        if (r.ids.length < batchSize) break
      }
    }
    report.seconds = (performance.now() - started) / 1000
    return report
  } catch (e) {
    // Leave the target as it was: drop what this restore created (a tenant it created stays, empty).
    for (const name of created) {
      try {
        db.deleteCollection(target, name)
      } catch {
        // already gone
      }
    }
    if (!exists.databaseExists) {
      try {
        // Visible while the restore ran: a collection someone else created in it meanwhile stays.
        if (db.countCollections(target) === 0) db.deleteDatabase(target.tenant, target.database)
      } catch {
        // not created yet
      }
    }
    throw e
  } finally {
    await backup?.closeAsync()
    rmSync(work, { recursive: true, force: true })
  }
}
