/**
 * The one contract between the UI and the main side. Every call the renderer can make is listed here
 * with its input schema (validated in main by the same schema) and its output type. The Electron IPC
 * adapter (src/main/ipc) and the HTTP adapter (src/main/server, `POST /app/rpc/<channel>`) both
 * dispatch through it; the renderer's data layer (src/renderer/src/lib) is typed by it.
 *
 * Schemas check shapes only; the engine owns the rules (names, filters, metadata values) and its
 * errors reach the UI unchanged, with Chroma's messages.
 */
import { z } from 'zod'
import { EXPORT_FORMATS } from './file-names.js'

export type * from './health.js'

// Plain values the renderer needs at run time live apart, so its bundle does not carry zod.
export { BACKUP_PATH, EVENTS_PATH, EXPORT_PATH, isConnectionScoped, LOCAL_CONNECTION, RPC_PATH } from './constants.js'

/** Declares a call: its input schema and (as a type only) its output. */
function call<Output>() {
  return <Input extends z.ZodType>(input: Input) => ({ input, output: undefined as unknown as Output })
}

// ---- shared shapes --------------------------------------------------------------------------------

export type MetadataScalar = string | number | boolean
export type MetadataValue = MetadataScalar | MetadataScalar[] | null
export type Metadata = Record<string, MetadataValue>
/** A `where` or `where_document` filter as Chroma writes it; the engine validates it. */
export type Filter = Record<string, unknown>
export type Space = 'l2' | 'cosine' | 'ip'

const id = z.string().min(1)
/** Ids one records call may name: a lasso over a map of MAP_POINT_LIMIT points (src/main/api/map.ts). */
const MAP_SELECTION_LIMIT = 200_000
const collectionId = z.string().min(1)
const scalar = z.union([z.string(), z.number(), z.boolean()])
const metadataValue = z.union([scalar, z.array(scalar), z.null()])
const metadata = z.record(z.string(), metadataValue)
const filter = z.record(z.string(), z.unknown())
const embedding = z.array(z.number())
const space = z.enum(['l2', 'cosine', 'ip'])
const positiveInt = z.number().int().positive()
/** Which database a call acts on: a saved connection's id; absent = the built-in local database. */
const connection = z.string().min(1).optional()

export interface AppStatus {
  app: { name: string; version: string }
  engine: {
    /** Chroma API version the engine speaks. */
    version: string
    /** Engine heartbeat in nanoseconds since the epoch (as a string: it exceeds 2^53). */
    heartbeat: string
    mode: 'persistent' | 'memory'
    /** Data directory, null in memory mode. */
    path: string | null
    collections: number
  }
  /** Where the UI is running: the Electron window or a browser against the local server. */
  transport: 'ipc' | 'http'
}

export interface CollectionSummary {
  id: string
  name: string
  metadata: Metadata | null
  /** Exact record count. */
  count: number
  /** Null until the first record is written. */
  dimension: number | null
  space: Space
  /** The collection's embedding model (hub id or local folder), null when it takes embeddings only. */
  embeddingModel: string | null
  /** Chroma's `configuration_json`, as stored. */
  configuration: Record<string, unknown>
  /** The metadata key of its keyword (BM25) index, when it has one (this computer's collections only). */
  keywordKey: string | null
}

export interface RecordRow {
  id: string
  document: string | null
  metadata: Metadata | null
  /** Only where asked for (the record drawer); list views never fetch embeddings. */
  embedding?: number[] | null
  /** Query results only. */
  distance?: number
}

export interface KeywordStatus {
  /** null: the collection has no keyword index. */
  key: string | null
  /** Records with a document (what the index covers). */
  documents: number
  /** Of those, the ones without a keyword vector yet (an indexing job stopped early, or still running). */
  missing: number
}

/** A hybrid query's hit: its fused Rrf score (lower first) and its place in each ranking (1-based; null: not among the candidates). */
export interface HybridRow extends RecordRow {
  score: number
  denseRank: number | null
  keywordRank: number | null
}

export interface RecordPage {
  rows: RecordRow[]
  /** Records matching the filter (the whole collection without one). */
  total: number
  offset: number
}

