// Backup and restore against real data directories: the file's checks, exact round trips (every
// field compared as SQLite stores it), a writer during the backup, restore as a database, cancel.
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChromaDatabase, DATABASE_FILE, type Scope } from '../engine/index.js'
import { hnswParams } from '../engine/config.js'
import { RecordStore } from '../engine/store/records.js'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from '../engine/store/schema.js'
import { openIndex } from '../engine/vector-index/snapshot.js'
import type { OpenIndexResult } from '../engine/vector-index/types.js'
import { backupDataDir, restoreAsDatabase, restoreDataDir } from './backup.js'
import { readBackupHeader } from './backup-format.js'
import { makeRecords } from './testing.js'
import { PortabilityError } from './types.js'

let root: string
let opened: ChromaDatabase[] = []

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chromadesk-backup-test-'))
})

afterEach(async () => {
  for (const db of opened) await db.closeAsync()
  opened = []
  rmSync(root, { recursive: true, force: true })
})

function openDb(name: string): ChromaDatabase {
  const db = new ChromaDatabase({ path: join(root, name) })
  opened.push(db)
  return db
}

const CONFIG = {
  hnsw: { space: 'ip' as const, ef_construction: 111, ef_search: 33, max_neighbors: 9 },
  embedding_function: { type: 'known', name: 'default', config: {} }
}

async function seedCollection(
  db: ChromaDatabase,
  scope: Scope,
  name: string,
  count: number,
  dim: number,
  seed: number
) {
  const col = db.createCollection(scope, {
    name,
    metadata: { owner: 'me', n: 3, r: 0.25, ok: true },
    configuration: CONFIG
  })
  const t = makeRecords(count, dim, seed)
  for (let s = 0; s < count; s += 500) {
    const e = Math.min(count, s + 500)
    await db.writeWhenRoom(col.id, () =>
      db.add(col.id, {
        ids: t.ids.slice(s, e),
        embeddings: t.embeddings.slice(s, e),
        documents: t.documents.slice(s, e),
        metadatas: t.metadatas.slice(s, e),
        uris: t.uris.slice(s, e)
      })
    )
  }
  return col
}

/** Tenants team1 and the default; three databases; four collections, one empty. */
async function seedDir(name: string): Promise<ChromaDatabase> {
  const db = openDb(name)
  const main: Scope = { tenant: 'default_tenant', database: 'default_database' }
  await seedCollection(db, main, 'alpha', 300, 16, 1)
  await seedCollection(db, main, 'beta', 120, 4, 2)
  db.createCollection(main, { name: 'empty' })
  db.createTenant('team1')
  db.createDatabase('team1', 'other')
  db.createDatabase('team1', 'blank')
  await seedCollection(db, { tenant: 'team1', database: 'other' }, 'gamma', 50, 3, 3)
  return db
}

/** Everything a data directory holds, as SQLite stores it (embeddings as hex, metadata with its types). */
function dump(file: string, opts: { ids?: boolean; scope?: Scope } = {}): unknown {
  const db = new Database(file, { readonly: true })
  try {
    const where = opts.scope ? `WHERE d.tenant = '${opts.scope.tenant}' AND d.name = '${opts.scope.database}'` : ''
    const collections = db
      .prepare(
        `SELECT c.cid, c.id, ${opts.scope ? '' : "d.tenant || '/' || d.name AS db,"} c.name, c.metadata, c.configuration, c.dimension
         FROM collections c JOIN databases d ON d.id = c.database_id ${where} ORDER BY c.name`
      )
      .all() as { cid: number; id: string; name: string }[]
    return {
      ...(opts.scope
        ? {}
        : {
            tenants: db.prepare('SELECT name, resource_name FROM tenants ORDER BY name').all(),
            databases: db.prepare('SELECT tenant, name FROM databases ORDER BY tenant, name').all()
          }),
      collections: collections.map(({ cid, id, ...c }) => ({
        ...c,
        ...(opts.ids === false ? {} : { id }),
        records: db
          .prepare(
            `SELECT id, document, uri, hex(embedding) AS embedding,
               (SELECT group_concat(key || ':' || ord || ':' || vtype || ':' || typeof(value) || ':' || quote(value), '|')
                FROM (SELECT * FROM record_metadata m WHERE m.rid = r.rid ORDER BY key, ord)) AS metadata
             FROM records r WHERE cid = ? ORDER BY id`
          )
          .all(cid)
      }))
    }
  } finally {
    db.close()
  }
}

