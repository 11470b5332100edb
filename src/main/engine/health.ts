// Reports of index health and storage (docs/index-health.md). The work is in database.ts (it owns
// the indexes and the connection); what the reports mean is here.
import type { FileSizes } from './store/compact.js'
import type { IndexStats } from './vector-index/types.js'
import type { SnapshotInfo } from './vector-index/snapshot.js'

export type { FileSizes } from './store/compact.js'

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

/** What long maintenance calls take: a signal that stops them, and progress in records. */
export interface MaintenanceOptions {
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

/** Examples kept per kind of problem. */
export const EXAMPLES = 5

/** Sum of the collection's row contents (octet_length reads lengths, not the values). */
export const PAYLOAD_SQL = `
  SELECT
    (SELECT coalesce(sum(octet_length(id) + coalesce(octet_length(document), 0) + coalesce(octet_length(uri), 0)
       + octet_length(embedding)), 0) FROM records WHERE cid = ?)
  + (SELECT coalesce(sum(octet_length(key) + coalesce(octet_length(value), 0)), 0) FROM record_metadata WHERE cid = ?)`

export type { IndexStats, SnapshotInfo }