export interface MetadataKey {
  key: string
  types: ('string' | 'int' | 'float' | 'bool')[]
  records: number
  isArray: boolean
  values: MetadataScalar[]
}

export interface ChunkPreview {
  file: string
  chunks: {
    index: number
    text: string
    tokens: number
    page?: number
    /** A structured file's row: the id its id field gives and its typed metadata. */
    id?: string
    metadata?: Record<string, string | number | boolean>
  }[]
  /** Chunks the file would give in all (the preview shows the first few); rows for a structured file. */
  total: number
  /** Only the file's head was read (a large text, CSV or JSON Lines file): total and rows count that part. */
  head?: { bytes: number; of: number }
  /** A structured file (CSV, JSON or JSON Lines of objects): its fields and the mapping shown. */
  table?: {
    fields: {
      name: string
      type: 'string' | 'number' | 'boolean' | 'mixed' | 'object'
      unique: boolean
      sample: string
    }[]
    mapping: FieldMapping
    /** Rows in the file. */
    rows: number
  }
}

/** How a structured file's fields become records (engine/ingest/structured.ts). */
export interface FieldMapping {
  /** Fields that make the document; several are joined as `field: value` lines. */
  document: string[]
  /** The field that gives each record's id; null: ids from the file's content and row. */
  id: string | null
  /** Fields stored as typed metadata. */
  metadata: string[]
}

const fieldMapping = z
  .object({
    document: z.array(z.string().min(1)).min(1),
    id: z.string().min(1).nullable(),
    metadata: z.array(z.string().min(1))
  })
  .strict()

export type IngestFileState =
  | { state: 'queued' }
  | { state: 'working'; step: 'parsing' | 'chunking' | 'embedding' | 'writing'; done: number; total: number }
  | { state: 'written'; chunks: number; replaced: number }
  | { state: 'skipped'; reason: string }
  | { state: 'failed'; error: string }

export interface IngestStatus {
  jobId: string
  collectionId: string
  files: ({ name: string } & IngestFileState)[]
  counts: { filesTotal: number; filesDone: number; chunks: number; embeddings: number; chunksWritten: number }
  /** Null while running. */
  summary: {
    ingested: number
    unchanged: number
    skipped: number
    failed: number
    chunksWritten: number
    chunksDeleted: number
    cancelled: boolean
    seconds: number
  } | null
  /** Set when the job could not run at all (no embedding model, bad chunk settings). */
  error: string | null
}

export interface ServerSettings {
  enabled: boolean
  host: string
  port: number
  token: string
  /** Base URL while running, else null. */
  url: string | null
  /** Why the server is not running although enabled (port taken, ...). */
  error: string | null
}

export interface AppSettings {
  dataDir: string
  /** Where the data directory will be after a restart, when changed in settings. */
  pendingDataDir: string | null
  server: ServerSettings
}

/** A database the app can work on: the built-in local one, or a Chroma server. */
export interface ConnectionInfo {
  /** 'local' for the built-in database. */
  id: string
  name: string
  /** Server URL; null for the built-in database. */
  url: string | null
  tenant: string
  database: string
  hasToken: boolean
}

/** What a connection check found; `problem` says which part failed. */
export interface ConnectionCheck {
  ok: boolean
  /** The server's Chroma version, when it answered. */
  version: string | null
  /** Databases of the tenant, for the picker (when readable). */
  databases: string[]
  problem: 'unreachable' | 'unauthorized' | 'tenant' | 'database' | 'version' | null
  message: string | null
  /** The URL is this app's own server (its collections are already the built-in database's). */
  ownServer?: true
}

export interface ImportResult {
  collection: string
  created: boolean
  records: number
  imported: number
  skipped: number
  overwritten: number
}

export interface ExportResult {
  collection: string
  file: string
  records: number
  bytes: number
}

export interface CopyStatus {
  jobId: string
  source: { connection: string; collection: string }
  target: { connection: string; collection: string }
  state: 'running' | 'done' | 'failed' | 'cancelled'
  copied: number
  total: number
  error: string | null
}

/**
 * Kinds of app jobs (src/main/api/jobs.ts). Ingest and copy also keep their richer statuses
 * (ingest.status, copy.status) under the same job id.
 */
