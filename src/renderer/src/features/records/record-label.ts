import type { Metadata } from '../../../../shared/contract'

/** Ids ingest gives chunks: the file's sha256 and the chunk's position. */
const CHUNK_ID = /^[0-9a-f]{64}:\d+$/

/**
 * What the records table shows for a record's id: an ingested chunk reads as its source file, chunk
 * number (1-based) and page, a structured file's row as the file and row; any other id as it is.
 */
export function recordLabel(id: string, metadata: Metadata | null): string {
  const source = metadata?.source
  if (typeof source !== 'string') return id
  const page = typeof metadata?.page === 'number' ? ` · p. ${metadata.page}` : ''
  if (typeof metadata?.row === 'number' && typeof metadata.file_sha256 === 'string') {
    return CHUNK_ID.test(id) ? `${source} · row ${metadata.row}` : id
  }
  if (CHUNK_ID.test(id) && typeof metadata?.chunk_index === 'number') {
    return `${source} · chunk ${metadata.chunk_index + 1}${page}`
  }
  return id
}
