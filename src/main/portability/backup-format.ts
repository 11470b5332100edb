// The backup file (docs/backup-format.md): one line of JSON (format, versions, the payload's length and
// SHA-256, a manifest of what it holds, the index files it carries) followed by the bytes of a SQLite
// snapshot of the data directory, then those of each index file.
// Shared by the backup worker (writes and checks) and the main side (reads the header to plan a restore).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import type BetterSqlite3 from 'better-sqlite3'
import { LATEST_SCHEMA_VERSION } from '../engine/store/schema.js'
import { parseSnapshotFileName } from '../engine/vector-index/snapshot-files.js'
import { PortabilityError } from './types.js'

export const BACKUP_FORMAT_ID = 'chromadesk-backup'
/** Version 2 added index files after the payload; version 1 files (none) are still read. */
export const BACKUP_FORMAT_VERSION = 2
const READABLE_VERSIONS = [1, 2]
/** A header longer than this is not ours (a manifest of 100,000 collections is about 15 MB). */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024
/** Written first and replaced by the real digest once the payload has been hashed while copied. */
export const SHA256_PLACEHOLDER = '0'.repeat(64)

export interface ManifestCollection {
  id: string
  name: string
  tenant: string
  database: string
  count: number
  dimension: number | null
}

export interface BackupManifest {
  tenants: string[]
  databases: { tenant: string; name: string; collections: number }[]
  collections: ManifestCollection[]
  records: number
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT_ID
  version: number
  created_at: string
  app_version: string
  schema_version: number
  manifest: BackupManifest
  /** The index snapshot files that follow the payload, in this order (version 2; absent in version 1). */
  indexes?: IndexEntry[]
  /** Last, so the placeholder digest is the last occurrence in the line. */
  payload: { kind: 'sqlite'; bytes: number; sha256: string }
}

/** One index snapshot file (index/<name> in the data directory) carried after the payload. */
export interface IndexEntry {
  name: string
  bytes: number
  sha256: string
}

/** What the snapshot holds, read in a fixed order so two reads of the same data compare equal. */
export function readManifest(db: BetterSqlite3.Database): BackupManifest {
  const tenants = db.prepare('SELECT name FROM tenants ORDER BY name').pluck().all() as string[]
  const databases = db
    .prepare(
      `SELECT d.tenant AS tenant, d.name AS name, (SELECT count(*) FROM collections c WHERE c.database_id = d.id) AS collections
       FROM databases d ORDER BY d.tenant, d.name`
    )
    .all() as BackupManifest['databases']
  const collections = db
    .prepare(
      `SELECT c.id AS id, c.name AS name, d.tenant AS tenant, d.name AS database,
              (SELECT count(*) FROM records r WHERE r.cid = c.cid) AS count, c.dimension AS dimension
       FROM collections c JOIN databases d ON d.id = c.database_id ORDER BY d.tenant, d.name, c.name`
    )
    .all() as ManifestCollection[]
  return { tenants, databases, collections, records: collections.reduce((n, c) => n + c.count, 0) }
}

export function schemaVersionOf(db: BetterSqlite3.Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get()
  if (!exists) throw new PortabilityError('The backup holds no Chromadesk database (no schema_version table)')
  return ((db.prepare('SELECT max(version) FROM schema_version').pluck().get() as number | null) ?? 0) | 0
}

/** Refuses a schema this build cannot migrate (a newer app wrote it). */
export function checkSchemaVersion(version: number): void {
  if (version > LATEST_SCHEMA_VERSION) {
    throw new PortabilityError(
      `The backup's database schema is version ${version}, newer than this app reads (${LATEST_SCHEMA_VERSION}); restore it with a newer Chromadesk`
    )
  }
}

/** Runs SQLite's integrity check; throws with the first problems it names. */
export function checkIntegrity(db: BetterSqlite3.Database, what: string): void {
  const rows = db.pragma('integrity_check(5)', { simple: false }) as { integrity_check: string }[]
  const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok')
  if (problems.length > 0) throw new PortabilityError(`${what} failed SQLite's integrity check: ${problems.join('; ')}`)
}

export function headerLine(h: BackupHeader): Buffer {
  return Buffer.from(JSON.stringify(h) + '\n', 'utf8')
}

export interface OpenedBackup {
  header: BackupHeader
  /** Where the payload starts. */
  offset: number
  /** The whole file's size. */
  size: number
  /** The index files after the payload, names checked (empty for version 1). */
  indexes: IndexEntry[]
}

/**
 * The header's index entries, each name exactly a snapshot file name of a collection in the manifest
 * (never a path), once each, with a length and a digest; a version 1 file has none.
 */
