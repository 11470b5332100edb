// What index health, verification, rebuild and compaction report (docs/index-health.md): one shape
// for the engine, the app's contract and the CLI.

/** The database file's size on disk, its WAL, and the free pages inside it that only VACUUM returns. */
export interface FileSizes {
  fileBytes: number
  walBytes: number
  freeBytes: number
  pageSize: number
}

/** What an index holds, and an estimate of its memory (VectorIndex.stats). */
export interface IndexStats {
  /** Live labels. */
  live: number
  /** hnswlib elements, deleted ones included. */
  elements: number
  /** Elements allocated. */
  capacity: number
  memoryBytes: number
}

/** What a collection's snapshot on disk covers and weighs (unverified: read for reports only). */
export interface SnapshotInfo {
  seq: number
  /** The index file and the metadata file. */
  bytes: number
  liveCount: number
}

export interface CollectionHealth {
  collectionId: string
  name: string
  records: number
  dimension: number | null
  storage: {
    /**
     * The collection's row contents in SQLite: ids, documents, URIs, embeddings, metadata keys and
     * values. SQLite keeps every collection in one file, in shared tables and indexes, so page
     * overhead, indexes and the full-text index are not attributed to a collection.
     */
    payloadBytes: number
    /** The whole database file (all collections), its WAL, and its free pages. */
    database: FileSizes
  }
  index: {
    /** Where the collection's HNSW graph lives now; not loaded until the first write or query. */
    state: 'worker' | 'inline' | 'not-loaded' | 'no-vectors'
    /** The snapshot on disk (persistent mode). */
    snapshot: SnapshotInfo | null
    /** The loaded graph's sizes and memory estimate; null when not loaded or the worker did not answer in time. */
    memory: IndexStats | null
  }
  lag: {
    /** Records written and acknowledged that the index worker has not inserted yet. */
    upserts: number
    /** Deleted records the index worker has not removed yet. */
    removals: number
    /** Write calls since the snapshot, replayed from SQLite on the next open (null without a snapshot). */
    sinceSnapshot: number | null
  }
}

/** One kind of disagreement between the index and SQLite. */
export interface IndexProblems {
  count: number
  /** A few record ids (labels, as `#<rid>`, for vectors SQLite does not hold). */
  examples: string[]
}

export interface VerifyReport {
  collectionId: string
  name: string
  /** Records of SQLite compared with the index. */
  checked: number
  healthy: boolean
  missing: IndexProblems
  extra: IndexProblems
  stale: IndexProblems
  seconds: number
}

export interface RebuildReport {
  collectionId: string
  name: string
  records: number
  /** A snapshot of the new index was written (persistent mode). */
  snapshot: boolean
  seconds: number
}

export interface CompactReport {
  before: FileSizes
  after: FileSizes
  /** Bytes the file and its WAL shrank by. */
  freedBytes: number
  seconds: number
}