export type JobKind =
  | 'backup'
  | 'restore'
  | 'rebuild'
  | 'clone'
  | 'compact'
  | 'verify'
  | 'fork'
  | 'keyword-index'
  | 'reembed'
  | 'model-download'
  | 'map'
  | 'ingest'
  | 'copy'
  | 'import'

/** A long piece of work the app runs for the user, listed by the main side so any window finds it. */
export interface JobStatus {
  jobId: string
  kind: JobKind
  title: string
  /** The collection it acts on, when one. */
  collectionId: string | null
  state: 'running' | 'done' | 'failed' | 'cancelled'
  /** The current step, when the job has several ("copying", "checking", ...). */
  phase: string | null
  done: number
  /** 0 while unknown. */
  total: number
  /** A job with phases may change unit between them (ingest: bytes parsed, then chunks). */
  unit: 'records' | 'bytes' | 'collections' | 'chunks'
  error: string | null
  /** What a finished job produced (a report), as the job defines it. */
  result: Record<string, unknown> | null
  startedAt: number
  finishedAt: number | null
}

/** Uploaded files travel as base64 (the same over IPC and HTTP); main never reads paths the UI sends. */
/**
 * `append`: the bytes continue the file of that name already staged in this upload, so a file bigger
 * than one call's body travels in several calls.
 */
const upload = z.object({ name: z.string().min(1).max(1024), data: z.string(), append: z.boolean().optional() })

// ---- tenants and databases: shapes (decisions 0070-0074) ------------------------------------------

/** A database of a tenant and how many collections it holds. */
export interface DatabaseSummary {
  name: string
  collections: number
}

/**
 * The tenants a connection can show. Chroma's API cannot list tenants: a server shows its current
 * tenant and the ones named in this app (`complete: false`); the built-in database shows them all.
 */
export interface TenantList {
  tenants: string[]
  complete: boolean
}

/** What a deleted database held (all of it went with it). */
export interface DeletedDatabase {
  tenant: string
  database: string
  collections: { name: string; records: number }[]
}

const recordInput = z.object({
  id,
  document: z.string().nullish(),
  embedding: embedding.nullish(),
  metadata: metadata.nullish()
})

// ---- the contract ---------------------------------------------------------------------------------

