// Reports of index health and storage (docs/index-health.md). The work is in database.ts (it owns
// the indexes and the connection); what the reports mean is here.
export type * from '../../shared/health.js'

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
