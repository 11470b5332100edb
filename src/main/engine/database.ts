// The database layer: tenants, databases, collections and records over SQLite, plus the per-
// collection vector indexes. Every public call runs in one SQLite transaction (nothing is written if
// it throws) and validates its (already normalized, see types.ts) request at runtime. Committed
// writes are then applied to the collection's VectorIndex if it is loaded; otherwise the index is
// opened lazily from SQLite (and a snapshot, when persistent) on the next query.
import type { FacetSummary } from '../../shared/contract.js'
import { randomUUID } from 'node:crypto'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import {
  configurationWithSchema,
  refuseDisabledIndexes,
  schemaWithConfiguration,
  sparseEmbeddingTargets,
  sparseIndexEnabled,
  bm25SchemaKey,
  DOCUMENT_KEY,
  oneSparseIndex,
  sparseIndexKey,
  sparseKeyEncoder,
  validateCollectionSchema,
  withSparseEmbeddings,
  type CollectionSchema
} from './collection-schema.js'
import { hnswParams, mergeUpdateConfiguration, resolveCreateConfiguration } from './config.js'
import {
  ChromaError,
  ForbiddenError,
  InternalError,
  InvalidArgumentError,
  InvalidFilterError,
  NotFoundError,
  ResourceExhaustedError,
  UniqueConstraintError,
  UnexpectedError
} from './errors.js'
import { compileFilter, parseWhere, parseWhereDocument, VType, type FilterNode } from './filters/index.js'
import {
  EXAMPLES,
  PAYLOAD_SQL,
  type CollectionHealth,
  type CompactReport,
  type IndexProblems,
  type MaintenanceOptions,
  type RebuildReport,
  type VerifyReport
} from './health.js'
import { fileSizes, vacuumFile } from './store/compact.js'
import { openSqlite } from './store/connection.js'
import { GroupCommit } from './store/group-commit.js'
import { RecordStore, decodeEmbedding, readRowsAfter } from './store/records.js'
import { ReembedStore, type ReembedTodo } from './store/reembed-store.js'
import { parseEmbeddingConfig } from './embedding/model-ref.js'
import type {
  AddRequest,
  CollectionConfiguration,
  CollectionModel,
  CreateCollectionRequest,
  DatabaseModel,
  DeleteRequest,
  DeleteResult,
  EmbeddingFunctionConfig,
  GetRequest,
  GetResult,
  IncludeField,
  IndexingStatus,
  Metadata,
  PreflightChecks,
  QueryRequest,
  QueryResult,
  TenantModel,
  UpdateCollectionRequest,
  UpdateMetadata,
  UpdateRequest,
  UpsertRequest
} from './types.js'
import {
  deserializeError,
  validateCollectionMetadata,
  validateCollectionName,
  validateCount,
  validateDatabaseName,
  validateEmbeddings,
  validateIds,
  validateInclude,
  validateLengths,
  validateMetadata,
  validateNResults,
  validateOptionalList,
  validateStringOrNullList,
  validateTenantName,
  validateUpdateMetadata
} from './validation.js'
import { distanceAt, preparedQuery, storedVector } from './vector-index/distance.js'
import { parseSearches, runSearches, type SearchResponse } from './search/index.js'
import type { Bm25Encoder } from './search/bm25.js'
import { SparseIndex, sparseKeyUsesBm25 } from './search/sparse.js'
import { deleteSnapshot, openIndex, type IndexSource, type SearchHit } from './vector-index/index.js'
import { IndexBuild, MAX_LABEL, type InspectReply } from './vector-index/maintenance.js'
import { reconcile, snapshotInfo } from './vector-index/snapshot.js'
import type { IndexStats } from './vector-index/types.js'
import { TopK } from './vector-index/vector-index.js'
import { WriteTurns } from './write-turns.js'
import {
  findIndexWorkerEntry,
  INDEX_WAIT_MS,
  InlineIndex,
  IndexWorker,
  IndexWorkerBusy,
  IndexWorkerError,
  WorkerIndex,
  type Backlog,
  type IndexHandle,
  type TailSizes
} from './vector-index/worker-index.js'

export const DEFAULT_TENANT = 'default_tenant'
export const DEFAULT_DATABASE = 'default_database'
/** What /version reports (Chroma's Rust server hard-codes 1.0.0). */
export const SERVER_VERSION = '1.0.0'
/**
 * Largest number of records one add/upsert/update call accepts (pre-flight `max_batch_size`).
 * Writes use single-row prepared statements inside one transaction, so this is a memory bound,
 * not SQLite's variable limit.
 */
export const MAX_BATCH_SIZE = 250_000
export const DATABASE_FILE = 'chromadesk.sqlite3'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const INDEX_DIR = 'index'

/** One metadata key of a collection, as a filter builder needs it. */
export interface MetadataKeySummary {
  key: string
  /** Value types seen under this key. */
  types: ('string' | 'int' | 'float' | 'bool')[]
  /** Records carrying the key (summed over types). */
  records: number
  /** Whether any record holds the key as an array. */
  isArray: boolean
  /** The most frequent values, per type. */
  values: (string | number | boolean)[]
}

/** Distinct values of one metadata key among the records a filter selects (an extension of Chroma). */
export interface FacetRequest {
  key: unknown
  where?: unknown
  where_document?: unknown
  /** How many values, most frequent first (default 10, at most 1000). */
  limit?: unknown
}

/** One key's values among the records a filter selects: the shape the app's contract shows as is. */
export type FacetResult = FacetSummary

export const FACET_LIMIT_DEFAULT = 10
export const FACET_LIMIT_MAX = 1000

const VTYPE_NAMES: Record<number, MetadataKeySummary['types'][number]> = {
  [VType.str]: 'string',
  [VType.int]: 'int',
  [VType.float]: 'float',
  [VType.bool]: 'bool'
}

/** A metadata type as a filter error names it. */
const TYPE_WORDS: Record<MetadataKeySummary['types'][number], string> = {
  string: 'text',
  int: 'integers',
  float: 'decimal numbers',
  bool: 'booleans'
}

export interface DatabaseOptions {
  /** Directory for persistent storage; null/undefined = in-memory. */
  path?: string | null
  /** reset() is refused unless true (Chroma's `allow_reset`, default false). */
  allowReset?: boolean
  /** Persistent mode: snapshot an index after this many changed labels (default SNAPSHOT_AFTER_CHANGES). */
  snapshotAfterChanges?: number
  /**
   * Persistent mode: insert into HNSW indexes on a worker thread after the write commits (default
   * true; a string names the worker script). In-memory databases always index inline.
   */
  indexWorker?: boolean | string
  /** Unindexed upserts per collection before writes wait for the worker (default MAX_INDEX_LAG). */
  maxIndexLag?: number
  /** Caps of the index worker's backlog; past one, writes are refused as busy (default MAX_INDEX_BACKLOG). */
  maxIndexBacklog?: Partial<Backlog>
  /**
   * Liveness limit (ms): an index worker that holds work or an unanswered call and makes no progress
   * for this long is given up, and its indexes reopen inline. Nothing waits this long.
   */
  indexWorkerTimeoutMs?: number
}

/** What the database knows about its vector indexes (diagnostics). */
export interface IndexStatus {
  /** none: indexes are inline; running; given-up: failed or stopped, its thread still ending; exited. */
  worker: 'none' | 'running' | 'given-up' | 'exited'
  /** Why indexes stay inline from now on, if they do. */
  disabled: string | null
  /** The worker has answered every search asked of it. */
  answering: boolean
  backlog: Backlog
  /** Queries answered by an exact scan of SQLite because the worker was busy. */
  exactScans: number
  /** The collection's unconfirmed tail, when asked for one whose index lives in the worker. */
  tail: TailSizes | null
}

export interface Scope {
  tenant: string
  database: string
}

interface CollectionRow {
  cid: number
  id: string
  name: string
  database_id: string
  metadata: string | null
  configuration: string
  schema: string | null
  dimension: number | null
  last_seq: number
  database_name: string
  tenant: string
}

interface LoadedIndex {
  index: IndexHandle
  /** Changes applied since the index was opened or last snapshotted (persistent mode). */
  dirty: boolean
  /** Labels changed since the last snapshot; past SNAPSHOT_AFTER_CHANGES a snapshot is written. */
  pending: number
}

/**
 * Persistent mode writes a collection's snapshot once this many labels changed since the last one,
 * so reopening after a crash replays a bounded number of rows (close() writes the rest).
 */
export const SNAPSHOT_AFTER_CHANGES = 100_000

/**
 * Write-behind bound: a query scans the unindexed tail exactly (about 1 us per 384-d vector), and
 * past this many unindexed upserts a write waits for the worker. One batch of 1,000 is enough for
 * the worker to insert a batch while the main thread takes in the next; a deeper tail adds no
 * throughput, it only moves insertion work into the queries that follow.
 */
export const MAX_INDEX_LAG = 1_000

/**
 * Backlog caps of a database's index worker (decision 0050): operations, labels and vector bytes
 * posted and not yet applied. They bound the memory held by the unconfirmed tails, the main thread's
 * batch records and the worker's queue whatever the stream of writes (deletes included). A write is
 * admitted while the backlog is under every cap, so one call may go past them by its own size.
 */
export const MAX_INDEX_BACKLOG: Backlog = { ops: 10_000, labels: 250_000, bytes: 64 * 1024 * 1024 }

/**
 * A query the busy worker cannot answer is answered by an exact scan of SQLite when its candidates
 * are at most this many rows and floats (about 100-300 ms on the build VM: 7-14 us per 384-d row);
 * beyond that it is refused as busy (retryable) rather than holding the thread longer.
 */
export const EXACT_SCAN_FALLBACK = { rows: 10_000, floats: 4 * 1024 * 1024 }

/**
 * A filtered query on a collection of at least this many records first tries the filter as a check
 * of an unfiltered search's nearest candidates, at most POST_FILTER_CANDIDATES x k (decision 0116): a
 * broad filter then costs a few lookups instead of reading every matching row id.
 */
export const POST_FILTER_MIN_RECORDS = 10_000
export const POST_FILTER_CANDIDATES = 30
/** Above this many candidates (k over 100) the unfiltered search itself gets costly: the allowed set serves. */
export const POST_FILTER_MAX_CANDIDATES = 3_000

const INDEX_WORKER_LIVENESS_MS = 120_000

/** Rows compared per step of a verification (one SQLite read and one ordered worker operation). */
const VERIFY_PAGE = 2_000
/** An inline rebuild's slice on the main thread between other work. */
const INLINE_SLICE_MS = 20

/** A validated add, upsert or update batch; a null list was not given. */
interface RecordBatch<M> {
  ids: string[]
  vectors: (Float32Array | null)[] | null
  metadatas: (M | null)[] | null
  documents: (string | null)[] | null
  uris: (string | null)[] | null
}

/** Index changes of one committed call. */
interface IndexChanges {
  upserts: Map<number, Float32Array>
  removes: Set<number>
}

const GET_INCLUDE_DEFAULT: IncludeField[] = ['documents', 'metadatas']
const QUERY_INCLUDE_DEFAULT: IncludeField[] = ['documents', 'metadatas', 'distances']

const COLLECTION_SELECT = `
  SELECT c.cid, c.id, c.name, c.database_id, c.metadata, c.configuration, c.schema, c.dimension, c.last_seq,
         d.name AS database_name, d.tenant
  FROM collections c JOIN databases d ON d.id = c.database_id`

function batchTooLarge(n: number): void {
  if (n > MAX_BATCH_SIZE) {
    throw new InvalidArgumentError(`Batch size ${n} exceeds maximum batch size ${MAX_BATCH_SIZE}`)
  }
}

function includes(include: IncludeField[], field: IncludeField): boolean {
  // Rust accepts "data" as an alias of metadatas.
  return include.includes(field) || (field === 'metadatas' && (include as string[]).includes('data'))
}

/** Between retries of a read refused as busy (readWhenAnswerable). */
const BUSY_RETRY_MS = 2

export class ChromaDatabase {
  readonly path: string | null
  readonly allowReset: boolean
  private readonly db: BetterSqlite3.Database
  private readonly store: RecordStore
  private readonly reembeds: ReembedStore
  /** Persistent mode: the asynchronous writes' shared fsync (decision 0110). */
  private readonly commits: GroupCommit | null
  private readonly writeTurns = new WriteTurns()
  private readonly indexDir: string | null
  private readonly indexes = new Map<number, LoadedIndex>()
  private closed = false
  private readonly snapshotAfterChanges: number
  private readonly workerOption: boolean | string
  private readonly maxIndexLag: number
  private readonly maxBacklog: Backlog
  private readonly workerTimeoutMs: number
  private exactScans = 0
  private worker: IndexWorker | null = null
  /** The last worker stopped: closeAsync() awaits the end of its thread. */
  private stoppedWorker: IndexWorker | null = null
  /** Why indexes stay on the main thread from now on (worker unavailable or failed). */
  private workerDisabled: string | null = null
  /** A running compaction: writes are refused as busy (never blocked) until it ends (decision 0075). */
  private compaction: Promise<unknown> | null = null