export const contract = {
  'system.status': call<Omit<AppStatus, 'transport'>>()(z.object({}).strict()),

  'collections.list': call<CollectionSummary[]>()(z.object({ connection }).strict()),
  'collections.get': call<CollectionSummary>()(z.object({ connection, id: collectionId }).strict()),
  'collections.create': call<CollectionSummary>()(
    z
      .object({
        connection,
        name: z.string(),
        metadata: metadata.nullish(),
        space: space.optional(),
        /** A hub model id or a local model folder; null for a collection that takes embeddings only. */
        embeddingModel: z.string().min(1).nullable().optional(),
        /** With a keyword (BM25) index for hybrid search (this computer's database only). */
        keywordSearch: z.boolean().optional()
      })
      .strict()
  ),
  'collections.rename': call<CollectionSummary>()(
    z.object({ connection, id: collectionId, name: z.string() }).strict()
  ),
  /** Replaces the collection's metadata (Chroma refuses an empty map). */
  'collections.setMetadata': call<CollectionSummary>()(z.object({ connection, id: collectionId, metadata }).strict()),
  'collections.delete': call<{ deleted: string }>()(z.object({ connection, id: collectionId }).strict()),
  'collections.metadataKeys': call<MetadataKey[]>()(z.object({ connection, id: collectionId }).strict()),

  'records.page': call<RecordPage>()(
    z
      .object({
        connection,
        collectionId,
        limit: z.number().int().min(1).max(1000),
        offset: z.number().int().min(0),
        where: filter.nullish(),
        whereDocument: filter.nullish(),
        /** Only these records (the map's selection), with the filters applied to them. */
        ids: z.array(id).max(MAP_SELECTION_LIMIT).nullish(),
        /** Documents longer than this come back cut (the table shows a line of each). */
        documentChars: positiveInt.optional()
      })
      .strict()
  ),
  'records.get': call<RecordRow[]>()(
    z
      .object({ connection, collectionId, ids: z.array(id).min(1).max(1000), embeddings: z.boolean().optional() })
      .strict()
  ),
  'records.count': call<number>()(
    z
      .object({
        connection,
        collectionId,
        where: filter.nullish(),
        whereDocument: filter.nullish(),
        ids: z.array(id).max(MAP_SELECTION_LIMIT).nullish()
      })
      .strict()
  ),
  'records.add': call<{ added: number }>()(
    z.object({ connection, collectionId, records: z.array(recordInput).min(1).max(1000) }).strict()
  ),
  /** Replaces the record's document and/or metadata (a new document is embedded again). */
  'records.update': call<RecordRow>()(
    z
      .object({
        connection,
        collectionId,
        id,
        document: z.string().nullish(),
        metadata: metadata.nullish(),
        embedding: embedding.nullish()
      })
      .strict()
  ),
  'records.delete': call<{ deleted: number }>()(
    z
      .object({
        connection,
        collectionId,
        ids: z.array(id).min(1).nullish(),
        where: filter.nullish(),
        whereDocument: filter.nullish()
      })
      .strict()
  ),
  'records.query': call<RecordRow[]>()(
    z
      .object({
        connection,
        collectionId,
        /** Exactly one of text, embedding, similarTo. */
        text: z.string().min(1).optional(),
        embedding: embedding.min(1).optional(),
        similarTo: id.optional(),
        nResults: z.number().int().min(1).max(1000),
        where: filter.nullish(),
        whereDocument: filter.nullish(),
        documentChars: positiveInt.optional()
      })
      .strict()
      .refine((q) => [q.text, q.embedding, q.similarTo].filter((x) => x !== undefined).length === 1, {
        message: 'Give exactly one of text, embedding or similarTo'
      })
  ),

  /** Stages files for ingest; call again with the returned uploadId to add more. */
  'ingest.upload': call<{ uploadId: string; files: string[] }>()(
    z.object({ uploadId: z.string().optional(), files: z.array(upload).min(1) }).strict()
  ),
  'ingest.preview': call<ChunkPreview>()(
    z
      .object({
        connection,
        uploadId: z.string(),
        file: z.string(),
        collectionId,
        chunkSize: positiveInt.optional(),
        overlap: z.number().int().min(0).optional(),
        limit: positiveInt.max(200).optional(),
        /** A structured file's mapping to show; absent: the guessed one. */
        fields: fieldMapping.optional()
      })
      .strict()
  ),
  'ingest.start': call<IngestStatus>()(
    z
      .object({
        connection,
        uploadId: z.string(),
        collectionId,
        chunkSize: positiveInt.optional(),
        overlap: z.number().int().min(0).optional(),
        /** Structured files' mappings by file name as uploaded; a file not named here gets the guessed one. */
        fields: z.record(z.string(), fieldMapping).optional()
      })
      .strict()
  ),
  'ingest.status': call<IngestStatus>()(z.object({ jobId: z.string() }).strict()),
  'ingest.cancel': call<IngestStatus>()(z.object({ jobId: z.string() }).strict()),

  'connections.list': call<ConnectionInfo[]>()(z.object({}).strict()),
  'connections.check': call<ConnectionCheck>()(
    z
      .object({
        url: z.string().url(),
        token: z.string().optional(),
        tenant: z.string().min(1).optional(),
        database: z.string().min(1).optional()
      })
      .strict()
  ),
  /** Checks the server first and refuses to save one that does not answer as a Chroma v2 server. */
  'connections.add': call<ConnectionInfo>()(
    z
      .object({
        name: z.string().min(1).max(200),
        url: z.string().url(),
        token: z.string().optional(),
        tenant: z.string().min(1).optional(),
        database: z.string().min(1).optional()
      })
      .strict()
  ),
  'connections.remove': call<{ removed: string }>()(z.object({ id: z.string().min(1) }).strict()),

  /** Copies a collection (embeddings as stored, no re-embedding) to another connection. */
  'collections.copy': call<CopyStatus>()(
    z
      .object({
        connection,
        collectionId,
        /** Target connection id ('local' for the built-in database). */
        target: z.string().min(1),
        /** Name in the target; default the source's. */
        name: z.string().optional(),
        /** Only these records (the map's selection); default all. */
        ids: z.array(id).min(1).max(MAP_SELECTION_LIMIT).optional()
      })
      .strict()
  ),
  'copy.status': call<CopyStatus>()(z.object({ jobId: z.string() }).strict()),
  'copy.cancel': call<CopyStatus>()(z.object({ jobId: z.string() }).strict()),

  /**
   * Imports an export file (docs/export-format.md) staged with ingest.upload. The whole file is
   * checked before anything is written; ids the target holds are refused ('fail'), skipped or overwritten.
   */
  'collections.import': call<ImportResult>()(
    z
      .object({
        connection,
        uploadId: z.string(),
        file: z.string(),
        /** Target collection; default the name in the file. An existing one receives the records. */
        name: z.string().min(1).optional(),
        onConflict: z.enum(['fail', 'skip', 'overwrite']).optional()
      })
      .strict()
  ),
  /** Desktop app: asks where to save, then writes the export file (JSONL unless `format`). Null when the user cancels. */
  /** Browser mode: GET EXPORT_PATH/<id> downloads; with `ids` (the map's selection) POST it as JSON. */
  'collections.export': call<ExportResult | null>()(
    z
      .object({
        connection,
        collectionId,
        format: z.enum(EXPORT_FORMATS).optional(),
        /** Only these records (the map's selection); default all. */
        ids: z.array(id).min(1).max(MAP_SELECTION_LIMIT).optional()
      })
      .strict()
  ),
  // ---- app jobs (src/main/api/jobs.ts)
  'jobs.list': call<JobStatus[]>()(z.object({}).strict()),
  'jobs.status': call<JobStatus>()(z.object({ jobId: z.string().min(1) }).strict()),
  'jobs.cancel': call<JobStatus>()(z.object({ jobId: z.string().min(1) }).strict()),

  // ---- clone with new settings (src/main/api/handlers/clone.ts, docs/clone.md)
  /**
   * Copies a collection under a new name with another space, HNSW parameters or embedding model, as an
   * app job ('clone'); a new model re-embeds every document. Checked before the job starts.
   */
  'collections.clone': call<JobStatus>()(
    z
      .object({
        connection,
        collectionId,
        /** The new collection's name. */
        name: z.string(),
        space: space.optional(),
        // Plain numbers: the engine's rules judge the values, with its messages.
        efConstruction: z.number().optional(),
        maxNeighbors: z.number().optional(),
        efSearch: z.number().optional(),
        /** Absent: the source's model. A hub id or model folder; null for embeddings only (kept as stored). */
        embeddingModel: z.string().min(1).nullable().optional(),
        /** When re-embedding: leave out records without a document instead of refusing. */
        skipWithoutDocument: z.boolean().optional()
      })
      .strict()
  ),

  // ---- index health and storage (docs/index-health.md); the built-in database only
  'collections.health': call<import('./health.js').CollectionHealth>()(
    z.object({ connection, id: collectionId }).strict()
  ),
  /** Starts a 'verify' job; its result is a VerifyReport. */
  'collections.verifyIndex': call<JobStatus>()(z.object({ connection, id: collectionId }).strict()),
  /** Starts a 'rebuild' job; its result is a RebuildReport. */
  'collections.rebuildIndex': call<JobStatus>()(z.object({ connection, id: collectionId }).strict()),
  /** Starts a 'compact' job (VACUUM of the whole database file); its result is a CompactReport. */
  'database.compact': call<JobStatus>()(z.object({}).strict()),

  /** Desktop app only: the browser UI is served by the server these settings control. */
  'settings.get': call<AppSettings>()(z.object({}).strict()),
  'settings.setServer': call<AppSettings>()(
    z
      .object({
        enabled: z.boolean(),
        port: z.number().int().min(1).max(65535).optional(),
        regenerateToken: z.boolean().optional()
      })
      .strict()
  ),
  'settings.setDataDir': call<AppSettings>()(z.object({ dataDir: z.string().min(1) }).strict()),

  // ---- tenants and databases (decisions 0070-0074) ----------------------------------------------
  // Each connection has a current tenant/database, held by main; every other call acts on it.
  // `tenant` absent = the connection's current tenant. Names are checked by Chroma's rules (engine or server).
  'tenants.list': call<TenantList>()(z.object({ connection }).strict()),
  'tenants.create': call<{ created: string }>()(z.object({ connection, name: z.string() }).strict()),
  'databases.list': call<DatabaseSummary[]>()(z.object({ connection, tenant: z.string().optional() }).strict()),
  'databases.create': call<DatabaseSummary>()(
    z.object({ connection, tenant: z.string().optional(), name: z.string() }).strict()
  ),
  /** Deletes the database and every collection in it; returns what it held. */
  'databases.delete': call<DeletedDatabase>()(
    z.object({ connection, tenant: z.string().optional(), name: z.string() }).strict()
  ),
  /** Switches the connection's current tenant/database (both must exist); returns the connection. */
  'databases.use': call<ConnectionInfo>()(z.object({ connection, tenant: z.string(), database: z.string() }).strict()),

  // ---- backup and restore of the built-in database (docs/backup-format.md) ----
  /**
   * Starts a backup job of the whole data directory. Desktop: asks where to save first (null when the
   * user cancels). Browser: the done job's file downloads once from BACKUP_PATH/<jobId>.
   */
  'database.backup': call<BackupStarted | null>()(z.object({}).strict()),
  /**
   * Starts a restore job: one database of a backup staged with ingest.upload becomes `tenant`/`database`
   * (default default_tenant/default_database), which must be new or empty. `from` picks the backup's
   * database ("tenant/database") when it holds several.
   */
  'database.restore': call<BackupStarted>()(
    z
      .object({
        uploadId: z.string(),
        file: z.string(),
        tenant: z.string().min(1).optional(),
        database: z.string().min(1).optional(),
        from: z.string().min(1).optional()
      })
      .strict()
  ),

  // ---- fork and facets (src/main/api/handlers/fork-facets.ts, docs/extensions.md); this computer's database
  /** One key's top values with counts, and its number range, among the records the filter selects. */
  'records.facets': call<FacetSummary>()(
    z
      .object({
        connection,
        collectionId,
        key: z.string().min(1),
        where: filter.nullish(),
        whereDocument: filter.nullish(),
        limit: z.number().int().min(1).max(1000).optional()
      })
      .strict()
  ),
  /** Forks a collection under a new name in its database, as an app job ('fork'); checked before it starts. */
  'collections.fork': call<JobStatus>()(z.object({ connection, collectionId, name: z.string() }).strict()),

  // ---- keyword (BM25) and hybrid search (src/main/api/handlers/hybrid.ts, docs/search-api.md); this computer's database
  /** Gives a collection a keyword index and fills it for stored records, as an app job ('keyword-index'); again to finish a stopped one. */
  'collections.enableKeywordSearch': call<JobStatus>()(z.object({ connection, id: collectionId }).strict()),
  /** The keyword index's key and how many records with a document it still lacks. */
  'collections.keywordStatus': call<KeywordStatus>()(z.object({ connection, id: collectionId }).strict()),
  /** Dense and keyword (BM25) rankings of a text fused by weighted reciprocal rank (Rrf). */
  'records.hybrid': call<HybridRow[]>()(
    z
      .object({
        connection,
        collectionId,
        text: z.string().trim().min(1),
        nResults: z.number().int().min(1).max(1000),
        denseWeight: z.number().min(0).max(100),
        keywordWeight: z.number().min(0).max(100),
        /** Rrf's k: a larger k flattens the difference between the first ranks. */
        rrfK: z.number().int().min(1).max(1000),
        where: filter.nullish(),
        whereDocument: filter.nullish(),
        documentChars: positiveInt.optional()
      })
      .strict()
      .refine((q) => q.denseWeight > 0 || q.keywordWeight > 0, {
        message: 'Give at least one ranking a weight above 0'
      })
  ),
  // ---- models: re-embed a collection (src/main/api/handlers/reembed.ts, docs/models.md); this computer's database
  /**
   * Starts a 'reembed' job: every record embedded again with `embeddingModel` (hub id or model folder),
   * the collection switched to it in one step at the end. Checked (model loadable, documents) before it starts.
   */
  'collections.reembed': call<JobStatus>()(
    z.object({ connection, collectionId, embeddingModel: z.string().min(1) }).strict()
  ),
  // ---- models: the model manager in Settings (src/main/api/handlers/models.ts, docs/models.md)
  /** Models in the cache folder, those the user chose, and those this database's collections name. */
  'models.list': call<ModelsOverview>()(z.object({}).strict()),
  /** Starts a 'model-download' job (unit bytes) for a Hugging Face model id. */
  'models.download': call<JobStatus>()(z.object({ model: z.string().min(1) }).strict()),
  /**
   * Adds a model folder staged with ingest.upload (its files named `<folder>/…`): copied into the cache
   * folder once it loads and embeds. Returns the added model (its absolute folder names it).
   */
  'models.addFolder': call<ModelInfo>()(
    z.object({ uploadId: z.string(), folder: z.string().min(1), files: z.array(z.string().min(1)).min(1) }).strict()
  ),
  /** Deletes a model from the cache folder (refused while a collection here uses it). */
  'models.remove': call<ModelsOverview>()(z.object({ model: z.string().min(1) }).strict()),
  // ---- the Map tab (src/main/api/map.ts, docs/map.md; issue #15) ----------------------------------
  /**
   * Starts a 'map' job that brings the collection's layout up to date (PCA at once, then UMAP; or added
   * records placed near their neighbours); `recompute` starts from scratch. Null: the layout is current
   * (nothing written since), no job was needed.
   */
  'collections.mapStart': call<JobStatus | null>()(
    z.object({ connection, collectionId, recompute: z.boolean().optional() }).strict()
  ),
  /** The layout as bytes (src/shared/map-layout.ts), null while none is ready. Browser: GET MAP_PATH/<id>. */
  'collections.mapLayout': call<Uint8Array | null>()(z.object({ connection, collectionId }).strict()),
  /** One metadata key's values in the layout's point order: categories (codes) or numbers. */
  'collections.mapValues': call<import('./map-layout.js').MapValues>()(
    z.object({ connection, collectionId, key: z.string().min(1) }).strict()
  ),
  /** Point indices of the layout's records that a filter selects (the map dims the rest). */
  'collections.mapMatch': call<number[]>()(
    z.object({ connection, collectionId, where: filter.nullish(), whereDocument: filter.nullish() }).strict()
  )
} as const

