// The SQLite schema, as one ordered list of migrations. schema_version holds every applied version.
// To change the schema, append a migration; never edit a released one.
import type BetterSqlite3 from 'better-sqlite3'

export interface Migration {
  version: number
  description: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'tenants, databases, collections, records, typed metadata, trigram FTS',
    sql: `
      CREATE TABLE tenants (
        name TEXT PRIMARY KEY,
        resource_name TEXT
      );
      CREATE TABLE databases (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        tenant TEXT NOT NULL,
        UNIQUE (tenant, name)
      );
      -- cid is the compact internal key used by records and metadata rows; id is Chroma's UUID.
      CREATE TABLE collections (
        cid INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        database_id TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
        metadata TEXT,
        configuration TEXT NOT NULL,
        dimension INTEGER,
        last_seq INTEGER NOT NULL DEFAULT 0,
        UNIQUE (database_id, name)
      );
      -- rid is the record's internal key and its label in the vector index. AUTOINCREMENT so a label
      -- is never reused, which keeps index snapshots unambiguous.
      CREATE TABLE records (
        rid INTEGER PRIMARY KEY AUTOINCREMENT,
        cid INTEGER NOT NULL REFERENCES collections(cid) ON DELETE CASCADE,
        id TEXT NOT NULL,
        document TEXT,
        uri TEXT,
        embedding BLOB NOT NULL,  -- little-endian float32
        seq INTEGER NOT NULL,     -- collection write sequence that last changed the embedding
        UNIQUE (cid, id)
      );
      -- (cid) plus the implicit rowid gives "WHERE cid = ? ORDER BY rid" without a sort.
      CREATE INDEX records_by_collection ON records (cid);

      -- One row per scalar (ord = -1) or per array element (ord = position). vtype: 0 str, 1 int,
      -- 2 float, 3 bool (value 0/1). cid is denormalised so filters use (cid, key, vtype, value).
      CREATE TABLE record_metadata (
        rid INTEGER NOT NULL REFERENCES records(rid) ON DELETE CASCADE,
        key TEXT NOT NULL,
        ord INTEGER NOT NULL,
        cid INTEGER NOT NULL,
        vtype INTEGER NOT NULL,
        value,
        PRIMARY KEY (rid, key, ord)
      ) WITHOUT ROWID;
      CREATE INDEX record_metadata_lookup ON record_metadata (cid, key, vtype, value);

      -- Case-sensitive trigram index over documents (external content: no second copy of the text).
      CREATE VIRTUAL TABLE records_fts USING fts5(
        document, content = 'records', content_rowid = 'rid', tokenize = 'trigram case_sensitive 1'
      );
      CREATE TRIGGER records_fts_insert AFTER INSERT ON records WHEN new.document IS NOT NULL BEGIN
        INSERT INTO records_fts (rowid, document) VALUES (new.rid, new.document);
      END;
      CREATE TRIGGER records_fts_delete AFTER DELETE ON records WHEN old.document IS NOT NULL BEGIN
        INSERT INTO records_fts (records_fts, rowid, document) VALUES ('delete', old.rid, old.document);
      END;
      CREATE TRIGGER records_fts_update AFTER UPDATE OF document ON records BEGIN
        INSERT INTO records_fts (records_fts, rowid, document)
          SELECT 'delete', old.rid, old.document WHERE old.document IS NOT NULL;
        INSERT INTO records_fts (rowid, document)
          SELECT new.rid, new.document WHERE new.document IS NOT NULL;
      END;
    `
  },
  {
    version: 2,
    description: 'index records by write sequence, so reopening replays only what the index snapshot lacks',
    sql: `CREATE INDEX records_by_seq ON records (cid, seq);`
  },
  {
    version: 3,
    description: 'embedding models the app user chose (hub ids, absolute folders); no Chroma API call reaches it',
    sql: `CREATE TABLE trusted_models (
        model TEXT PRIMARY KEY,
        added_at TEXT NOT NULL
      ) WITHOUT ROWID;`
  },
  {
    version: 4,
    description: 'fork lineage: each fork names its source and the first collection of its lineage (fork_count)',
    // No foreign keys: a lineage outlives a deleted source, so its other forks still count each other.
    sql: `CREATE TABLE collection_forks (
        id TEXT PRIMARY KEY,
        source_id TEXT NOT NULL,
        root_id TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX collection_forks_by_root ON collection_forks (root_id);`
  },
  {
    version: 5,
    description: "sparse vectors' inverted index: one posting per (record, metadata key, term) for sparse Knn",
    // The vector itself is also a record_metadata row (vtype 4, JSON) so reads return it unchanged.
    sql: `CREATE TABLE sparse_postings (
        cid INTEGER NOT NULL,
        key TEXT NOT NULL,
        term INTEGER NOT NULL,
        rid INTEGER NOT NULL REFERENCES records(rid) ON DELETE CASCADE,
        weight REAL NOT NULL,
        PRIMARY KEY (cid, key, term, rid)
      ) WITHOUT ROWID;
      CREATE INDEX sparse_postings_by_record ON sparse_postings (rid, key);`
  },
  {
    version: 6,
    description: "collections' index schema (Chroma 1.5), as given at creation; NULL when none was",
    sql: `ALTER TABLE collections ADD COLUMN schema TEXT;`
  },
  {
    version: 7,
    description:
      "re-embedding a collection with another model: the target and each record's new vector, until the switch",
    // The new vectors wait here, beside the old ones, until one transaction switches them all (decision 0122).
    // `document` is the text each vector was computed from, so a record changed meanwhile is embedded again.
    sql: `CREATE TABLE reembeds (
        cid INTEGER PRIMARY KEY REFERENCES collections(cid) ON DELETE CASCADE,
        target TEXT NOT NULL,
        started_at TEXT NOT NULL
      );
      CREATE TABLE reembed_vectors (
        rid INTEGER PRIMARY KEY REFERENCES records(rid) ON DELETE CASCADE,
        cid INTEGER NOT NULL REFERENCES reembeds(cid) ON DELETE CASCADE,
        document TEXT NOT NULL,
        embedding BLOB NOT NULL
      );
      CREATE INDEX reembed_vectors_by_collection ON reembed_vectors (cid);`
  }
]

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

export function currentSchemaVersion(db: BetterSqlite3.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)')
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }
  return row.v ?? 0
}

/** Applies pending migrations, each in its own transaction. */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  let version = currentSchemaVersion(db)
  const latest = migrations[migrations.length - 1]?.version ?? 0
  if (version > latest) {
    throw new Error(`Database schema version ${version} is newer than this app supports (${latest})`)
  }
  const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)')
  for (const m of migrations) {
    if (m.version <= version) continue
    db.transaction(() => {
      db.exec(m.sql)
      record.run(m.version, new Date().toISOString())
    })()
    version = m.version
  }
  return version
}
