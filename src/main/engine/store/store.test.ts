import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqlite } from './connection.js'
import { RecordStore, decodeEmbedding, encodeEmbedding } from './records.js'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, currentSchemaVersion, migrate, type Migration } from './schema.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'chromadesk-store-'))
  dirs.push(d)
  return join(d, 'test.sqlite3')
}

describe('connection', () => {
  it('uses WAL with synchronous=FULL and foreign keys on a file', () => {
    const db = openSqlite(tempFile())
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(currentSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    db.close()
  })
  it('registers chroma_regex', () => {
    const db = openSqlite(null)
    expect(db.prepare("SELECT chroma_regex('^a.c$', 'abc') AS m").get()).toEqual({ m: 1 })
    expect(db.prepare("SELECT chroma_regex('^a.c$', NULL) AS m").get()).toEqual({ m: 0 })
    db.close()
  })
})

describe('migrations', () => {
  it('are ordered, versioned once, and re-running is a no-op', () => {
    const versions = MIGRATIONS.map((m) => m.version)
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
    const file = tempFile()
    openSqlite(file).close()
    const db = openSqlite(file)
    expect(db.prepare('SELECT count(*) AS n FROM schema_version').get()).toEqual({ n: MIGRATIONS.length })
    db.close()
  })
  it('applies only pending migrations, each atomically', () => {
    const db = new Database(':memory:')
    const extra: Migration[] = [
      ...MIGRATIONS,
      { version: LATEST_SCHEMA_VERSION + 1, description: 'test', sql: 'CREATE TABLE extra (x);' }
    ]
    expect(migrate(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(migrate(db, extra)).toBe(LATEST_SCHEMA_VERSION + 1)
    const broken: Migration[] = [
      ...extra,
      { version: LATEST_SCHEMA_VERSION + 2, description: 'bad', sql: 'CREATE TABLE ok2 (x); SELECT nope FROM nowhere;' }
    ]
    expect(() => migrate(db, broken)).toThrow()
    expect(currentSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION + 1)
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'ok2'").get()).toEqual({ n: 0 })
    db.close()
  })
  it('refuses a database from a newer schema', () => {
    const db = new Database(':memory:')
    migrate(db)
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(LATEST_SCHEMA_VERSION + 5, 'x')
    expect(() => migrate(db)).toThrow(/newer/)
    db.close()
  })
})

describe('records', () => {
  it('embeddings round-trip as float32 blobs', () => {
    const v = new Float32Array([0.1, -2.5, 3e-8])
    const blob = encodeEmbedding(v)
    expect(blob.byteLength).toBe(12)
    // An unaligned copy decodes too.
    const unaligned = Buffer.alloc(13)
    blob.copy(unaligned, 1)
    expect(Array.from(decodeEmbedding(unaligned.subarray(1)))).toEqual(Array.from(v))
  })
  it('metadata keeps scalar and array types, one row per element', () => {
    const db = openSqlite(null)
    db.exec(
      "INSERT INTO databases (id, name, tenant) VALUES ('d', 'db', 't'); INSERT INTO collections (id, name, database_id, configuration) VALUES ('c', 'col', 'd', '{}')"
    )
    const store = new RecordStore(db)
    const rid = store.insert(1, 'x', 'doc', null, new Float32Array([1]), 1)
    const md = { s: 'str', i: 3, f: 2.5, b: false, ss: ['b', 'a'], ii: [3, 1, 2], bb: [true, false], ff: [0.5, 1.5, 2] }
    for (const [k, v] of Object.entries(md)) store.writeMetaValue(rid, 1, k, v)
    expect(store.readMetadata(rid)).toEqual(md)
    expect(db.prepare('SELECT count(*) AS n FROM record_metadata WHERE rid = ?').get(rid)).toEqual({
      n: 4 + 2 + 3 + 2 + 3
    })
    // A number list with a fraction is a float list throughout (2 included).
    expect(db.prepare("SELECT DISTINCT vtype FROM record_metadata WHERE key = 'ff'").all()).toEqual([{ vtype: 2 }])
    store.delete(rid)
    expect(db.prepare('SELECT count(*) AS n FROM record_metadata').get()).toEqual({ n: 0 })
    db.close()
  })
  it('where filters use the (cid, key, vtype, value) index', () => {
    const db = openSqlite(null)
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT m.rid FROM record_metadata m WHERE m.cid = 1 AND m.key = 'k' AND m.vtype IN (1, 2) AND m.value > 3"
      )
      .all() as { detail: string }[]
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/record_metadata_lookup/)
    db.close()
  })
})