/** A model the model manager shows. */
export interface ModelInfo {
  /** As collections name it: a hub id or an absolute folder. */
  model: string
  kind: 'hub' | 'local'
  folder: string
  bytes: number
  /** Its files are all there. */
  complete: boolean
  /** In the app's model cache folder (so Remove deletes it there). */
  inCache: boolean
  /** Collections of the current database that embed with it. */
  collections: string[]
}

export interface ModelsOverview {
  cacheDir: string
  models: ModelInfo[]
}

/** One metadata key's values among the records a filter selects (records.facets). */
export interface FacetSummary {
  key: string
  /** Matching records that carry the key. */
  records: number
  /** Distinct values among them. */
  distinct: number
  /** The most frequent values, with how many matching records hold each. */
  values: { value: string | number | boolean; count: number }[]
  /** Range of the key's number values; null when it has none. */
  min: number | null
  max: number | null
}

/** A backup or restore job started: follow it with jobs.status or 'job' events. */
export interface BackupStarted {
  jobId: string
  /** Desktop backup: where it is written. */
  file: string | null
}

export type Contract = typeof contract
export type Channel = keyof Contract
export type CallInput<C extends Channel> = z.input<Contract[C]['input']>
export type CallOutput<C extends Channel> = Contract[C]['output']

export const channels = Object.keys(contract) as Channel[]

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(contract, name)
}

/** Errors cross process and network boundaries as data: custom error classes do not survive IPC. */
export interface CallError {
  name: string
  message: string
  /** HTTP status of the failure (the HTTP adapter answers with it). */
  status: number
}
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError }

// ---- push events ----------------------------------------------------------------------------------

/** What main pushes to the UI: over IPC in the desktop window, as server-sent events over HTTP. */
export type AppEvent =
  | { type: 'collections-changed' }
  | { type: 'records-changed'; collectionId: string }
  | { type: 'ingest'; status: IngestStatus }
  | { type: 'copy'; status: CopyStatus }
  | { type: 'job'; status: JobStatus }
  | { type: 'connections-changed' }