  constructor(opts: DatabaseOptions = {}) {
    this.path = opts.path ?? null
    this.allowReset = opts.allowReset ?? false
    this.snapshotAfterChanges = opts.snapshotAfterChanges ?? SNAPSHOT_AFTER_CHANGES
    this.workerOption = opts.indexWorker ?? true
    this.maxIndexLag = Math.max(1, opts.maxIndexLag ?? MAX_INDEX_LAG)
    const caps = { ...MAX_INDEX_BACKLOG, ...opts.maxIndexBacklog }
    // At least one of each: a cap of 0 would refuse every write, and an asynchronous writer would wait forever.
    this.maxBacklog = { ops: Math.max(1, caps.ops), labels: Math.max(1, caps.labels), bytes: Math.max(1, caps.bytes) }
    this.workerTimeoutMs = opts.indexWorkerTimeoutMs ?? INDEX_WORKER_LIVENESS_MS
    if (this.path) {
      mkdirSync(this.path, { recursive: true })
      this.indexDir = join(this.path, INDEX_DIR)
      mkdirSync(this.indexDir, { recursive: true })
    } else {
      this.indexDir = null
    }
    this.db = openSqlite(this.path ? join(this.path, DATABASE_FILE) : null)
    this.commits = this.path ? new GroupCommit(this.db, join(this.path, DATABASE_FILE)) : null
    this.store = new RecordStore(this.db)
    this.reembeds = new ReembedStore(this.db)
    this.ensureDefaults()
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /** Runs fn in one transaction; non-Chroma failures surface as UnexpectedError (an InternalError). */
  private tx<T>(fn: () => T): T {
    return this.read(() => this.db.transaction(fn)())
  }

  /**
   * Runs a read-only fn without BEGIN/COMMIT (two statements, about a tenth of a millisecond per
   * query): only this connection writes, and it is busy running fn, so fn's statements cannot see
   * different states. Other failures than ChromaErrors become InternalErrors (tx too).
   */
  private read<T>(fn: () => T): T {
    if (this.closed) throw new InternalError('The database is closed')
    try {
      return fn()
    } catch (e) {
      if (e instanceof ChromaError) throw e
      if (this.compaction !== null && (e as { code?: unknown }).code === 'SQLITE_BUSY') {
        throw new ResourceExhaustedError('The database is being compacted; writes resume when it ends. Retry shortly.')
      }
      throw new UnexpectedError(e)
    }
  }

  /**
   * A new (or reset) store starts with default_tenant/default_database. Only then: Chroma 1.0 lets
   * default_database be deleted and does not bring it back on restart (decision 0072).
   */
  private ensureDefaults(): void {
    if (this.db.prepare('SELECT 1 FROM tenants LIMIT 1').get()) return
    this.db.prepare('INSERT INTO tenants (name) VALUES (?)').run(DEFAULT_TENANT)
    this.db
      .prepare('INSERT INTO databases (id, name, tenant) VALUES (?, ?, ?)')
      .run(randomUUID(), DEFAULT_DATABASE, DEFAULT_TENANT)
  }

  heartbeat(): number {
    return Date.now() * 1_000_000
  }

  version(): string {
    return SERVER_VERSION
  }

  preflightChecks(): PreflightChecks {
    return { max_batch_size: MAX_BATCH_SIZE, supports_base64_encoding: true }
  }

  /** Drops everything and recreates default_tenant/default_database. */
  reset(): boolean {
    if (!this.allowReset) throw new ForbiddenError('Reset is disabled by config')
    this.tx(() => {
      this.db.exec('DELETE FROM collections; DELETE FROM databases; DELETE FROM tenants; DELETE FROM collection_forks;')
      this.ensureDefaults()
    })
    this.stopWorker()
    this.indexes.clear()
    if (this.indexDir) {
      for (const f of readdirSync(this.indexDir)) rmSync(join(this.indexDir, f), { force: true, recursive: true })
    }
    return true
  }

  /**
   * Persistent mode: writes snapshots of changed indexes, then closes SQLite. Idempotent. The index
   * worker gets at most INDEX_WAIT_MS to finish its queue (snapshots included); what it has not done
   * by then is skipped (snapshots are a cache). Await settleIndexes() first to let it finish.
   */
  close(): void {
    if (this.closed) return
    try {
      this.queueSnapshots()
    } finally {
      this.closed = true
      this.stopWorker()
      this.indexes.clear()
      this.commits?.close()
      this.db.close()
    }
  }

  /**
   * close() once the index worker has finished its queue and the final snapshots, then awaits the end
   * of its thread, all without blocking the thread (what PersistentClient.close does). After it, the
   * process can exit safely.
   */
  async closeAsync(): Promise<void> {
    if (!this.closed) {
      this.queueSnapshots()
      await this.settleIndexes()
      this.close()
    }
    await this.stoppedWorker?.whenExited()
  }

  get isClosed(): boolean {
    return this.closed
  }

  /**
   * Writes a snapshot of every loaded index with unsnapshotted changes (persistent mode only). Those
   * of the index worker are queued and waited for at most INDEX_WAIT_MS; settleIndexes() awaits them.
   */
  flushSnapshots(): void {
    this.queueSnapshots()
    this.waitForWorker()
  }

  private queueSnapshots(): void {
    if (!this.indexDir || this.closed) return
    for (const [cid, loaded] of this.indexes) {
      // The worker knows whether its index differs from the snapshot (it may have rebuilt it).
      if (!loaded.dirty && !loaded.index.inWorker) continue
      const row = this.db
        .prepare<[number], { id: string; last_seq: number }>('SELECT id, last_seq FROM collections WHERE cid = ?')
        .get(cid)
      if (!row) continue
      if (!this.durableForSnapshot()) continue
      try {
        loaded.index.snapshot(this.indexDir, row.id, row.last_seq)
      } catch (e) {
        if (!(e instanceof IndexWorkerError)) throw e
        continue // the next open replays SQLite over the last snapshot
      }
      loaded.dirty = false
      loaded.pending = 0
    }
  }

  /** Waits, at most INDEX_WAIT_MS, until the index worker has applied everything queued so far. */
  private waitForWorker(): void {
    const worker = this.worker
    if (worker === null || worker.dead !== null) return
    const deadline = performance.now() + INDEX_WAIT_MS
    try {
      let applied = worker.applied()
      while (applied < worker.lastTicket && performance.now() < deadline)
        applied = worker.waitApplied(applied, deadline)
    } catch {
      // its failure is handled where the indexes are used next
    }
  }

  /**
   * Resolves once the index worker has applied every operation queued so far (snapshots included),
   * without blocking the thread. PersistentClient awaits it before close and after createIndex.
   */
  async settleIndexes(): Promise<void> {
    const worker = this.worker
    if (worker === null || worker.dead !== null) return
    try {
      await worker.whenApplied()
    } catch (e) {
      if (!(e instanceof IndexWorkerError)) throw e
      this.workerFailed(worker, e.message)
    }
  }

  /**
   * Resolves once a write to the collection would be admitted without waiting (its tail under
   * maxIndexLag, the backlog under its caps), without blocking the thread: the backpressure of
   * asynchronous callers (decision 0050).
   */
  async waitForIndexRoom(collectionId: string): Promise<void> {
    await this.compaction // a write would be refused as busy until it ends
    for (;;) {
      const worker = this.worker
      if (this.roomNow(collectionId) || worker === null) return
      try {
        await worker.whenApplied(worker.applied() + 1)
      } catch (e) {
        if (!(e instanceof IndexWorkerError)) throw e
        this.workerFailed(worker, e.message)
        return
      }
    }
  }

  /** Whether a write to the collection would be admitted now without waiting (waitForIndexRoom's test). */
  private roomNow(collectionId: string): boolean {
    const worker = this.worker
    if (this.closed || worker === null || worker.dead !== null) return true
    const cid = this.cidOf(collectionId)
    if (cid === undefined) return true // the write itself reports the missing collection
    try {
      return this.hasRoom(worker, cid)
    } catch (e) {
      if (!(e instanceof IndexWorkerError)) throw e
      this.workerFailed(worker, e.message)
      return true
    }
  }

  /**
   * Runs a write once the collection's index has room for it (waitForIndexRoom), again if it is
   * still refused as busy: the asynchronous callers' way to write (PersistentClient, imports, copies).
   */
  async writeWhenRoom<T>(collectionId: string, write: () => T): Promise<T> {
    return this.writeInTurn(collectionId, write, false)
  }

  /**
   * add() for asynchronous callers (writeWhenRoom's rule). An add only appends records, so a query
   * that shows none of them answers without waiting for their fsync (decision 0118). `check` runs
   * first, in the same synchronous step (v1's refusal of ids that exist).
   */
  async addWhenRoom(collectionId: string, req: AddRequest, check?: () => void): Promise<void> {
    await this.writeInTurn(
      collectionId,
      () => {
        check?.()
        this.add(collectionId, req)
      },
      true
    )
  }

  private async writeInTurn<T>(collectionId: string, write: () => T, appends: boolean): Promise<T> {
    const place = this.writeTurns.place()
    for (;;) {
      await this.waitForIndexRoom(collectionId)
      // One asynchronous write per turn of the event loop: requests that arrived meanwhile (queries)
      // are served before it, not after every queued write (decision 0117).
      await this.writeTurns.next(place)
      if (this.closed) throw new InternalError('The database is closed')
      // The writes that had their turns first may have used the room up: wait again rather than
      // block the thread in admit() (decision 0050).
      if (!this.roomNow(collectionId)) continue
      try {
        // Resolves once the commit is on disk; its fsync runs off this thread, shared with the
        // writes that commit meanwhile (group commit, decision 0110).
        if (!this.commits) return write()
        return await this.commits.run(write, appends ? this.store.maxRid() : null)
      } catch (e) {
        if (!(e instanceof ResourceExhaustedError)) throw e
      }
    }
  }

  /**
   * Runs a read and answers once every commit it could have seen is on disk: a write is visible as
   * soon as it commits, before its shared fsync returns (group commit, decision 0110), and an answer
   * must not show a row that a power loss could still take back. Immediate when nothing is pending.
   */
  async readDurable<T>(read: () => T, newestRowShown?: (result: T) => number): Promise<T> {
    let result: T
    try {
      result = read()
    } catch (e) {
      // An error can come from a commit not yet on disk too (a dimension an add just set, an id a
      // delete just removed): it waits like an answer that could show one. Not a busy refusal: it is
      // retried, and the answer waits then.
      const pending = e instanceof ResourceExhaustedError ? null : this.commits?.settled()
      if (pending) await pending
      throw e
    }
    const pending = newestRowShown ? this.commits?.settledShowing(newestRowShown(result)) : this.commits?.settled()
    if (pending) await pending
    return result
  }

  /**
   * query() for asynchronous callers (readWhenAnswerable's rule): answers once the records it shows
   * are durable, without waiting for the fsync of adds whose records it does not show (decision 0118).
   */
  async queryWhenAnswerable(collectionId: string, req: QueryRequest): Promise<QueryResult> {
    const shown = await this.readWhenAnswerable(
      () => this.queryShowing(collectionId, req),
      (s) => s.newestRid
    )
    return shown.result
  }

  /**
   * Runs a read (a query), awaiting the index worker without blocking while it is too busy to answer
   * and the collection too large to scan exactly: the asynchronous callers' way to query.
   */
  async readWhenAnswerable<T>(read: () => T, newestRowShown?: (result: T) => number): Promise<T> {
    for (;;) {
      try {
        return await this.readDurable(read, newestRowShown)
      } catch (e) {
        if (!(e instanceof ResourceExhaustedError)) throw e
        await this.waitForIndexWorker()
        // The worker may refuse at once without anything left to answer (a rebuild runs ahead of the
        // index): a short timer keeps the retries from holding the thread in a loop of microtasks.
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS))
      }
    }
  }

  /** Resolves once the index worker has answered every search asked of it (same failure rule). */
  async waitForIndexWorker(): Promise<void> {
    await this.compaction // a read refused as busy during compaction waits for its end
    const worker = this.worker
    if (this.closed || worker === null || worker.dead !== null) return
    try {
      await worker.whenAnswered()
    } catch (e) {
      if (!(e instanceof IndexWorkerError)) throw e
      this.workerFailed(worker, e.message)
    }
  }

  private cidOf(collectionId: string): number | undefined {
    return this.db.prepare<[string], { cid: number }>('SELECT cid FROM collections WHERE id = ?').get(collectionId)?.cid
  }

  private backlogFull(worker: IndexWorker): Backlog | null {
    const b = worker.backlog()
    const cap = this.maxBacklog
    return b.ops >= cap.ops || b.labels >= cap.labels || b.bytes >= cap.bytes ? b : null
  }

  /** The backlog is under its caps and (with `soft`) the collection's tail under maxIndexLag. */
  private hasRoom(worker: IndexWorker, cid: number, soft = true): boolean {
    if (this.backlogFull(worker) !== null) return false
    const index = this.indexes.get(cid)?.index
    return !soft || !(index instanceof WorkerIndex) || index.lag <= this.maxIndexLag
  }

  /**
   * Backpressure before a write (decision 0050), called inside its transaction before anything is
   * written. While the index worker's backlog is at a cap or (with `soft`) the collection's tail past
   * maxIndexLag, waits for the worker, at most INDEX_WAIT_MS. Then a full backlog refuses the write
   * with a retryable ResourceExhaustedError (nothing was written); a long tail lets it go ahead.
   */
  private admit(c: CollectionRow, soft = true): void {
    const worker = this.worker
    if (worker === null || worker.dead !== null) return
    const deadline = performance.now() + INDEX_WAIT_MS
    try {
      for (;;) {
        if (this.hasRoom(worker, c.cid, soft)) return
        worker.checkAlive()
        const applied = worker.applied()
        if (performance.now() >= deadline) break
        worker.waitApplied(applied, deadline)
      }
    } catch (e) {
      if (!(e instanceof IndexWorkerError)) throw e
      this.workerFailed(worker, e.message)
      return
    }
    const full = this.backlogFull(worker)
    if (full === null) return
    throw new ResourceExhaustedError(
      `The vector index is busy: ${full.ops} operations (${full.labels} records, ` +
        `${(full.bytes / 1048576).toFixed(1)} MiB of vectors) are waiting to be indexed. Retry shortly.`
    )
  }

  private stopWorker(): void {
    const worker = this.worker
    this.worker = null
    if (worker === null) return
    worker.close()
    this.stoppedWorker = worker
  }

  /** The index worker, started on first use; null when indexes stay inline. */
  private indexWorker(): IndexWorker | null {
    if (this.worker !== null) {
      if (this.worker.dead === null) return this.worker
      this.workerDisabled ??= this.worker.dead // failed before its exit event arrived
    }
    if (this.workerDisabled !== null || this.indexDir === null || this.workerOption === false) return null
    const entry = findIndexWorkerEntry(typeof this.workerOption === 'string' ? this.workerOption : undefined)
    if (entry === null) {
      this.workerDisabled = 'no index worker script found'
      return null
    }
    const worker: IndexWorker = new IndexWorker(entry, this.workerTimeoutMs, (reason) =>
      this.onWorkerDeath(worker, reason)
    )
    this.worker = worker
    return worker
  }

  /** A failed worker is not restarted: its collections reload inline from SQLite and snapshots. */
  private onWorkerDeath(worker: IndexWorker, reason: string): void {
    if (this.worker !== worker) return
    if (!this.closed) this.workerDisabled = reason
    this.forgetWorkerIndexes()
  }

  /** The worker was given up (it stopped making progress): the same as its death, at once. */
  private workerFailed(worker: IndexWorker, reason: string): void {
    if (this.worker !== worker) return
    this.workerDisabled ??= reason
    this.forgetWorkerIndexes()
  }

  /** Indexes that lived in a failed worker reload inline (from SQLite and snapshots) on next use. */
  private forgetWorkerIndexes(): void {
    for (const [cid, loaded] of this.indexes) if (loaded.index.inWorker) this.indexes.delete(cid)
  }

  /** The state of the vector indexes: the index worker, its backlog, and a collection's tail. */
  indexStatus(collectionId?: string): IndexStatus {
    const worker = this.worker
    const cid = collectionId === undefined ? undefined : this.read(() => this.collectionById(collectionId).cid)
    const index = cid === undefined ? undefined : this.indexes.get(cid)?.index
    return {
      worker: worker === null ? 'none' : worker.hasExited ? 'exited' : worker.dead !== null ? 'given-up' : 'running',
      disabled: this.workerDisabled,
      answering: worker === null || worker.dead !== null || worker.answering,
      backlog: worker === null || worker.dead !== null ? { ops: 0, labels: 0, bytes: 0 } : worker.backlog(),
      exactScans: this.exactScans,
      tail: index instanceof WorkerIndex ? index.tailSizes() : null
    }
  }

  /**
   * Where another thread can read the collection's rows itself (a read-only connection to the database
   * file, as the index worker does): the file, the collection's key in it and its write sequence number.
   * Null in memory. The map's layout worker reads embeddings this way (docs/map.md).
   */
  rowSource(collectionId: string): { dbFile: string; cid: number; seq: number } | null {
    if (this.path === null) return null
    return { dbFile: join(this.path, DATABASE_FILE), ...this.writeMark(collectionId) }
  }

  /**
   * What the collection's content is at: its key in this database file (never reused: a collection
   * deleted and made again under the same id, as a restore does, gets a new one) and its write sequence
   * number (every add, update, upsert, delete and re-embedding raises it; it starts at 0 with the
   * collection). The same pair later means no record was written since (the map, decision 0105).
   */
  writeMark(collectionId: string): { cid: number; seq: number } {
    const c = this.read(() => this.collectionById(collectionId))
    return { cid: c.cid, seq: c.last_seq }
  }

  /**
   * Ids of the collection's records whose embedding was written after write number `seq` (added,
   * updated or upserted with a vector, or re-embedded): what a map made at `seq` has at an old place.
   */
  embeddedSince(collectionId: string, seq: number): string[] {
    return this.read(() => {
      const c = this.collectionById(collectionId)
      return this.db
        .prepare<[number, number], [string]>('SELECT id FROM records WHERE cid = ? AND seq > ?')
        .raw(true)
        .all(c.cid, seq)
        .map(([id]) => id)
    })
  }

  /**
   * Chroma 1.5's indexing status: how many of the collection's writes (sequence numbers) the vector
   * index covers. Writes index behind (decision 0015), so the newest may be pending in the worker; an
   * index not loaded covers what its snapshot covers (the rest is replayed when it loads).
   */
  indexingStatus(collectionId: string): IndexingStatus {
    const c = this.read(() => this.collectionById(collectionId))
    const total = c.last_seq
    let indexed: number
    const index = this.indexes.get(c.cid)?.index
    const oldest = index instanceof WorkerIndex ? index.oldestUnconfirmedSeq() : null
    if (index !== undefined && oldest !== 'opening') {
      // Inline indexes apply each write before it returns; the worker's prefix ends before its oldest
      // unconfirmed write.
      indexed = oldest === null ? total : oldest - 1
    } else if (c.dimension === null) {
      indexed = total // no vector was ever written: nothing to index
    } else {
      indexed = this.indexDir === null ? 0 : Math.min(total, snapshotInfo(this.indexDir, c.id)?.seq ?? 0)
    }
    return {
      num_indexed_ops: indexed,
      num_unindexed_ops: total - indexed,
      total_ops: total,
      op_indexing_progress: total === 0 ? 1 : indexed / total
    }
  }

  // ---- index health and maintenance (docs/index-health.md) ------------------------------------------

  /** Records, storage, index sizes and lag of one collection. Never loads an index. */
  async collectionHealth(collectionId: string): Promise<CollectionHealth> {
    const { c, records, payloadBytes, database } = this.read(() => {
      const c = this.collectionById(collectionId)
      return {
        c,
        records: this.store.count(c.cid),
        payloadBytes: (this.db.prepare(PAYLOAD_SQL).pluck().get(c.cid, c.cid) as number | undefined) ?? 0,
        database: fileSizes(this.db, this.path ? join(this.path, DATABASE_FILE) : null)
      }
    })
    const handle = this.indexes.get(c.cid)?.index
    const snapshot = this.indexDir ? snapshotInfo(this.indexDir, c.id) : null
    const tail = handle instanceof WorkerIndex ? handle.tailSizes() : null
    let memory: IndexStats | null = null
    if (handle) {
      // An inspect of an empty range answers with the sizes; a worker busy for a second is left out.
      const sizes = handle.inspect(0, 0, new Uint32Array(0), new Float32Array(0)).then(
        (r) => r.stats,
        () => null
      )
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(resolve, 1000, null)))
      memory = await Promise.race([sizes, timeout])
      clearTimeout(timer)
    }
    return {
      collectionId: c.id,
      name: c.name,
      records,
      dimension: c.dimension,
      storage: { payloadBytes, database },
      index: {
        state: c.dimension === null ? 'no-vectors' : !handle ? 'not-loaded' : handle.inWorker ? 'worker' : 'inline',
        snapshot,
        memory
      },
      lag: {
        upserts: tail?.upserts ?? 0,
        removals: tail?.removals ?? 0,
        sinceSnapshot: snapshot === null ? null : Math.max(0, c.last_seq - snapshot.seq)
      }
    }
  }

  /**
   * Compares the collection's index with SQLite, a page of rows at a time: missing (live in SQLite,
   * not in the index), extra (in the index, not in SQLite) and stale (a vector that differs from
   * SQLite's as prepared for the space). Each page is read and handed to the index in one tick, and
   * the index worker runs it as an ordered operation, after every write acknowledged before it: the
   * write-behind tail is settled first, never counted as missing.
   */
  async verifyIndex(collectionId: string, opts: MaintenanceOptions = {}): Promise<VerifyReport> {
    const start = performance.now()
    const first = this.read(() => this.collectionById(collectionId))
    const total = this.read(() => this.store.count(first.cid))
    const examples = { missing: [] as number[], extra: [] as number[], stale: [] as number[] }
    const counts = { missing: 0, extra: 0, stale: 0 }
    let checked = 0
    let after = 0
    while (first.dimension !== null) {
      opts.signal?.throwIfAborted()
      const page = this.read(() => {
        const c = this.collectionById(collectionId)
        const dim = c.dimension as number
        const rows = readRowsAfter(this.db, c.cid, after, Number.MAX_SAFE_INTEGER, VERIFY_PAGE)
        const labels = Uint32Array.from(rows, (r) => r.label)
        const vectors = new Float32Array(rows.length * dim)
        rows.forEach((r, i) => vectors.set(r.vector, i * dim))
        const hi = rows.length < VERIFY_PAGE ? MAX_LABEL : (labels[labels.length - 1] as number)
        return { reply: this.loadIndex(c).inspect(after, hi, labels, vectors), rows: rows.length, hi }
      })
      let reply: InspectReply
      try {
        reply = await page.reply
      } catch (e) {
        if (!(e instanceof IndexWorkerError)) throw e
        throw new InternalError(`The index could not be verified (${e.message}). Rebuild it, or try again.`)
      }
      for (const kind of ['missing', 'extra', 'stale'] as const) {
        counts[kind] += reply.result[kind].length
        examples[kind].push(...reply.result[kind].slice(0, EXAMPLES - examples[kind].length))
      }
      checked += page.rows
      opts.onProgress?.(checked, Math.max(total, checked))
      if (page.hi === MAX_LABEL) break
      after = page.hi
      await new Promise((resolve) => setImmediate(resolve))
    }
    const problems = (kind: 'missing' | 'extra' | 'stale'): IndexProblems => {
      const labels = examples[kind]
      // Extra vectors have no record in SQLite, so no id: they are shown by label.
      const rows = kind === 'extra' ? [] : this.read(() => this.store.readRows(labels))
      return { count: counts[kind], examples: labels.map((l, i) => rows[i]?.id ?? `#${l}`) }
    }
    return {
      collectionId: first.id,
      name: first.name,
      checked,
      healthy: counts.missing + counts.extra + counts.stale === 0,
      missing: problems('missing'),
      extra: problems('extra'),
      stale: problems('stale'),
      seconds: (performance.now() - start) / 1000
    }
  }

  /**
   * Builds the collection's index anew from SQLite and replaces the old one once complete (queries are
   * answered by the old one meanwhile), then writes its snapshot. In the index worker the build is an
   * ordered operation run a slice at a time; inline, slices run between the main thread's other work
   * and the new index catches up with writes made meanwhile before the swap. A cancelled rebuild keeps
   * the old index.
   */
  async rebuildIndex(collectionId: string, opts: MaintenanceOptions = {}): Promise<RebuildReport> {
    const start = performance.now()
    const c = this.read(() => this.collectionById(collectionId))
    const total = this.read(() => this.store.count(c.cid))
    const report = (records: number, snapshot: boolean): RebuildReport => ({
      collectionId: c.id,
      name: c.name,
      records,
      snapshot,
      seconds: (performance.now() - start) / 1000
    })
    if (c.dimension === null) return report(0, false)
    opts.signal?.throwIfAborted()
    const params = hnswParams(JSON.parse(c.configuration) as CollectionConfiguration)
    const handle = this.loadIndex(c)
    if (handle instanceof WorkerIndex && this.path !== null) {
      let result: { cancelled: boolean; records: number }
      try {
        const build = { dbFile: join(this.path, DATABASE_FILE), cid: c.cid, seq: c.last_seq, total, params }
        result = await handle.rebuild(build, opts.signal, opts.onProgress)
      } catch (e) {
        if (!(e instanceof IndexWorkerError)) throw e
        throw new InternalError(`The index could not be rebuilt (${e.message}). Try again.`)
      }
      opts.signal?.throwIfAborted()
      if (result.cancelled) throw new InternalError('The rebuild was cancelled; the old index stays in use')
      if (this.indexDir && this.indexes.get(c.cid)?.index === handle && this.durableForSnapshot()) {
        handle.snapshot(this.indexDir, c.id)
        await this.settleIndexes()
      }
      return report(result.records, this.indexDir !== null)
    }
    // Inline: build between the main thread's other work; writes meanwhile go to the old index.
    const build = new IndexBuild(
      c.dimension,
      params,
      (after, limit) => readRowsAfter(this.db, c.cid, after, c.last_seq, limit),
      total
    )
    for (;;) {
      opts.signal?.throwIfAborted()
      if (this.read(() => build.step(performance.now() + INLINE_SLICE_MS))) break
      opts.onProgress?.(build.done, total)
      await new Promise((resolve) => setImmediate(resolve))
    }
    // One tick from here: catch up with what was written since (SQLite as of now), then swap.
    const now = this.read(() => this.collectionById(collectionId))
    const problem = reconcile(build.index, c.last_seq, {
      dim: c.dimension,
      params,
      currentSeq: now.last_seq,
      liveLabels: () => this.store.rids(c.cid),
      rowsSince: (seq) => this.store.embeddingsSince(c.cid, seq),
      allRows: () => this.store.embeddingsSince(c.cid, -1)
    })
    if (problem !== null) throw new InternalError(`The rebuilt index did not match the database: ${problem}`)
    build.index.setEfSearch(params.efSearch)
    const old = this.indexes.get(c.cid)
    old?.index.release(null, null)
    const loaded = { index: new InlineIndex(build.index), dirty: true, pending: 0 }
    this.indexes.set(c.cid, loaded)
    opts.onProgress?.(build.index.size, build.index.size)
    if (this.indexDir && this.durableForSnapshot()) {
      loaded.index.snapshot(this.indexDir, c.id, now.last_seq)
      loaded.dirty = false
    }
    return report(build.index.size, this.indexDir !== null)
  }

  /**
   * Compacts the database file: VACUUM (pages freed by deletes return to the file system only so) and
   * a truncating checkpoint of the WAL, in a worker thread with its own connection (decision 0075).
   * Reads go on meanwhile; writes are refused as busy (retryable) rather than blocking the thread, and
   * asynchronous writers wait for the end. Cannot be cancelled once started.
   */
  async compact(opts: Pick<MaintenanceOptions, 'signal'> = {}): Promise<CompactReport> {
    const file = this.path ? join(this.path, DATABASE_FILE) : null
    if (this.compaction !== null) throw new ResourceExhaustedError('The database is already being compacted')
    opts.signal?.throwIfAborted()
    const before = this.read(() => fileSizes(this.db, file))
    const start = performance.now()
    if (file === null) {
      this.read(() => this.db.exec('VACUUM'))
    } else {
      // A write on the main connection fails at once (busy) instead of waiting for the VACUUM's lock.
      this.db.pragma('busy_timeout = 0')
      const run = vacuumFile(this.db, file)
      this.compaction = run.catch(() => undefined)
      try {
        await run
      } finally {
        this.compaction = null
        if (!this.closed) this.db.pragma('busy_timeout = 5000')
      }
    }
    const after = this.read(() => fileSizes(this.db, file))
    const size = (s: typeof before): number => s.fileBytes + s.walBytes
    return {
      before,
      after,
      freedBytes: Math.max(0, size(before) - size(after)),
      seconds: (performance.now() - start) / 1000
    }
  }

  // ---- tenants and databases -----------------------------------------------------------------

  createTenant(name: unknown): void {
    const n = validateTenantName(name)
    this.tx(() => {
      if (this.db.prepare('SELECT 1 FROM tenants WHERE name = ?').get(n)) {
        throw new UniqueConstraintError(`Tenant [${n}] already exists`)
      }
      this.db.prepare('INSERT INTO tenants (name) VALUES (?)').run(n)
    })
  }

  /** Every tenant's name, sorted. Not part of Chroma's API (it has no such route): the app's switcher uses it. */
  listTenants(): string[] {
    return this.read(() =>
      this.db
        .prepare<[], { name: string }>('SELECT name FROM tenants ORDER BY name')
        .all()
        .map((r) => r.name)
    )
  }

  getTenant(name: string): TenantModel {
    return this.tx(() => {
      const row = this.db
        .prepare<[string], { resource_name: string | null }>('SELECT resource_name FROM tenants WHERE name = ?')
        .get(name)
      if (!row) throw new NotFoundError(`Tenant [${name}] not found`)
      return { name, resource_name: row.resource_name }
    })
  }

  /** PATCH /tenants/{name}: sets the tenant's resource_name. */
  updateTenant(name: string, resourceName: unknown): void {
    if (typeof resourceName !== 'string') throw deserializeError('resource_name', resourceName, 'a string')
    this.tx(() => {
      const changed = this.db.prepare('UPDATE tenants SET resource_name = ? WHERE name = ?').run(resourceName, name)
      if (changed.changes === 0) throw new NotFoundError(`Tenant [${name}] not found`)
    })
  }

  createDatabase(tenant: string, name: unknown): void {
    const n = validateDatabaseName(name)
    this.tx(() => {
      if (this.db.prepare('SELECT 1 FROM databases WHERE tenant = ? AND name = ?').get(tenant, n)) {
        throw new UniqueConstraintError(`Database [${n}] already exists`)
      }
      this.db.prepare('INSERT INTO databases (id, name, tenant) VALUES (?, ?, ?)').run(randomUUID(), n, tenant)
    })
  }

  getDatabase(tenant: string, name: string): DatabaseModel {
    return this.tx(() => {
      const row = this.db
        .prepare<[string, string], DatabaseModel>(
          'SELECT id, name, tenant FROM databases WHERE tenant = ? AND name = ?'
        )
        .get(tenant, name)
      if (!row) throw new NotFoundError(`Database [${name}] not found. Are you sure it exists?`)
      return { ...row }
    })
  }

  listDatabases(tenant: string, limit?: number | null, offset?: number | null): DatabaseModel[] {
    const lim = validateCount(limit, 'limit')
    const off = validateCount(offset, 'offset') ?? 0
    return this.tx(() =>
      this.db
        .prepare<[string, number, number], DatabaseModel>(
          'SELECT id, name, tenant FROM databases WHERE tenant = ? ORDER BY name LIMIT ? OFFSET ?'
        )
        .all(tenant, lim ?? -1, off)
    )
  }

  deleteDatabase(tenant: string, name: string): void {
    const dropped = this.tx(() => {
      const row = this.db
        .prepare<[string, string], { id: string }>('SELECT id FROM databases WHERE tenant = ? AND name = ?')
        .get(tenant, name)
      if (!row) throw new NotFoundError(`Database [${name}] not found`)
      const cols = this.db
        .prepare<[string], { cid: number; id: string }>('SELECT cid, id FROM collections WHERE database_id = ?')
        .all(row.id)
      this.db.prepare('DELETE FROM databases WHERE id = ?').run(row.id)
      return cols
    })
    for (const c of dropped) this.dropIndex(c.cid, c.id)
  }

  // ---- embedding models the user chose ------------------------------------------------------------

  /**
   * The record of embedding models (hub ids, absolute folders) that the app's user chose, kept with
   * the data they were chosen for. Only the app writes it (api/model-trust.ts); Chroma's API has no
   * call that reaches it.
   */
  isTrustedModel(model: string): boolean {
    return this.read(() => this.db.prepare('SELECT 1 FROM trusted_models WHERE model = ?').get(model) !== undefined)
  }

  /** Models the user chose, oldest first. */
  trustedModels(): string[] {
    return this.read(() =>
      (this.db.prepare('SELECT model FROM trusted_models ORDER BY added_at, model').all() as { model: string }[]).map(
        (r) => r.model
      )
    )
  }

  trustModel(model: string): void {
    this.tx(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO trusted_models (model, added_at) VALUES (?, ?)')
        .run(model, new Date().toISOString())
    })
  }

  // ---- collections ----------------------------------------------------------------------------

  private toModel(row: CollectionRow): CollectionModel {
    return {
      id: row.id,
      name: row.name,
      configuration_json: JSON.parse(row.configuration) as CollectionConfiguration,
      schema: row.schema === null ? null : (JSON.parse(row.schema) as CollectionSchema),
      metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Metadata),
      dimension: row.dimension,
      tenant: row.tenant,
      database: row.database_name,
      log_position: 0,
      version: 0
    }
  }

  private collectionByName(scope: Scope, name: string): CollectionRow | undefined {
    return this.db
      .prepare<[string, string, string], CollectionRow>(
        `${COLLECTION_SELECT} WHERE d.tenant = ? AND d.name = ? AND c.name = ?`
      )
      .get(scope.tenant, scope.database, name)
  }

  private collectionById(id: string): CollectionRow {
    const row = this.db.prepare<[string], CollectionRow>(`${COLLECTION_SELECT} WHERE c.id = ?`).get(id)
    if (!row) throw new NotFoundError(`Collection [${id}] does not exist`)
    return row
  }

  /**
   * `opts.preferId` (restoring a backup): the new collection keeps this id when it is a UUID no
   * collection uses, else gets a fresh one; the caller reads the result's id. `opts.stored` (restoring
   * too): `req` is a stored collection's configuration and schema, already consistent, so the schema
   * is checked but not applied to the configuration again.
   */
  createCollection(
    scope: Scope,
    req: CreateCollectionRequest,
    opts: { preferId?: string; stored?: boolean } = {}
  ): CollectionModel {
    const name = validateCollectionName(req.name)
    const metadata = validateCollectionMetadata(req.metadata)
    const schema = validateCollectionSchema(req.schema)
    const configuration = resolveCreateConfiguration(
      opts.stored ? req.configuration : configurationWithSchema(req.configuration, schema),
      metadata
    )
    return this.tx(() => {
      const dbRow = this.db
        .prepare<[string, string], { id: string }>('SELECT id FROM databases WHERE tenant = ? AND name = ?')
        .get(scope.tenant, scope.database)
      if (!dbRow) throw new InvalidArgumentError(`Database [${scope.database}] does not exist`)
      const existing = this.collectionByName(scope, name)
      if (existing) {
        // get_or_create returns the existing collection unchanged (Rust semantics).
        if (req.get_or_create) return this.toModel(existing)
        throw new UniqueConstraintError(`Collection [${name}] already exists`)
      }
      const id = this.freeCollectionId(opts.preferId)
      this.db
        .prepare(
          'INSERT INTO collections (id, name, database_id, metadata, configuration, schema) VALUES (?, ?, ?, ?, ?, ?)'
        )
        .run(
          id,
          name,
          dbRow.id,
          metadata === null ? null : JSON.stringify(metadata),
          JSON.stringify(configuration),
          schema === null ? null : JSON.stringify(schema)
        )
      return this.toModel(this.collectionById(id))
    })
  }

  private freeCollectionId(preferred: string | undefined): string {
    if (preferred === undefined || !UUID.test(preferred)) return randomUUID()
    if (this.db.prepare('SELECT 1 FROM collections WHERE id = ?').get(preferred)) return randomUUID()
    // Index files a deleted collection of that id may have left must not be taken for this one's.
    if (this.indexDir) deleteSnapshot(this.indexDir, preferred)
    return preferred
  }

  getCollection(scope: Scope, name: string): CollectionModel {
    return this.tx(() => {
      const row = this.collectionByName(scope, name)
      if (!row) throw new NotFoundError(`Collection [${name}] does not exist`)
      return this.toModel(row)
    })
  }

  getCollectionById(id: string): CollectionModel {
    return this.tx(() => this.toModel(this.collectionById(id)))
  }

  /** Ordered by collection UUID, like Chroma's local server. */
  listCollections(scope: Scope, limit?: number | null, offset?: number | null): CollectionModel[] {
    const lim = validateCount(limit, 'limit')
    const off = validateCount(offset, 'offset') ?? 0
    return this.tx(() =>
      this.db
        .prepare<[string, string, number, number], CollectionRow>(
          `${COLLECTION_SELECT} WHERE d.tenant = ? AND d.name = ? ORDER BY c.id LIMIT ? OFFSET ?`
        )
        .all(scope.tenant, scope.database, lim ?? -1, off)
        .map((r) => this.toModel(r))
    )
  }

  countCollections(scope: Scope): number {
    return this.tx(
      () =>
        (
          this.db
            .prepare<[string, string], { n: number }>(
              'SELECT count(*) AS n FROM collections c JOIN databases d ON d.id = c.database_id WHERE d.tenant = ? AND d.name = ?'
            )
            .get(scope.tenant, scope.database) as { n: number }
        ).n
    )
  }

  /**
   * Gives a collection a keyword (BM25) index on `key`: from now on writes compute the key's
   * chroma_bm25 vectors from documents, and `backfillKeywordIndex` gives them to stored records.
   * An extension (Chroma fixes a schema at creation; docs/search-api.md). Idempotent, so an
   * interrupted backfill resumes by asking again.
   */
  addKeywordIndex(collectionId: string, key: string): void {
    if (key.length === 0 || key.startsWith('#') || key.startsWith('$')) {
      throw new InvalidArgumentError(`A keyword index needs a metadata key, not ${JSON.stringify(key)}`)
    }
    this.tx(() => {
      const c = this.collectionById(collectionId)
      const schema = this.schemaOf(collectionId) ?? { defaults: {}, keys: {} }
      if (sparseEmbeddingTargets(schema).some((t) => t.key === key && t.sourceKey === DOCUMENT_KEY)) return
      if (key in schema.keys) {
        throw new InvalidArgumentError(`The collection's schema already configures the key '${key}'`)
      }
      const other = sparseIndexKey(schema)
      if (other !== null) throw new InvalidArgumentError(oneSparseIndex(other))
      const used = this.db
        .prepare<[number, string], number>('SELECT 1 FROM record_metadata WHERE cid = ? AND key = ? LIMIT 1')
        .pluck()
        .get(c.cid, key)
      if (used !== undefined) {
        throw new InvalidArgumentError(`Records already hold metadata under '${key}': choose another key`)
      }
      const next: CollectionSchema = { ...schema, keys: { ...schema.keys, [key]: bm25SchemaKey() } }
      this.db.prepare('UPDATE collections SET schema = ? WHERE cid = ?').run(JSON.stringify(next), c.cid)
    })
  }

  /**
   * Writes the keyword vectors of up to `batch` stored records that have a document but no value
   * under the collection's keyword key `key`, after record key `afterRid`, in one transaction.
   * Returns how many it wrote (0: done) and where the next batch starts.
   */
  backfillKeywordIndex(
    collectionId: string,
    key: string,
    afterRid = 0,
    batch = 1000
  ): { written: number; lastRid: number } {
    this.collectionById(collectionId) // a collection deleted meanwhile is not found, whatever its schema was
    const target = sparseEmbeddingTargets(this.schemaOf(collectionId)).find(
      (t) => t.key === key && t.sourceKey === DOCUMENT_KEY
    )
    if (target === undefined) throw new InvalidArgumentError(`The collection has no keyword index on '${key}'`)
    return this.tx(() => {
      const c = this.collectionById(collectionId)
      const rows = this.db
        .prepare<[number, number, string, number], { rid: number; document: string }>(
          `SELECT rid, document FROM records r WHERE cid = ? AND rid > ? AND document IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM record_metadata m WHERE m.rid = r.rid AND m.key = ?)
           ORDER BY rid LIMIT ?`
        )
        .all(c.cid, afterRid, key, batch)
      for (const { rid, document } of rows) this.store.writeMetaValue(rid, c.cid, key, target.encoder.encode(document))
      return { written: rows.length, lastRid: rows.at(-1)?.rid ?? afterRid }
    })
  }

  /** Records with a document but nothing under `key`: what a keyword index still lacks. */
  countMissingKeyword(collectionId: string, key: string): number {
    const c = this.collectionById(collectionId)
    return this.db
      .prepare<[number, string], number>(
        `SELECT count(*) FROM records r WHERE cid = ? AND document IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM record_metadata m WHERE m.rid = r.rid AND m.key = ?)`
      )
      .pluck()
      .get(c.cid, key) as number
  }

  /** Records with a document: what a keyword index covers. */
  countDocuments(collectionId: string): number {
    const c = this.collectionById(collectionId)
    return this.db
      .prepare<[number], number>('SELECT count(*) FROM records WHERE cid = ? AND document IS NOT NULL')
      .pluck()
      .get(c.cid) as number
  }

  /** Rename, replace metadata, merge configuration (ef_search applies to a loaded index at once). */
  updateCollection(id: string, req: UpdateCollectionRequest): CollectionModel {
    const newName = req.new_name == null ? null : validateCollectionName(req.new_name, 'new_name')
    let newMetadata: Metadata | null | undefined
    if (req.new_metadata != null) {
      const md = validateUpdateMetadata(req.new_metadata, 'new_metadata')
      const kept: Metadata = {}
      for (const [k, v] of Object.entries(md)) if (v !== null) kept[k] = v
      newMetadata = Object.keys(kept).length === 0 ? null : kept
      if (Object.keys(md).length === 0)
        throw new InvalidArgumentError('Validation error: new_metadata: Metadata cannot be empty')
    }
    const result = this.tx(() => {
      const row = this.collectionById(id)
      if (newName !== null && newName !== row.name) {
        const clash = this.db
          .prepare('SELECT 1 FROM collections WHERE database_id = ? AND name = ?')
          .get(row.database_id, newName)
        if (clash) throw new UniqueConstraintError(`Collection [${newName}] already exists`)
        this.db.prepare('UPDATE collections SET name = ? WHERE cid = ?').run(newName, row.cid)
      }
      if (newMetadata !== undefined) {
        this.db
          .prepare('UPDATE collections SET metadata = ? WHERE cid = ?')
          .run(newMetadata === null ? null : JSON.stringify(newMetadata), row.cid)
      }
      const before = JSON.parse(row.configuration) as CollectionConfiguration
      const after = mergeUpdateConfiguration(before, req.new_configuration)
      if (changesModel(before.embedding_function, after.embedding_function)) {
        if (this.store.count(row.cid) > 0) {
          throw new InvalidArgumentError(
            `Collection [${row.name}] holds records embedded with its current model; another model needs every ` +
              "record embedded again. Use Chromadesk's re-embed (collection settings, or `npm run cli -- reembed`), " +
              'which switches when all records are done'
          )
        }
        // Empty: the next write sets the dimension of the new model.
        this.db.prepare('UPDATE collections SET dimension = NULL WHERE cid = ?').run(row.cid)
      }
      // A changed ef_search or M is an operation for the index worker: it counts against the backlog
      // (a refusal rolls this whole transaction back).
      if (after.hnsw.ef_search !== before.hnsw.ef_search || after.hnsw.max_neighbors !== before.hnsw.max_neighbors) {
        this.admit(row, false)
      }
      this.db.prepare('UPDATE collections SET configuration = ? WHERE cid = ?').run(JSON.stringify(after), row.cid)
      if (row.schema !== null && req.new_configuration) {
        const schema = schemaWithConfiguration(JSON.parse(row.schema) as CollectionSchema, req.new_configuration)
        this.db.prepare('UPDATE collections SET schema = ? WHERE cid = ?').run(JSON.stringify(schema), row.cid)
      }
      return { row: this.collectionById(id), before, after }
    })
    const loaded = this.indexes.get(result.row.cid)
    if (loaded) {
      // M cannot change in a built graph: drop it and rebuild lazily with the new parameters.
      if (result.after.hnsw.max_neighbors !== result.before.hnsw.max_neighbors) {
        this.indexes.delete(result.row.cid)
        loaded.index.release(null, null)
      } else if (result.after.hnsw.ef_search !== result.before.hnsw.ef_search) {
        try {
          loaded.index.setEfSearch(result.after.hnsw.ef_search)
        } catch {
          this.indexes.delete(result.row.cid) // worker gone: reload on next use
        }
      }
    }
    return this.toModel(result.row)
  }

  // ---- re-embedding with another model (decision 0122) -------------------------------------------

  /**
   * Starts re-embedding a collection into `target` (or resumes one with the same target: the vectors
   * already made are kept). Records keep their old vectors until finishReembed. Refused when a record
   * has no document, since nothing could give it a vector of the new model.
   */
  beginReembed(collectionId: string, target: EmbeddingFunctionConfig): void {
    this.tx(() => {
      const c = this.collectionById(collectionId)
      this.refuseRecordsWithoutDocument(c)
      this.reembeds.begin(c.cid, JSON.stringify(target))
    })
  }

  private refuseRecordsWithoutDocument(c: CollectionRow): void {
    const missing = this.reembeds.withoutDocument(c.cid, 4)
    if (missing.length === 0) return
    const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ', …' : '')
    throw new InvalidArgumentError(
      `Collection [${c.name}] has records without a document (${shown}): another model cannot embed them. ` +
        'Give them documents or delete them, then re-embed'
    )
  }

  /**
   * While a collection is re-embedded, a record written without a document (or left without one) is
   * refused, and the whole write with it: the new model could not embed it, and the switch would keep
   * its old model's vector beside the new ones (decision 0127).
   */
  private refuseUndocumentedDuringReembed(c: CollectionRow, ids: readonly string[]): void {
    if (this.reembeds.target(c.cid) === null) return
    const missing = this.reembeds.withoutDocumentAmong(c.cid, ids)
    if (missing.length === 0) return
    const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ', …' : '')
    throw new InvalidArgumentError(
      `Collection [${c.name}] is being re-embedded with another model: every record needs a document the new ` +
        `model can embed, and ${shown} would have none. Write it with a document, or once the re-embedding has finished`
    )
  }

  /** The target of the collection's unfinished re-embedding, or null. */
  reembedTarget(collectionId: string): EmbeddingFunctionConfig | null {
    const target = this.read(() => this.reembeds.target(this.collectionById(collectionId).cid))
    return target === null ? null : (JSON.parse(target) as EmbeddingFunctionConfig)
  }

  /** Unfinished re-embeddings (to resume after a restart). */
  pendingReembeds(): { collectionId: string; target: EmbeddingFunctionConfig }[] {
    return this.read(() =>
      this.reembeds.pending().map((p) => {
        const row = this.db.prepare('SELECT id FROM collections WHERE cid = ?').get(p.cid) as { id: string }
        return { collectionId: row.id, target: JSON.parse(p.target) as EmbeddingFunctionConfig }
      })
    )
  }

  /** Up to `limit` records still to embed with the target model. */
  reembedTodo(collectionId: string, limit: number): ReembedTodo[] {
    return this.read(() => this.reembeds.todo(this.collectionById(collectionId).cid, limit))
  }

  reembedProgress(collectionId: string): { total: number; done: number } {
    return this.read(() => this.reembeds.counts(this.collectionById(collectionId).cid))
  }

  /** Keeps new vectors; refused once the re-embedding was cancelled or finished. */
  stageReembed(collectionId: string, rows: { rid: number; document: string; embedding: Float32Array }[]): void {
    this.tx(() => {
      const c = this.collectionById(collectionId)
      if (this.reembeds.target(c.cid) === null) throw new InternalError('The re-embedding is no longer running')
      this.reembeds.stage(c.cid, rows)
    })
  }

  /**
   * Switches the collection to the target model in one transaction: every record's new vector, the
   * configuration and the dimension; then the old index is dropped (the next use builds one from the
   * new vectors). Returns false, changing nothing, while a record still needs a vector (one written
   * meanwhile): embed those and call again.
   */
  finishReembed(collectionId: string): boolean {
    const c = this.tx(() => {
      const row = this.collectionById(collectionId)
      const target = this.reembeds.target(row.cid)
      if (target === null) throw new InternalError('The collection has no re-embedding to finish')
      if (this.reembeds.todo(row.cid, 1).length > 0) return null
      this.refuseRecordsWithoutDocument(row)
      const dims = this.reembeds.dimensions(row.cid)
      if (dims.length > 1) throw new InternalError(`The new vectors disagree on their dimension (${dims.join(', ')})`)
      this.reembeds.apply(row.cid, this.nextSeq(row))
      const embedding_function = JSON.parse(target) as EmbeddingFunctionConfig
      const configuration = { ...(JSON.parse(row.configuration) as CollectionConfiguration), embedding_function }
      this.db
        .prepare('UPDATE collections SET configuration = ?, dimension = ? WHERE cid = ?')
        .run(JSON.stringify(configuration), dims[0] ?? null, row.cid)
      if (row.schema !== null) {
        const schema = schemaWithConfiguration(JSON.parse(row.schema) as CollectionSchema, { embedding_function })
        this.db.prepare('UPDATE collections SET schema = ? WHERE cid = ?').run(JSON.stringify(schema), row.cid)
      }
      this.reembeds.cancel(row.cid)
      return row
    })
    if (c === null) return false
    this.dropIndex(c.cid, c.id)
    return true
  }

  /** Drops an unfinished re-embedding; the collection keeps its model and vectors. */
  cancelReembed(collectionId: string): void {
    this.tx(() => this.reembeds.cancel(this.collectionById(collectionId).cid))
  }

  deleteCollection(scope: Scope, name: string): void {
    const row = this.tx(() => {
      const r = this.collectionByName(scope, name)
      if (!r) throw new NotFoundError(`Collection [${name}] does not exist`)
      this.db.prepare('DELETE FROM collections WHERE cid = ?').run(r.cid)
      return r
    })
    this.dropIndex(row.cid, row.id)
  }

  private dropIndex(cid: number, collectionId: string): void {
    // The worker deletes the files too, after any snapshot it still has queued for the collection.
    this.indexes.get(cid)?.index.release(this.indexDir, collectionId)
    this.indexes.delete(cid)
    if (this.indexDir) deleteSnapshot(this.indexDir, collectionId)
  }

  // ---- vector index lifecycle -----------------------------------------------------------------

  private loadIndex(c: CollectionRow): IndexHandle {
    const loaded = this.indexes.get(c.cid)
    if (loaded) return loaded.index
    if (c.dimension === null) throw new InternalError('Collection has no dimension yet')
    const cfg = JSON.parse(c.configuration) as CollectionConfiguration
    const params = hnswParams(cfg)
    const worker = this.indexWorker()
    if (worker !== null && this.path !== null) {
      try {
        // The worker opens the snapshot and replays SQLite itself (its own read-only connection).
        const index = new WorkerIndex(
          worker,
          {
            dbFile: join(this.path, DATABASE_FILE),
            cid: c.cid,
            collectionId: c.id,
            dir: this.indexDir,
            seq: c.last_seq
          },
          c.dimension,
          params
        )
        this.indexes.set(c.cid, { index, dirty: false, pending: 0 })
        return index
      } catch (e) {
        if (!(e instanceof IndexWorkerError)) throw e
      }
    }
    const store = this.store
    const source: IndexSource = {
      dim: c.dimension,
      params,
      currentSeq: c.last_seq,
      liveLabels: () => store.rids(c.cid),
      rowsSince: (seq) => store.embeddingsSince(c.cid, seq),
      allRows: () => store.embeddingsSince(c.cid, -1)
    }
    const { index, rebuilt } = openIndex(this.indexDir, c.id, source)
    index.setEfSearch(params.efSearch)
    const handle = new InlineIndex(index)
    this.indexes.set(c.cid, { index: handle, dirty: rebuilt, pending: 0 })
    return handle
  }

  /**
   * Searches the collection's index. A busy index worker (no answer by `deadline`) means an exact
   * scan of SQLite instead; a failed one means a reload inline and a retry.
   */
  private searchIndex(
    c: CollectionRow,
    query: Float32Array,
    k: number,
    allowed: Set<number> | undefined,
    deadline: number,
    scanBudget: { floats: number }
  ) {
    const handle = this.loadIndex(c)
    try {
      return handle.search(query, k, allowed, deadline)
    } catch (e) {
      if (e instanceof IndexWorkerBusy) return this.exactSearch(c, query, k, allowed, scanBudget)
      if (!(e instanceof IndexWorkerError)) throw e
      this.workerDisabled ??= e.message
      this.forgetWorkerIndexes()
      return this.loadIndex(c).search(query, k, allowed)
    }
  }

  /** Whether the collection holds `n` records or more: walks at most n index entries, unlike a COUNT. */
  private hasAtLeast(cid: number, n: number): boolean {
    return (
      this.db
        .prepare<[number, number], number>('SELECT 1 FROM records WHERE cid = ? LIMIT 1 OFFSET ?')
        .pluck()
        .get(cid, n - 1) !== undefined
    )
  }

  /**
   * The k nearest records that pass `filter`, from the unfiltered search's nearest candidates checked
   * against the filter in SQLite; null when too few pass (a narrow filter: the caller searches among
   * the filter's whole allowed set instead). First the nearest k: all passing (a filter most records
   * pass) answers at once; none passing marks a narrow filter; otherwise the share that passed sizes a
   * second, wider search (at most k x POST_FILTER_CANDIDATES). When k pass, they are the k nearest
   * passing records as far as the search's own recall goes: a passing record not among the candidates
   * is farther than all of them.
   */
  private postFilteredSearch(c: CollectionRow, query: Float32Array, k: number, filter: FilterNode): SearchHit[] | null {
    const frag = compileFilter(filter, c.cid, true)
    // CROSS JOIN keeps the candidates as the outer loop: one primary-key lookup each, never a scan.
    const check = this.db
      .prepare(
        `SELECT r.rid FROM json_each(?) j CROSS JOIN records r ON r.rid = j.value WHERE r.cid = ? AND ${frag.sql}`
      )
      .pluck()
    const passing = (hits: SearchHit[]): SearchHit[] => {
      const pass = new Set(check.all(JSON.stringify(hits.map((h) => h.label)), c.cid, ...frag.params) as number[])
      return hits.filter((h) => pass.has(h.label))
    }
    const nearest = this.candidates(c, query, k)
    if (nearest === null || nearest.length < k) return null
    const first = passing(nearest)
    if (first.length === k) return first
    if (first.length === 0) return null
    // Enough candidates for k to pass at the share seen, three times over.
    const wider = Math.min(k * POST_FILTER_CANDIDATES, Math.ceil((3 * k * k) / first.length))
    const candidates = this.candidates(c, query, wider)
    if (candidates === null) return null
    const hits = passing(candidates)
    return hits.length >= k ? hits.slice(0, k) : null
  }

  /**
   * The unfiltered nearest `k` from the index, each search with its own wait; null when the index
   * cannot answer now (busy, or its worker failed): the allowed-set path then answers, with its own
   * fallbacks (an exact scan of a small allowed set, the worker's recovery), as without a filter check.
   */
  private candidates(c: CollectionRow, query: Float32Array, k: number): SearchHit[] | null {
    try {
      return this.loadIndex(c).search(query, k, undefined, performance.now() + INDEX_WAIT_MS)
    } catch (e) {
      if (e instanceof IndexWorkerBusy || e instanceof IndexWorkerError) return null
      throw e
    }
  }

  /**
   * The k nearest by an exact scan of SQLite, the source of truth: every acknowledged write, never a
   * deleted record. Same distance code and float32 copies as the index, so distances are identical.
   * Refused as busy (retryable) past EXACT_SCAN_FALLBACK rows, or once the call's scans have used up
   * `budget` (floats read), so the thread is not held for long.
   */
  private exactSearch(
    c: CollectionRow,
    query: Float32Array,
    k: number,
    allowed: Set<number> | undefined,
    budget: { floats: number }
  ): SearchHit[] {
    const dim = c.dimension as number
    const rows = allowed?.size ?? this.store.count(c.cid)
    if (rows > EXACT_SCAN_FALLBACK.rows || rows * dim > budget.floats) {
      throw new ResourceExhaustedError(
        `The vector index of collection ${c.id} is busy (the index worker is loading or saving it). Retry shortly.`
      )
    }
    budget.floats -= rows * dim
    this.exactScans++
    const { space } = hnswParams(JSON.parse(c.configuration) as CollectionConfiguration)
    const prepared = preparedQuery(space, query)
    const top = new TopK(Math.max(1, Math.min(k, rows)))
    const offer = (rid: number, vector: Float32Array): void => {
      top.offer(rid, distanceAt(space, prepared, storedVector(space, vector), 0, dim))
    }
    if (allowed === undefined) {
      this.store.forEachEmbedding(c.cid, dim, offer)
    } else {
      for (const rid of allowed) {
        const vector = this.store.readEmbedding(rid)
        if (vector !== undefined) offer(rid, vector)
      }
    }
    return top.sorted()
  }

  /**
   * Whether a snapshot may be written now: it records a sequence number of SQLite and is made durable
   * on its own, so every commit it may cover must be on disk first, also those of asynchronous writes
   * whose group-commit fsync is still in flight (decision 0110); else a crash could leave a snapshot
   * ahead of SQLite, whose next writes reuse the lost sequence numbers and rids. Syncs the WAL on this
   * thread when needed (once per snapshot); false when that sync failed (no snapshot: it is a cache).
   */
  private durableForSnapshot(): boolean {
    try {
      this.commits?.syncNow()
      return true
    } catch {
      return false
    }
  }

  /** Applies a committed call's changes to the collection's index (loading it first if needed); on
   * failure the index is dropped and rebuilt from SQLite on next use (SQLite is the source of truth). */
  private applyIndexChanges(c: CollectionRow, changes: IndexChanges): void {
    if (changes.upserts.size === 0 && changes.removes.size === 0) return
    const loaded = this.indexes.get(c.cid)
    if (!loaded) {
      // Keep the index current from the first write on, so no query pays for building it. Loading
      // reads the committed rows, these changes included. The write is committed: a failure here
      // must not be reported as a failed write; the next query loads the index from SQLite.
      try {
        if (c.dimension !== null) this.loadIndex(c)
      } catch {
        // left unloaded
      }
      return
    }
    try {
      loaded.index.apply([...changes.removes], changes.upserts, c.last_seq)
      loaded.dirty = true
      loaded.pending += changes.removes.size + changes.upserts.size
    } catch {
      this.indexes.delete(c.cid)
      loaded.index.release(null, null)
      return
    }
    if (this.indexDir && loaded.pending >= this.snapshotAfterChanges && this.durableForSnapshot()) {
      try {
        loaded.index.snapshot(this.indexDir, c.id, c.last_seq)
        loaded.dirty = false
        loaded.pending = 0
      } catch {
        // Not fatal: the previous snapshot stays valid and SQLite replays the difference on open.
      }
    }
  }

  /**
   * Loads the collection's index and, in persistent mode, writes its snapshot now (in the index
   * worker: queued and waited for at most INDEX_WAIT_MS; settleIndexes() awaits it).
   */
  createIndex(collectionId: string): void {
    const c = this.tx(() => {
      const row = this.collectionById(collectionId)
      this.admit(row, false)
      return row
    })
    if (c.dimension === null) return
    const index = this.loadIndex(c)
    if (this.indexDir && this.durableForSnapshot()) {
      index.snapshot(this.indexDir, c.id, c.last_seq)
      this.waitForWorker()
      const loaded = this.indexes.get(c.cid)
      if (loaded) {
        loaded.dirty = false
        loaded.pending = 0
      }
    }
  }

  // ---- record writes --------------------------------------------------------------------------

  private nextSeq(c: CollectionRow): number {
    const seq = c.last_seq + 1
    this.db.prepare('UPDATE collections SET last_seq = ? WHERE cid = ?').run(seq, c.cid)
    c.last_seq = seq
    return seq
  }

  private setDimensionIfUnset(c: CollectionRow, dim: number | null): void {
    if (dim !== null && c.dimension === null) {
      this.db.prepare('UPDATE collections SET dimension = ? WHERE cid = ?').run(dim, c.cid)
      c.dimension = dim
    }
  }

  private writeMetadata(rid: number, cid: number, md: Metadata | UpdateMetadata, replaceKeys: boolean): void {
    for (const [k, v] of Object.entries(md)) {
      if (replaceKeys) this.store.deleteMetaKey(rid, k)
      if (v !== null) this.store.writeMetaValue(rid, cid, k, v)
    }
  }

  /**
   * What add, upsert and update share: validate the request (lists, lengths, metadata) before the
   * transaction, then inside it check the embeddings against the collection's dimension, take the
   * next sequence number, let `write` apply the batch, and afterwards update the index.
   * `embeddingsOptional` is update's rule: the list may be missing and may hold null entries.
   */
  private writeRecords<M extends Metadata | UpdateMetadata>(
    collectionId: string,
    req: UpdateRequest,
    embeddingsOptional: boolean,
    checkMetadata: (m: unknown, path: string) => M,
    write: (batch: RecordBatch<M>, c: CollectionRow, seq: number, changes: IndexChanges) => void
  ): void {
    const ids = validateIds(req.ids)
    batchTooLarge(ids.length)
    const embeddings = embeddingsOptional
      ? validateOptionalList(req.embeddings, 'embeddings')
      : (req.embeddings as unknown[] | null)
    const metadatas = validateOptionalList(req.metadatas, 'metadatas')
    const documents = validateStringOrNullList(req.documents, 'documents')
    const uris = validateStringOrNullList(req.uris, 'uris')
    validateLengths(ids.length, embeddings, metadatas, documents, uris)
    const mds = withSparseEmbeddings(
      sparseEmbeddingTargets(this.schemaOf(collectionId)),
      metadatas?.map((m, i) => (m == null ? null : checkMetadata(m, `metadatas[${i}]`))) ?? null,
      documents,
      ids.length
    )
    const { changes, c } = this.tx(() => {
      const c = this.collectionById(collectionId)
      this.admit(c)
      const { vectors, dim } = !embeddingsOptional
        ? validateEmbeddings(embeddings, c.dimension)
        : embeddings
          ? validateEmbeddings(embeddings, c.dimension, true)
          : { vectors: null, dim: null }
      const seq = this.nextSeq(c)
      const changes: IndexChanges = { upserts: new Map(), removes: new Set() }
      write({ ids, vectors, metadatas: mds, documents, uris }, c, seq, changes)
      this.refuseUndocumentedDuringReembed(c, ids)
      if (changes.upserts.size > 0) this.setDimensionIfUnset(c, dim)
      return { changes, c }
    })
    this.applyIndexChanges(c, changes)
  }

  /** Inserts new ids; existing ids (and repeats inside the batch) are ignored: first write wins. */
  add(collectionId: string, req: AddRequest): void {
    this.writeRecords(collectionId, req, false, validateMetadata, (batch, c, seq, changes) => {
      // Records first, then their metadata: writing one b-tree at a time keeps SQLite's page cache
      // warm (interleaving the two roughly doubles the time of a 100k-record add).
      const newMetadata: [number, Metadata][] = []
      for (let i = 0; i < batch.ids.length; i++) {
        const id = batch.ids[i] as string
        if (this.store.findRid(c.cid, id) !== undefined) continue
        const vec = batch.vectors?.[i] as Float32Array
        const rid = this.store.insert(c.cid, id, batch.documents?.[i] ?? null, batch.uris?.[i] ?? null, vec, seq)
        const md = batch.metadatas?.[i]
        if (md) newMetadata.push([rid, md])
        changes.upserts.set(rid, vec)
      }
      for (const [rid, md] of newMetadata) this.writeMetadata(rid, c.cid, md, false)
    })
  }

  /**
   * Writes each record whole, in one transaction: an id already stored loses its old document,
   * metadata, uri and embedding; a new id is added. (Import's overwrite: upsert would merge metadata,
   * and a delete then an add could lose the old records if the add failed.) Repeats in the batch:
   * the first wins, as in add.
   */
  replace(collectionId: string, req: AddRequest): void {
    this.writeRecords(collectionId, req, false, validateMetadata, (batch, c, seq, changes) => {
      const seen = new Set<string>()
      for (let i = 0; i < batch.ids.length; i++) {
        const id = batch.ids[i] as string
        if (seen.has(id)) continue
        seen.add(id)
        const old = this.store.findRid(c.cid, id)
        if (old !== undefined) {
          this.store.delete(old)
          changes.removes.add(old)
        }
        const vec = batch.vectors?.[i] as Float32Array
        const rid = this.store.insert(c.cid, id, batch.documents?.[i] ?? null, batch.uris?.[i] ?? null, vec, seq)
        const md = batch.metadatas?.[i]
        if (md) this.writeMetadata(rid, c.cid, md, false)
        changes.upserts.set(rid, vec)
      }
    })
  }

  /** Updates existing ids (missing ids ignored). null entries leave the field unchanged;
   * metadata is merged, a null value deleting its key. */
  update(collectionId: string, req: UpdateRequest): void {
    this.writeRecords(collectionId, req, true, validateUpdateMetadata, (batch, c, seq, changes) => {
      for (let i = 0; i < batch.ids.length; i++) {
        const rid = this.store.findRid(c.cid, batch.ids[i] as string)
        if (rid === undefined) continue
        this.updateExisting(rid, c.cid, seq, batch, i, changes)
      }
    })
  }

  /** Applies entry i of an update or upsert batch to an existing record; null fields stay as they are. */
  private updateExisting(
    rid: number,
    cid: number,
    seq: number,
    batch: RecordBatch<UpdateMetadata>,
    i: number,
    changes: IndexChanges
  ): void {
    const document = batch.documents?.[i] ?? null
    const uri = batch.uris?.[i] ?? null
    const md = batch.metadatas?.[i] ?? null
    const vec = batch.vectors?.[i] ?? null
    if (document !== null) this.store.setDocument(rid, document)
    if (uri !== null) this.store.setUri(rid, uri)
    if (md) this.writeMetadata(rid, cid, md, true)
    if (vec) {
      this.store.setEmbedding(rid, vec, seq)
      changes.upserts.set(rid, vec)
    }
  }

  /** Insert missing ids, update existing ones (embedding replaced, metadata merged). */
  upsert(collectionId: string, req: UpsertRequest): void {
    this.writeRecords(collectionId, req, false, validateUpdateMetadata, (batch, c, seq, changes) => {
      for (let i = 0; i < batch.ids.length; i++) {
        const id = batch.ids[i] as string
        const rid = this.store.findRid(c.cid, id)
        if (rid !== undefined) {
          this.updateExisting(rid, c.cid, seq, batch, i, changes)
        } else {
          const vec = batch.vectors?.[i] as Float32Array
          const newRid = this.store.insert(c.cid, id, batch.documents?.[i] ?? null, batch.uris?.[i] ?? null, vec, seq)
          const md = batch.metadatas?.[i]
          if (md) this.writeMetadata(newRid, c.cid, md, false)
          changes.upserts.set(newRid, vec)
        }
      }
    })
  }

  delete(collectionId: string, req: DeleteRequest): DeleteResult {
    const ids = req.ids == null ? null : validateIds(req.ids)
    const filter = this.parseFilters(collectionId, req.where, req.where_document)
    const limit = validateCount(req.limit, 'limit')
    if (limit !== null && filter === null) {
      throw new InvalidArgumentError('limit can only be specified when a where clause is provided')
    }
    if (ids === null && filter === null) {
      this.tx(() => this.collectionById(collectionId))
      return { deleted: 0 }
    }
    if (ids !== null && ids.length === 0 && filter === null) {
      throw new InvalidArgumentError('Validation error: ids, where: Either ids or where must be specified')
    }
    const { changes, deleted, c } = this.tx(() => {
      const c = this.collectionById(collectionId)
      this.admit(c, false) // removals add no scan work to queries, only backlog
      const changes: IndexChanges = { upserts: new Map(), removes: new Set() }
      let deleted: number
      if (filter === null) {
        for (const id of ids ?? []) {
          const rid = this.store.findRid(c.cid, id)
          if (rid !== undefined && !changes.removes.has(rid)) {
            this.store.delete(rid)
            changes.removes.add(rid)
          }
        }
        deleted = ids?.length ?? 0 // Chroma reports len(ids), unchecked
      } else {
        const rids = this.selectRids(c.cid, ids, filter, limit, null)
        for (const rid of rids) {
          this.store.delete(rid)
          changes.removes.add(rid)
        }
        deleted = rids.length
      }
      if (changes.removes.size > 0) this.nextSeq(c)
      return { changes, deleted, c }
    })
    this.applyIndexChanges(c, changes)
    return { deleted }
  }

  // ---- record reads ---------------------------------------------------------------------------

  /** The collection's schema, if it has one: it refuses filters that need an index it turns off. */
  private schemaOf(collectionId: string): CollectionSchema | null {
    const row = this.db
      .prepare<[string], { schema: string | null }>('SELECT schema FROM collections WHERE id = ?')
      .get(collectionId)
    return row?.schema == null ? null : (JSON.parse(row.schema) as CollectionSchema)
  }

  /** where AND where_document as one tree, or null when neither is given. */
  private parseFilters(collectionId: string, where: unknown, whereDocument: unknown): FilterNode | null {
    const parts: FilterNode[] = []
    try {
      if (where != null) parts.push(parseWhere(where))
    } catch (e) {
      throw this.withKeyTypes(collectionId, e)
    }
    if (whereDocument != null) parts.push(parseWhereDocument(whereDocument))
    if (parts.length === 0) return null
    const filter: FilterNode = parts.length === 1 ? (parts[0] as FilterNode) : { kind: 'and', children: parts }
    refuseDisabledIndexes(this.schemaOf(collectionId), filter)
    return filter
  }

  /**
   * A filter refused for a value's type says what its key holds ("year" holds integers): one index
   * probe per type on record_metadata_lookup, not a scan, so it costs nothing on a large collection.
   */
  private withKeyTypes(collectionId: string, e: unknown): unknown {
    if (!(e instanceof InvalidFilterError) || e.key === undefined) return e
    const key = e.key
    let held: string[]
    try {
      held = this.tx(() => {
        const c = this.collectionById(collectionId)
        const probe = this.db.prepare('SELECT 1 FROM record_metadata WHERE cid = ? AND key = ? AND vtype = ? LIMIT 1')
        return Object.entries(VTYPE_NAMES)
          .filter(([vtype]) => probe.get(c.cid, key, Number(vtype)) !== undefined)
          .map(([, name]) => TYPE_WORDS[name])
      })
    } catch {
      return e // the collection's own error comes from the call itself
    }
    const holds = held.length === 0 ? 'no values in this collection' : held.join(' and ')
    return new InvalidFilterError(e.message, `${e.reason}; "${key}" holds ${holds}`, key)
  }

  private buildSelect(
    columns: string,
    cid: number,
    ids: string[] | null,
    filter: FilterNode | null,
    limit: number | null,
    offset: number | null
  ): { sql: string; params: unknown[] } {
    const conds = ['r.cid = ?']
    const params: unknown[] = [cid]
    if (ids !== null) {
      // One JSON parameter, however many ids: never near SQLite's variable limit. Written as a rid
      // list driven by the ids (unique (cid, id) index), so few ids never scan a large collection
      // (CROSS JOIN pins json_each as the outer loop).
      conds.push('r.rid IN (SELECT r2.rid FROM json_each(?) j CROSS JOIN records r2 ON r2.cid = ? AND r2.id = j.value)')
      params.push(JSON.stringify(ids), cid)
    }
    if (filter !== null) {
      const frag = compileFilter(filter, cid)
      conds.push(frag.sql)
      params.push(...frag.params)
    }
    params.push(limit ?? -1, offset ?? 0)
    return {
      sql: `SELECT ${columns} FROM records r WHERE ${conds.join(' AND ')} ORDER BY r.rid LIMIT ? OFFSET ?`,
      params
    }
  }

  private selectRids(
    cid: number,
    ids: string[] | null,
    filter: FilterNode | null,
    limit: number | null,
    offset: number | null
  ): number[] {
    const { sql, params } = this.buildSelect('r.rid', cid, ids, filter, limit, offset)
    return this.db
      .prepare(sql)
      .pluck()
      .all(...params) as number[]
  }

  get(collectionId: string, req: GetRequest = {}): GetResult {
    const ids = req.ids == null ? null : validateIds(req.ids)
    const filter = this.parseFilters(collectionId, req.where, req.where_document)
    const limit = validateCount(req.limit, 'limit')
    const offset = validateCount(req.offset, 'offset')
    const include = validateInclude(req.include, GET_INCLUDE_DEFAULT)
    const wantEmb = includes(include, 'embeddings')
    const wantDocs = includes(include, 'documents')
    const wantMeta = includes(include, 'metadatas')
    const wantUris = includes(include, 'uris')
    return this.tx(() => {
      const c = this.collectionById(collectionId)
      const cols = 'r.rid, r.id, r.document, r.uri' + (wantEmb ? ', r.embedding' : '')
      const { sql, params } = this.buildSelect(cols, c.cid, ids, filter, limit, offset)
      const rows = this.db.prepare(sql).all(...params) as {
        rid: number
        id: string
        document: string | null
        uri: string | null
        embedding?: Buffer
      }[]
      return {
        ids: rows.map((r) => r.id),
        embeddings: wantEmb ? rows.map((r) => Array.from(decodeEmbedding(r.embedding as Buffer))) : null,
        documents: wantDocs ? rows.map((r) => r.document) : null,
        uris: wantUris ? rows.map((r) => r.uri) : null,
        metadatas: wantMeta ? rows.map((r) => this.store.readMetadata(r.rid)) : null,
        include
      }
    })
  }

  count(collectionId: string): number {
    return this.tx(() => this.store.count(this.collectionById(collectionId).cid))
  }

  /** How many records match a filter (Chroma has no such call; the app's delete-by-filter preview uses it). */
  countWhere(collectionId: string, where?: unknown, whereDocument?: unknown): number {
    const filter = this.parseFilters(collectionId, where, whereDocument)
    return this.tx(() => {
      const c = this.collectionById(collectionId)
      if (filter === null) return this.store.count(c.cid)
      const { sql, params } = this.buildSelect('r.rid', c.cid, null, filter, null, null)
      return (
        (this.db
          .prepare(`SELECT count(*) FROM (${sql})`)
          .pluck()
          .get(...params) as number) ?? 0
      )
    })
  }

  /**
   * One key's values with their record counts, most frequent first, and the range of its numbers,
   * among the records `where`/`where_document` select. Grouped in SQLite over record_metadata's
   * (cid, key, vtype, value) index, so no record leaves the database.
   */
  facets(collectionId: string, req: FacetRequest): FacetResult {
    if (typeof req.key !== 'string' || req.key.length === 0) {
      throw new InvalidArgumentError('facets: key must be a non-empty string')
    }
    const key = req.key
    const limit = validateCount(req.limit, 'limit') ?? FACET_LIMIT_DEFAULT
    if (limit < 1 || limit > FACET_LIMIT_MAX) {
      throw new InvalidArgumentError(`facets: limit must be between 1 and ${FACET_LIMIT_MAX}, got ${limit}`)
    }
    const filter = this.parseFilters(collectionId, req.where, req.where_document)
    return this.tx(() => {
      const c = this.collectionById(collectionId)
      // Sparse vectors are searched, not faceted.
      let scope = `m.cid = ? AND m.key = ? AND m.vtype != ${VType.sparse}`
      const params: unknown[] = [c.cid, key]
      if (filter !== null) {
        const sel = this.buildSelect('r.rid', c.cid, null, filter, null, null)
        scope += ` AND m.rid IN (${sel.sql})`
        params.push(...sel.params)
      }
      const totals = this.db
        .prepare(
          `SELECT count(DISTINCT m.rid) AS records,
             min(CASE WHEN m.vtype IN (${VType.int}, ${VType.float}) THEN m.value END) AS min,
             max(CASE WHEN m.vtype IN (${VType.int}, ${VType.float}) THEN m.value END) AS max
           FROM record_metadata m WHERE ${scope}`
        )
        .get(...params) as { records: number; min: number | null; max: number | null }
      const distinct = this.db
        .prepare(`SELECT count(*) FROM (SELECT 1 FROM record_metadata m WHERE ${scope} GROUP BY m.vtype, m.value)`)
        .pluck()
        .get(...params) as number
      const rows = this.db
        .prepare(
          `SELECT m.vtype AS vtype, m.value AS value, count(DISTINCT m.rid) AS n FROM record_metadata m
           WHERE ${scope} GROUP BY m.vtype, m.value ORDER BY n DESC, m.vtype, m.value LIMIT ?`
        )
        .all(...params, limit) as { vtype: number; value: string | number; n: number }[]
      return {
        key,
        records: totals.records,
        distinct,
        values: rows.map((r) => ({ value: r.vtype === VType.bool ? r.value !== 0 : r.value, count: r.n })),
        min: totals.min,
        max: totals.max
      }
    })
  }

  /** Notes that `forkId` was forked from `sourceId`: it joins the source's lineage. */
  recordFork(sourceId: string, forkId: string): void {
    this.tx(() => {
      this.collectionById(sourceId)
      this.collectionById(forkId)
      const root =
        (this.db.prepare('SELECT root_id FROM collection_forks WHERE id = ?').pluck().get(sourceId) as
          string | undefined) ?? sourceId
      this.db
        .prepare('INSERT OR REPLACE INTO collection_forks (id, source_id, root_id, created_at) VALUES (?, ?, ?, ?)')
        .run(forkId, sourceId, root, new Date().toISOString())
    })
  }

  /**
   * Forks in the collection's lineage (the first collection and every fork made from it or from its
   * forks) that still exist; every member of a lineage answers the same number.
   */
  forkCount(collectionId: string): number {
    return this.tx(() => {
      this.collectionById(collectionId)
      const root =
        (this.db.prepare('SELECT root_id FROM collection_forks WHERE id = ?').pluck().get(collectionId) as
          string | undefined) ?? collectionId
      return this.db
        .prepare('SELECT count(*) FROM collection_forks f JOIN collections c ON c.id = f.id WHERE f.root_id = ?')
        .pluck()
        .get(root) as number
    })
  }

  /**
   * The metadata keys of a collection with their value types, how many records carry each, and up to
   * `sampleSize` most frequent values: what a filter builder suggests.
   */
  metadataKeys(collectionId: string, sampleSize = 20): MetadataKeySummary[] {
    return this.tx(() => {
      const c = this.collectionById(collectionId)
      const keys = this.db
        .prepare(
          `SELECT key, vtype, count(DISTINCT rid) AS records, max(ord >= 0) AS in_array
           FROM record_metadata WHERE cid = ? AND vtype != ${VType.sparse} GROUP BY key, vtype ORDER BY key, vtype`
        )
        .all(c.cid) as { key: string; vtype: number; records: number; in_array: number }[]
      const values = this.db.prepare(
        `SELECT value FROM record_metadata WHERE cid = ? AND key = ? AND vtype = ?
         GROUP BY value ORDER BY count(*) DESC, value LIMIT ?`
      )
      const byKey = new Map<string, MetadataKeySummary>()
      for (const k of keys) {
        const type = VTYPE_NAMES[k.vtype] ?? 'string'
        const entry = byKey.get(k.key) ?? { key: k.key, types: [], records: 0, isArray: false, values: [] }
        entry.types.push(type)
        entry.records += k.records
        entry.isArray ||= k.in_array === 1
        const sample = (values.pluck().all(c.cid, k.key, k.vtype, sampleSize) as (string | number)[]).map((v) =>
          type === 'bool' ? v !== 0 : v
        )
        entry.values.push(...sample)
        byKey.set(k.key, entry)
      }
      return [...byKey.values()]
    })
  }

  query(collectionId: string, req: QueryRequest): QueryResult {
    return this.queryShowing(collectionId, req).result
  }

  /** query(), and the largest rid among the records it shows (0 for none). */
  private queryShowing(collectionId: string, req: QueryRequest): { result: QueryResult; newestRid: number } {
    const nResults = validateNResults(req.n_results)
    const ids = req.ids == null ? null : validateIds(req.ids)
    const filter = this.parseFilters(collectionId, req.where, req.where_document)
    const include = validateInclude(req.include, QUERY_INCLUDE_DEFAULT)
    const wantEmb = includes(include, 'embeddings')
    const wantDocs = includes(include, 'documents')
    const wantMeta = includes(include, 'metadatas')
    const wantUris = includes(include, 'uris')
    const wantDist = includes(include, 'distances')
    const { vectors: queries } = validateEmbeddings(req.query_embeddings, null)

    return this.read(() => {
      const c = this.collectionById(collectionId)
      let hitsPerQuery: { label: number; distance: number }[][]
      if (c.dimension === null) {
        // Never written: empty results, no dimension check (Chroma behaves the same).
        hitsPerQuery = queries.map(() => [])
      } else {
        const first = queries[0]
        if (first && first.length !== c.dimension) {
          throw new InvalidArgumentError(
            `Collection expecting embedding with dimension of ${c.dimension}, got ${first.length}`
          )
        }
        // A broad filter on a large collection: the nearest unfiltered candidates, checked against the
        // filter, answer when at least k of them pass (decision 0116); otherwise the allowed set below.
        const scanBudget = { floats: EXACT_SCAN_FALLBACK.floats }
        let narrow = false
        const postFiltered =
          filter !== null &&
          ids === null &&
          nResults > 0 &&
          nResults * POST_FILTER_CANDIDATES <= POST_FILTER_MAX_CANDIDATES &&
          this.hasAtLeast(c.cid, POST_FILTER_MIN_RECORDS)
            ? queries.map((q) => {
                // After one embedding found the filter narrow, the others go straight to the allowed set.
                const hits = narrow ? null : this.postFilteredSearch(c, q as Float32Array, nResults, filter)
                narrow ||= hits === null
                return hits
              })
            : null
        let allowed: Set<number> | undefined
        if (postFiltered?.every((hits) => hits !== null)) {
          allowed = undefined
        } else if (filter !== null) {
          allowed = new Set(this.selectRids(c.cid, ids, filter, null, null))
        } else if (ids !== null) {
          allowed = new Set()
          const missing: string[] = []
          for (const id of ids) {
            const rid = this.store.findRid(c.cid, id)
            if (rid === undefined) missing.push(id)
            else allowed.add(rid)
          }
          // Chroma answers an unknown id in a query's `ids` (without where) with a 500.
          if (missing.length > 0) throw new InternalError('Error executing plan: Internal error: Error finding id')
        }
        // Each search waits for the worker at most INDEX_WAIT_MS (after one that timed out, the next
        // ones do not wait at all: the worker answers in order). Exact scans that stand in for the
        // worker share one budget for the whole call, so many embeddings cannot hold the thread long.
        hitsPerQuery = queries.map(
          (q, i) =>
            postFiltered?.[i] ??
            (nResults === 0 || (allowed !== undefined && allowed.size === 0)
              ? []
              : this.searchIndex(
                  c,
                  q as Float32Array,
                  nResults,
                  allowed,
                  performance.now() + INDEX_WAIT_MS,
                  scanBudget
                ))
        )
      }
      const rowsPerQuery = hitsPerQuery.map((hits) =>
        this.store.readRows(hits.map((h) => h.label)).map((row, i) => {
          if (!row) throw new InternalError(`Vector index returned unknown label ${hits[i]?.label}`)
          return row
        })
      )
      let newestRid = 0
      for (const rows of rowsPerQuery) for (const r of rows) newestRid = Math.max(newestRid, r.rid)
      const result = {
        ids: rowsPerQuery.map((rows) => rows.map((r) => r.id)),
        embeddings: wantEmb
          ? rowsPerQuery.map((rows) => rows.map((r) => Array.from(this.store.readEmbedding(r.rid) ?? [])))
          : null,
        documents: wantDocs ? rowsPerQuery.map((rows) => rows.map((r) => r.document)) : null,
        uris: wantUris ? rowsPerQuery.map((rows) => rows.map((r) => r.uri)) : null,
        metadatas: wantMeta ? rowsPerQuery.map((rows) => rows.map((r) => this.store.readMetadata(r.rid))) : null,
        distances: wantDist ? hitsPerQuery.map((hits) => hits.map((h) => Math.fround(h.distance))) : null,
        include
      }
      return { result, newestRid }
    })
  }

  /**
   * The search API (Chroma 1.5, docs/search-api.md): each payload's Knn ranks come from the vector
   * index like query()'s neighbours (same worker waits and exact-scan fallback, ef >= k), the rest is
   * computed exactly over those candidates.
   */
  search(collectionId: string, searches: unknown): SearchResponse {
    const plans = parseSearches(searches)
    const schema = this.schemaOf(collectionId)
    for (const plan of plans) refuseDisabledIndexes(schema, plan.filter)
    return this.read(() => {
      const c = this.collectionById(collectionId)
      const scanBudget = { floats: EXACT_SCAN_FALLBACK.floats }
      const sparse = new SparseIndex(this.db)
      return runSearches(plans, {
        filtered: (filter, offset, limit) => this.selectRids(c.cid, null, filter, limit, offset),
        knn: (query, k, allowed) => {
          if (c.dimension === null) return []
          if (query.length !== c.dimension) {
            throw new InvalidArgumentError(
              `Collection expecting embedding with dimension of ${c.dimension}, got ${query.length}`
            )
          }
          return this.searchIndex(
            c,
            query,
            k,
            allowed as Set<number> | undefined,
            performance.now() + INDEX_WAIT_MS,
            scanBudget
          )
        },
        sparseKnn: (key, query, k, allowed) => {
          if (!sparseIndexEnabled(schema, key)) {
            throw new InvalidArgumentError(`Cannot search key '${key}' because its sparse vector index is disabled`)
          }
          // A text query is embedded with the key's own function, as the client would (chroma_bm25 only).
          const encoder = typeof query === 'string' ? sparseKeyEncoder(schema, key) : null
          if (typeof query === 'string' && encoder === null) {
            throw new InvalidArgumentError(
              `A text query on key '${key}' needs its sparse vector index to use chroma_bm25; send a sparse vector instead`
            )
          }
          const vector = typeof query === 'string' ? (encoder as Bm25Encoder).encode(query) : query
          // BM25 (IDF scaling) when the collection's schema sets it for the key's sparse index.
          const bm25 = sparseKeyUsesBm25(schema, key)
          return sparse.knn(c.cid, key, vector, k, allowed, bm25)
        },
        rows: (rids) =>
          this.store.readRows(rids).map((row, i) => {
            if (!row) throw new InternalError(`Vector index returned unknown label ${rids[i]}`)
            return row
          }),
        metadata: (rid) => this.store.readMetadata(rid),
        embedding: (rid) => Array.from(this.store.readEmbedding(rid) ?? [])
      })
    })
  }
}

/** Whether a configuration change names another model of ours (decision 0122: that is a re-embed). */
function changesModel(before: EmbeddingFunctionConfig | null, after: EmbeddingFunctionConfig | null): boolean {
  const model = (cfg: EmbeddingFunctionConfig | null): string | null => {
    const choice = parseEmbeddingConfig(cfg)
    return choice === null ? null : JSON.stringify(choice)
  }
  const [a, b] = [model(before), model(after)]
  return a !== null && b !== null && a !== b
}