function checkIndexEntries(header: BackupHeader, file: string): IndexEntry[] {
  if (header.version === 1) {
    if (header.indexes !== undefined) throw damagedIndexes(file, 'a version 1 file carries none')
    return []
  }
  const list: unknown = header.indexes
  if (!Array.isArray(list)) throw damagedIndexes(file, 'the list is missing')
  const collections = new Set(header.manifest.collections.map((c) => c.id))
  const seen = new Set<string>()
  for (const e of list as Partial<IndexEntry>[]) {
    const parsed = typeof e?.name === 'string' ? parseSnapshotFileName(e.name) : null
    if (parsed === null || e.name === undefined) {
      throw damagedIndexes(file, `${JSON.stringify(e?.name)} is not an index file name`)
    }
    if (!collections.has(parsed.collectionId)) throw damagedIndexes(file, `${e.name} names no collection it holds`)
    if (seen.has(e.name)) throw damagedIndexes(file, `${e.name} appears twice`)
    seen.add(e.name)
    if (!Number.isSafeInteger(e.bytes) || (e.bytes as number) < 0 || !/^[0-9a-f]{64}$/.test(String(e.sha256))) {
      throw damagedIndexes(file, `${e.name} has no valid length or SHA-256`)
    }
  }
  return list as IndexEntry[]
}

const damagedIndexes = (file: string, why: string): PortabilityError =>
  new PortabilityError(`${file}: the backup's header is damaged (index files: ${why})`)

const notOurs = (file: string, why: string): PortabilityError =>
  new PortabilityError(`${file} is not a Chromadesk backup (${why})`)

/** Reads and checks the header line and the file's length; the payload's digest is checked while copying. */
export function readBackupHeader(file: string): OpenedBackup {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    if (size === 0) throw notOurs(file, 'the file is empty')
    const chunk = Buffer.alloc(64 * 1024)
    const parts: Buffer[] = []
    let read = 0
    let end = -1
    while (end < 0) {
      const n = readSync(fd, chunk, 0, chunk.length, read)
      if (n === 0) throw notOurs(file, 'no header line')
      const at = chunk.subarray(0, n).indexOf(0x0a)
      if (read === 0 && chunk[0] !== 0x7b) throw notOurs(file, 'it does not start with a JSON header')
      parts.push(Buffer.from(chunk.subarray(0, at < 0 ? n : at)))
      if (at >= 0) end = read + at
      read += n
      if (end < 0 && read > MAX_HEADER_BYTES) throw notOurs(file, 'no header line in its first 64 MiB')
    }
    let h: unknown
    try {
      h = JSON.parse(Buffer.concat(parts).toString('utf8'))
    } catch {
      throw notOurs(file, 'its header is not JSON')
    }
    const header = h as BackupHeader
    if (typeof h !== 'object' || h === null || header.format !== BACKUP_FORMAT_ID) {
      throw notOurs(file, `its header has no "format": "${BACKUP_FORMAT_ID}"`)
    }
    if (!READABLE_VERSIONS.includes(header.version)) {
      throw new PortabilityError(
        `${file}: backup format version ${String(header.version)} is not supported (this build reads versions ${READABLE_VERSIONS.join(' and ')})`
      )
    }
    const p = header.payload
    const m = header.manifest
    if (
      !Number.isInteger(header.schema_version) ||
      typeof p !== 'object' ||
      p === null ||
      p.kind !== 'sqlite' ||
      !Number.isSafeInteger(p.bytes) ||
      p.bytes <= 0 ||
      typeof p.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(p.sha256) ||
      typeof m !== 'object' ||
      m === null ||
      !Array.isArray(m.tenants) ||
      !Array.isArray(m.databases) ||
      !Array.isArray(m.collections) ||
      !Number.isInteger(m.records)
    ) {
      throw new PortabilityError(`${file}: the backup's header is damaged (payload or manifest fields missing)`)
    }
    checkSchemaVersion(header.schema_version)
    const indexes = checkIndexEntries(header, file)
    const offset = end + 1
    const announced = p.bytes + indexes.reduce((n, e) => n + e.bytes, 0)
    const what = indexes.length > 0 ? `payload and index bytes` : 'payload bytes'
    if (size < offset + announced) {
      throw new PortabilityError(
        `${file} is truncated: it holds ${size - offset} of the ${announced} ${what} its header announces`
      )
    }
    if (size > offset + announced) {
      throw new PortabilityError(`${file} is damaged: ${size - offset - announced} bytes follow the announced ${what}`)
    }
    return { header, offset, size, indexes }
  } finally {
    closeSync(fd)
  }
}

/** Compares what a snapshot holds with the header's manifest; names the first difference. */
export function compareManifest(expected: BackupManifest, actual: BackupManifest, file: string): void {
  const a = JSON.stringify(expected)
  const b = JSON.stringify(actual)
  if (a === b) return
  let why = 'tenants, databases or collections differ'
  if (expected.records !== actual.records)
    why = `the header announces ${expected.records} records, the data holds ${actual.records}`
  else if (expected.collections.length !== actual.collections.length)
    why = `the header announces ${expected.collections.length} collections, the data holds ${actual.collections.length}`
  throw new PortabilityError(`${file}: the backup's manifest does not match its data (${why})`)
}