async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e
  )
  expect(err, 'expected a rejection').toBeInstanceOf(PortabilityError)
  expect((err as Error).message).toMatch(message)
}

describe('backup and full restore', () => {
  it('reproduces every tenant, database, collection and record exactly', async () => {
    const db = await seedDir('src')
    const out = join(root, 'all.backup')
    const report = await backupDataDir(join(root, 'src'), out)
    expect(report).toMatchObject({ tenants: 2, databases: 3, collections: 4, records: 470 })
    expect(readdirSync(root).sort()).toEqual(['all.backup', 'src'])
    const header = readBackupHeader(out).header
    expect(
      header.manifest.collections.map((c) => `${c.tenant}/${c.database}/${c.name}:${c.count}:${c.dimension}`)
    ).toEqual([
      'default_tenant/default_database/alpha:300:16',
      'default_tenant/default_database/beta:120:4',
      'default_tenant/default_database/empty:0:null',
      'team1/other/gamma:50:3'
    ])
    await db.closeAsync()

    const restored = await restoreDataDir(out, join(root, 'dst'))
    expect(restored).toMatchObject({ records: 470, collections: 4, schemaVersion: LATEST_SCHEMA_VERSION })
    expect(readdirSync(join(root, 'dst'))).toEqual([DATABASE_FILE])
    expect(dump(join(root, 'dst', DATABASE_FILE))).toEqual(dump(join(root, 'src', DATABASE_FILE)))
    // The engine opens it and answers queries (the index is rebuilt from SQLite).
    const back = openDb('dst')
    const alpha = back.getCollection({ tenant: 'default_tenant', database: 'default_database' }, 'alpha')
    const got = back.get(alpha.id, { ids: ['rec-0-0'], include: ['embeddings'] })
    expect(got.ids.length).toBeLessThanOrEqual(1)
    const q = back.query(alpha.id, { query_embeddings: [new Float32Array(16).fill(0.5)], n_results: 3 })
    expect(q.ids[0]).toHaveLength(3)
  })

  it('keeps one consistent snapshot while a writer commits during the backup', async () => {
    const db = openDb('live')
    const scope: Scope = { tenant: 'default_tenant', database: 'default_database' }
    await seedCollection(db, scope, 'bulk', 5_000, 64, 4)
    const log = db.createCollection(scope, { name: 'log' })
    let n = 0
    let stop = false
    const writer = (async () => {
      while (!stop) {
        db.add(log.id, { ids: [`w-${n}`], embeddings: [Float32Array.of(n, 1)] })
        n++
        await new Promise((r) => setImmediate(r))
      }
    })()
    const before = n
    const out = join(root, 'live.backup')
    await backupDataDir(join(root, 'live'), out)
    stop = true
    await writer
    expect(n - before, 'writes committed during the backup').toBeGreaterThan(0)
    await restoreDataDir(out, join(root, 'copy'))
    const copy = new Database(join(root, 'copy', DATABASE_FILE), { readonly: true })
    try {
      const ids = copy
        .prepare("SELECT r.id FROM records r JOIN collections c ON c.cid = r.cid WHERE c.name = 'log' ORDER BY r.rid")
        .pluck()
        .all() as string[]
      // Exactly a prefix of the writes: no gap, nothing half-written.
      expect(ids).toEqual(ids.map((_, i) => `w-${i}`))
      expect(ids.length).toBeLessThanOrEqual(n)
      expect(copy.prepare('SELECT count(*) FROM records').pluck().get()).toBe(5_000 + ids.length)
    } finally {
      copy.close()
    }
  })

  it('migrates an older schema forward and refuses a non-empty directory', async () => {
    const dir = join(root, 'old')
    mkdirSync(dir)
    const old = new Database(join(dir, DATABASE_FILE))
    migrate(old, MIGRATIONS.slice(0, 2))
    old.prepare("INSERT INTO tenants (name) VALUES ('default_tenant')").run()
    old.close()
    const out = join(root, 'old.backup')
    await backupDataDir(dir, out)
    expect(readBackupHeader(out).header.schema_version).toBe(2)
    const restored = await restoreDataDir(out, join(root, 'new'))
    expect(restored.schemaVersion).toBe(LATEST_SCHEMA_VERSION)
    await rejects(restoreDataDir(out, dir), /is not empty \(chromadesk\.sqlite3/)
  })

  it('cancels a backup within a second and leaves no file', async () => {
    const db = openDb('big')
    await seedCollection(db, { tenant: 'default_tenant', database: 'default_database' }, 'big', 5_000, 128, 5)
    const ac = new AbortController()
    const out = join(root, 'cancelled.backup')
    let abortedAt = 0
    const p = backupDataDir(join(root, 'big'), out, {
      signal: ac.signal,
      onProgress: () => {
        if (abortedAt > 0) return
        abortedAt = performance.now()
        ac.abort()
      }
    })
    await rejects(p, /Backup cancelled/)
    expect(performance.now() - abortedAt).toBeLessThan(1000)
    expect(readdirSync(root)).toEqual(['big'])
  })
})

describe('damaged and foreign files', () => {
  let good: string
  beforeEach(async () => {
    const db = openDb('src')
    await seedCollection(db, { tenant: 'default_tenant', database: 'default_database' }, 'coll', 200, 8, 6)
    good = join(root, 'good.backup')
    await backupDataDir(join(root, 'src'), good)
  })

  function variant(name: string, change: (b: Buffer) => Buffer): string {
    const f = join(root, name)
    writeFileSync(f, change(readFileSync(good)))
    return f
  }

  const headerEnd = (b: Buffer): number => b.indexOf(0x0a) + 1

  it('refuses a flipped byte in the data, naming the checksum, and leaves nothing', async () => {
    const f = variant('flipped.backup', (b) => {
      const at = headerEnd(b) + Math.floor((b.length - headerEnd(b)) / 2)
      b[at] = (b[at] as number) ^ 0x20
      return b
    })
    await rejects(restoreDataDir(f, join(root, 'x')), /is damaged: its data does not match the checksum/)
    expect(existsSync(join(root, 'x'))).toBe(false)
    const db = openDb('live')
    await rejects(restoreAsDatabase(db, f, { tenant: 'default_tenant', database: 'fresh' }), /checksum/)
    expect(db.listDatabases('default_tenant').map((d) => d.name)).toEqual(['default_database'])
  })

  it('refuses a truncated file, trailing bytes, a foreign file, an empty one', async () => {
    await rejects(
      restoreDataDir(
        variant('t.backup', (b) => b.subarray(0, b.length - 100)),
        join(root, 'x')
      ),
      /is truncated: it holds/
    )
    await rejects(
      restoreDataDir(
        variant('l.backup', (b) => Buffer.concat([b, Buffer.from('xx')])),
        join(root, 'x')
      ),
      /2 bytes follow/
    )
    await rejects(
      restoreDataDir(
        variant('f.backup', () => Buffer.from('PK\x03\x04 zip')),
        join(root, 'x')
      ),
      /is not a Chromadesk backup/
    )
    await rejects(
      restoreDataDir(
        variant('e.backup', () => Buffer.alloc(0)),
        join(root, 'x')
      ),
      /the file is empty/
    )
    await rejects(
      restoreDataDir(
        variant('j.backup', () => Buffer.from('{"format":"chromadesk-collection"}\n')),
        join(root, 'x')
      ),
      /no "format": "chromadesk-backup"/
    )
    expect(existsSync(join(root, 'x'))).toBe(false)
  })

  it('refuses a newer schema and a manifest that does not match the data', async () => {
    const rewrite = (change: (h: Record<string, unknown>) => void) => (b: Buffer) => {
      const end = headerEnd(b)
      const h = JSON.parse(b.subarray(0, end).toString()) as Record<string, unknown>
      change(h)
      return Buffer.concat([Buffer.from(JSON.stringify(h) + '\n'), b.subarray(end)])
    }
    const newer = variant(
      'n.backup',
      rewrite((h) => (h.schema_version = LATEST_SCHEMA_VERSION + 1))
    )
    await rejects(restoreDataDir(newer, join(root, 'x')), /newer than this app reads/)
    const lying = variant(
      'm.backup',
      rewrite((h) => {
        const m = h.manifest as { records: number }
        m.records += 1
      })
    )
    await rejects(
      restoreDataDir(lying, join(root, 'x')),
      /manifest does not match its data \(the header announces 201 records, the data holds 200\)/
    )
    expect(existsSync(join(root, 'x'))).toBe(false)
  })
})

describe('restore as a database', () => {
  it('recreates one database exactly; keeps free ids, gives new ones when taken; refuses a non-empty target', async () => {
    const db = await seedDir('src')
    const out = join(root, 'all.backup')
    await backupDataDir(join(root, 'src'), out)
    const main: Scope = { tenant: 'default_tenant', database: 'default_database' }
    const src = join(root, 'src', DATABASE_FILE)

    // Into the same directory: the ids are taken, so the copies get new ones.
    await rejects(
      restoreAsDatabase(db, out, main),
      /default_tenant\/default_database is not empty: it holds 3 collections \((alpha|beta|empty), (alpha|beta|empty), (alpha|beta|empty)\); restore into a new or empty database/
    )
    await rejects(
      restoreAsDatabase(db, out, { tenant: 'default_tenant', database: 'copy' }, { from: 'nope/none' }),
      /holds no database "nope\/none": it holds default_tenant\/default_database, team1\/blank, team1\/other/
    )
    // Several databases in the file: the default one is restored unless --from names another.
    const report = await restoreAsDatabase(db, out, { tenant: 'default_tenant', database: 'copy' })
    expect(report.records).toBe(420)
    expect(report.collections.every((c) => c.previousId !== undefined && c.previousId !== c.id)).toBe(true)
    await db.settleIndexes()
    db.flushSnapshots()
    const copyScope = { tenant: 'default_tenant', database: 'copy' }
    expect(dump(src, { scope: copyScope, ids: false })).toEqual(dump(src, { scope: main, ids: false }))

    // Into another directory (new tenant): the ids are free and kept.
    const other = openDb('other')
    const r2 = await restoreAsDatabase(other, out, { tenant: 'newteam', database: 'gdb' }, { from: 'team1/other' })
    expect(r2.collections.map((c) => [c.name, c.records, c.previousId])).toEqual([['gamma', 50, undefined]])
    await other.settleIndexes()
    expect(dump(join(root, 'other', DATABASE_FILE), { scope: { tenant: 'newteam', database: 'gdb' } })).toEqual(
      dump(src, { scope: { tenant: 'team1', database: 'other' } })
    )
    const gamma = other.getCollection({ tenant: 'newteam', database: 'gdb' }, 'gamma')
    expect(other.query(gamma.id, { query_embeddings: [Float32Array.of(1, 0, 0)], n_results: 50 }).ids[0]).toHaveLength(
      50
    )
  })

  it("keeps a collection's schema: echoed, configuration unchanged, switches honoured", async () => {
    const db = openDb('with-schema')
    const main: Scope = { tenant: 'default_tenant', database: 'default_database' }
    const schema = {
      defaults: { float_list: { vector_index: { enabled: true, config: { space: 'cosine' } } } },
      keys: { '#document': { string: { fts_index: { enabled: false, config: {} } } } }
    }
    const made = db.createCollection(main, { name: 'kept', schema })
    await db.writeWhenRoom(made.id, () =>
      db.add(made.id, { ids: ['a'], embeddings: [Float32Array.of(1, 0)], documents: ['red apple'] })
    )
    const out = join(root, 'schema.backup')
    await backupDataDir(join(root, 'with-schema'), out)
    const copyScope = { tenant: 'default_tenant', database: 'copy' }
    await restoreAsDatabase(db, out, copyScope)
    const copy = db.getCollection(copyScope, 'kept')
    expect(copy.schema).toEqual(schema)
    expect(copy.configuration_json).toEqual(made.configuration_json)
    expect(copy.configuration_json.hnsw.space).toBe('cosine')
    expect(() => db.get(copy.id, { where_document: { $contains: 'apple' } })).toThrow(/FTS indexing is disabled/)
    expect(db.get(copy.id, {}).ids).toEqual(['a'])
  })

  it('a cancelled restore leaves the target as it was', async () => {
    const db = await seedDir('src')
    const out = join(root, 'all.backup')
    await backupDataDir(join(root, 'src'), out)
    const target = openDb('target')
    const ac = new AbortController()
    const p = restoreAsDatabase(
      target,
      out,
      { tenant: 'default_tenant', database: 'default_database' },
      {
        batchSize: 50,
        signal: ac.signal,
        onProgress: (pr) => {
          if (pr.phase === 'records' && pr.done >= 100) ac.abort()
        }
      }
    )
    await rejects(p, /Restore cancelled/)
    expect(target.listCollections({ tenant: 'default_tenant', database: 'default_database' })).toEqual([])
    expect(target.listDatabases('default_tenant').map((d) => d.name)).toEqual(['default_database'])
    await db.closeAsync()
  })
})

describe('a crafted payload', () => {
  /** A backup whose SQLite payload was changed by `change`, with a header that matches it (digest, length). */
  let made = 0
  async function crafted(change: (db: Database.Database) => void): Promise<string> {
    const n = ++made
    const db = openDb(`src${n}`)
    await seedCollection(db, { tenant: 'default_tenant', database: 'default_database' }, 'coll', 20, 4, 7)
    const good = join(root, 'good.backup')
    await backupDataDir(join(root, `src${n}`), good)
    const bytes = readFileSync(good)
    const end = bytes.indexOf(0x0a) + 1
    const payloadFile = join(root, `payload${n}.sqlite3`)
    writeFileSync(payloadFile, bytes.subarray(end))
    const p = new Database(payloadFile)
    change(p)
    p.close()
    const payload = readFileSync(payloadFile)
    const h = JSON.parse(bytes.subarray(0, end).toString()) as { payload: { bytes: number; sha256: string } }
    h.payload.bytes = payload.length
    h.payload.sha256 = createHash('sha256').update(payload).digest('hex')
    const f = join(root, `crafted${n}.backup`)
    writeFileSync(f, Buffer.concat([Buffer.from(JSON.stringify(h) + '\n'), payload]))
    return f
  }

  it('refuses a payload carrying a trigger of its own, before it can run', async () => {
    // The trigger would empty the records table on the first write after a restore.
    const f = await crafted((p) =>
      p.exec('CREATE TRIGGER evil AFTER INSERT ON tenants BEGIN DELETE FROM records; END;')
    )
    await rejects(restoreDataDir(f, join(root, 'x')), /schema is not Chromadesk's.*trigger evil/)
    expect(existsSync(join(root, 'x'))).toBe(false)
    const live = openDb('live')
    await rejects(restoreAsDatabase(live, f, { tenant: 'default_tenant', database: 'fresh' }), /trigger evil/)
    expect(live.listDatabases('default_tenant').map((d) => d.name)).toEqual(['default_database'])
  })

  it('refuses a view in place of a table and a changed table definition', async () => {
    const view = await crafted((p) => {
      p.exec('DROP TABLE trusted_models')
      p.exec("CREATE VIEW trusted_models AS SELECT 'x' AS model, '' AS added_at")
    })
    await rejects(restoreDataDir(view, join(root, 'x')), /schema is not Chromadesk's.*view trusted_models/)
    const changed = await crafted((p) => p.exec('ALTER TABLE tenants ADD COLUMN extra TEXT'))
    await rejects(restoreDataDir(changed, join(root, 'y')), /schema is not Chromadesk's.*table tenants/)
    expect(existsSync(join(root, 'x')) || existsSync(join(root, 'y'))).toBe(false)
  })
})

describe('a failed restore as a database', () => {
  it('keeps a collection someone else created in the new database meanwhile', async () => {
    const db = await seedDir('src')
    const out = join(root, 'all.backup')
    await backupDataDir(join(root, 'src'), out)
    const target = openDb('target')
    const scope = { tenant: 'default_tenant', database: 'restored' }
    const ac = new AbortController()
    const p = restoreAsDatabase(target, out, scope, {
      batchSize: 50,
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.phase !== 'records' || ac.signal.aborted) return
        // A script (Chroma's API) writes into the database the restore created, then the restore is cancelled.
        target.createCollection(scope, { name: 'mine' })
        ac.abort()
      }
    })
    await rejects(p, /Restore cancelled/)
    expect(target.listCollections(scope).map((c) => c.name)).toEqual(['mine'])
    await db.closeAsync()
  })
})

describe('index snapshots in the backup', () => {
  const main: Scope = { tenant: 'default_tenant', database: 'default_database' }

  /** Two collections with vectors and an empty one, their index snapshots written to index/. */
  async function seedSnapshotted(name: string): Promise<ChromaDatabase> {
    const db = openDb(name)
    await seedCollection(db, main, 'alpha', 300, 16, 11)
    await seedCollection(db, main, 'beta', 120, 4, 12)
    db.createCollection(main, { name: 'empty' })
    db.flushSnapshots()
    await db.settleIndexes()
    return db
  }

  /** Opens a collection's index from the data directory's files exactly as the engine does, outside it. */
  function openFromFiles(dataDir: string, collectionId: string): OpenIndexResult {
    const sqlite = new Database(join(dataDir, DATABASE_FILE), { readonly: true })
    try {
      const c = sqlite
        .prepare('SELECT cid, dimension, configuration, last_seq FROM collections WHERE id = ?')
        .get(collectionId) as { cid: number; dimension: number; configuration: string; last_seq: number }
      const store = new RecordStore(sqlite)
      return openIndex(join(dataDir, 'index'), collectionId, {
        dim: c.dimension,
        params: hnswParams(JSON.parse(c.configuration)),
        currentSeq: c.last_seq,
        liveLabels: () => store.rids(c.cid),
        rowsSince: (seq) => store.embeddingsSince(c.cid, seq),
        allRows: () => store.embeddingsSince(c.cid, -1)
      })
    } finally {
      sqlite.close()
    }
  }

  const probe = (dim: number, k: number): Float32Array =>
    Float32Array.from({ length: dim }, (_, i) => ((i * 7 + k) % 5) - 2)

  function nearest(db: ChromaDatabase, id: string, dim: number): { ids: string[][]; distances: number[][] } {
    const r = db.query(id, { query_embeddings: [probe(dim, 1), probe(dim, 2)], n_results: 10 })
    return { ids: r.ids, distances: (r.distances ?? []) as number[][] }
  }

  it('carries them, and the first query after a full restore opens the snapshot instead of rebuilding', async () => {
    const db = await seedSnapshotted('src')
    const alpha = db.getCollection(main, 'alpha')
    const beta = db.getCollection(main, 'beta')
    const before = [nearest(db, alpha.id, 16), nearest(db, beta.id, 4)]
    const onDisk = readdirSync(join(root, 'src', 'index')).sort()
    expect(onDisk).toHaveLength(4) // a meta and an index file for each collection with vectors

    const out = join(root, 'all.backup')
    const report = await backupDataDir(join(root, 'src'), out)
    const { header } = readBackupHeader(out)
    expect(header.version).toBe(2)
    expect(header.indexes?.map((e) => e.name).sort()).toEqual(onDisk)
    const indexBytes = onDisk.reduce((n, f) => n + readFileSync(join(root, 'src', 'index', f)).length, 0)
    expect(report).toMatchObject({ indexFiles: 4, indexBytes, bytes: readFileSync(out).length })
    await db.closeAsync()

    await restoreDataDir(out, join(root, 'dst'))
    expect(readdirSync(join(root, 'dst')).sort()).toEqual([DATABASE_FILE, 'index'])
    for (const f of onDisk) {
      expect(readFileSync(join(root, 'dst', 'index', f)).equals(readFileSync(join(root, 'src', 'index', f)))).toBe(true)
    }
    for (const c of [alpha, beta]) {
      const opened = openFromFiles(join(root, 'dst'), c.id)
      expect(opened.reason).toBeUndefined()
      expect(opened.rebuilt).toBe(false)
      expect(opened.index.size).toBe(c.id === alpha.id ? 300 : 120)
    }
    const back = openDb('dst')
    expect((await back.collectionHealth(alpha.id)).lag.sinceSnapshot).toBe(0)
    const after = [nearest(back, alpha.id, 16), nearest(back, beta.id, 4)]
    expect(after.map((r) => r.ids)).toEqual(before.map((r) => r.ids))
    after.forEach((r, i) =>
      r.distances
        .flat()
        .forEach((d, j) => expect(d).toBeCloseTo((before[i] as typeof r).distances.flat()[j] as number, 4))
    )
  })

  it('replays writes and deletes newer than the captured snapshot, also those made during the backup', async () => {
    const db = await seedSnapshotted('src')
    const alpha = db.getCollection(main, 'alpha')
    // After the snapshot, before the backup: SQLite moves ahead of the index files it will carry.
    const far = new Float32Array(16).fill(50)
    db.add(alpha.id, { ids: ['late'], embeddings: [far] })
    db.delete(alpha.id, { ids: ['rec-0-0', 'rec-0-1'] })
    let n = 0
    let stop = false
    const writer = (async () => {
      while (!stop) {
        db.add(alpha.id, { ids: [`w-${n}`], embeddings: [probe(16, n)] })
        n++
        await new Promise((r) => setImmediate(r))
      }
    })()
    const out = join(root, 'live.backup')
    await backupDataDir(join(root, 'src'), out)
    stop = true
    await writer
    expect(n, 'writes committed during the backup').toBeGreaterThan(0)
    await restoreDataDir(out, join(root, 'dst'))

    const opened = openFromFiles(join(root, 'dst'), alpha.id)
    expect(opened.reason).toBeUndefined()
    expect(opened.rebuilt).toBe(false)
    const copy = openDb('dst')
    const records = copy.count(alpha.id)
    expect(records).toBeGreaterThanOrEqual(300 - 2 + 1)
    expect(opened.index.size).toBe(records)
    expect((await copy.collectionHealth(alpha.id)).lag.sinceSnapshot).toBeGreaterThan(0)
    const hit = copy.query(alpha.id, { query_embeddings: [far], n_results: 1 })
    expect(hit.ids[0]).toEqual(['late'])
    const all = copy.query(alpha.id, { query_embeddings: [probe(16, 3)], n_results: records }).ids[0] ?? []
    expect(all).toHaveLength(records)
    expect(all).not.toContain('rec-0-0')
    expect(all).not.toContain('rec-0-1')
  })

  it('refuses a flipped byte in an index file and leaves nothing; restore as a database ignores them', async () => {
    await seedSnapshotted('src')
    const out = join(root, 'all.backup')
    await backupDataDir(join(root, 'src'), out)
    const bytes = readFileSync(out)
    const { header } = readBackupHeader(out)
    const entries = header.indexes ?? []
    const last = entries[entries.length - 1] as { name: string; bytes: number }
    // A byte in the middle of the last index file.
    const at = bytes.length - Math.ceil(last.bytes / 2)
    bytes[at] = (bytes[at] as number) ^ 0x01
    const damaged = join(root, 'damaged.backup')
    writeFileSync(damaged, bytes)
    const escaped = last.name.replace(/\./g, '\\.')
    await rejects(
      restoreDataDir(damaged, join(root, 'x')),
      new RegExp(`is damaged: its index file ${escaped} does not match the checksum in its header`)
    )
    expect(existsSync(join(root, 'x'))).toBe(false)
    mkdirSync(join(root, 'y'))
    await rejects(restoreDataDir(damaged, join(root, 'y')), /index file/)
    expect(readdirSync(join(root, 'y'))).toEqual([])

    const live = openDb('live')
    const r = await restoreAsDatabase(live, damaged, { tenant: 'default_tenant', database: 'fresh' })
    expect(r.records).toBe(420)
    writeFileSync(damaged, bytes.subarray(0, bytes.length - 1))
    await rejects(restoreDataDir(damaged, join(root, 'x')), /is truncated: .* payload and index bytes/)
  })

  it('refuses index entries that name a path, an unknown collection or a name twice', async () => {
    const db = await seedSnapshotted('src')
    const beta = db.getCollection(main, 'beta')
    const out = join(root, 'all.backup')
    await backupDataDir(join(root, 'src'), out)
    const bytes = readFileSync(out)
    const end = bytes.indexOf(0x0a) + 1
    const withEntries = (change: (e: { name: string }[]) => void): string => {
      const h = JSON.parse(bytes.subarray(0, end).toString()) as { indexes: { name: string }[] }
      change(h.indexes)
      const f = join(root, `crafted-${made++}.backup`)
      writeFileSync(f, Buffer.concat([Buffer.from(JSON.stringify(h) + '\n'), bytes.subarray(end)]))
      return f
    }
    let made = 0
    const first = (e: { name: string }[]) => e[0] as { name: string }
    for (const [change, why] of [
      [(e: { name: string }[]) => (first(e).name = `../${first(e).name}`), /is not an index file name/],
      [(e: { name: string }[]) => (first(e).name = `${beta.id}/x.meta.json`), /is not an index file name/],
      [
        (e: { name: string }[]) => (first(e).name = '00000000-0000-4000-8000-000000000000.meta.json'),
        /names no collection/
      ],
      [(e: { name: string }[]) => (first(e).name = (e[1] as { name: string }).name), /appears twice/]
    ] as const) {
      await rejects(restoreDataDir(withEntries(change), join(root, 'x')), why)
      expect(existsSync(join(root, 'x'))).toBe(false)
    }
  })

  it('still restores a version 1 file (no index files)', async () => {
    const db = await seedSnapshotted('src')
    const alpha = db.getCollection(main, 'alpha')
    const out = join(root, 'all.backup')
    await backupDataDir(join(root, 'src'), out)
    const bytes = readFileSync(out)
    const end = bytes.indexOf(0x0a) + 1
    const h = JSON.parse(bytes.subarray(0, end).toString()) as Record<string, unknown> & {
      payload: { bytes: number }
    }
    h.version = 1
    delete h.indexes
    const v1 = join(root, 'v1.backup')
    writeFileSync(
      v1,
      Buffer.concat([Buffer.from(JSON.stringify(h) + '\n'), bytes.subarray(end, end + h.payload.bytes)])
    )
    const restored = await restoreDataDir(v1, join(root, 'dst'))
    expect(restored.records).toBe(420)
    expect(readdirSync(join(root, 'dst'))).toEqual([DATABASE_FILE])
    expect(openFromFiles(join(root, 'dst'), alpha.id)).toMatchObject({ rebuilt: true, reason: 'no snapshot' })
    const back = openDb('dst')
    expect(back.query(alpha.id, { query_embeddings: [probe(16, 1)], n_results: 5 }).ids[0]).toHaveLength(5)
  })
})
