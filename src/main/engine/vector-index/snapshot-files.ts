// The names and metadata shape of a collection's snapshot files (snapshot.ts writes and loads them),
// without hnswlib, so that readers such as the backup worker can use them without the native module.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

export interface SnapshotMeta {
  format: string
  version: number
  collectionId: string
  dim: number
  space: string
  M: number
  efConstruction: number
  seq: number
  indexFile: string | null
  indexBytes: number
  indexSha256: string
  liveCount: number
}

/** The metadata file's content: the metadata and the SHA-256 of its JSON. */
export interface MetaEnvelope {
  meta: SnapshotMeta
  sha256: string
}

export function metaPath(dir: string, collectionId: string): string {
  return join(dir, `${collectionId}.meta.json`)
}

/** A fresh name for the collection's index file covering `seq`: never reused, so a file once committed never changes. */
export function newIndexFileName(collectionId: string, seq: number): string {
  return `${collectionId}.${seq}.${randomBytes(6).toString('hex')}.hnsw`
}

// Every collection id the engine assigns is a lowercase UUID; the backup carries and restores only
// files named exactly as above for such ids, so nothing read from a backup can name another path.
const STRICT_NAME =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(?:(meta\.json)|\d{1,16}\.[0-9a-f]{12}\.hnsw)$/

/** The collection a snapshot file belongs to and which file it is, or null for any other name. */
export function parseSnapshotFileName(name: string): { collectionId: string; meta: boolean } | null {
  const m = STRICT_NAME.exec(name)
  return m === null ? null : { collectionId: m[1] as string, meta: m[2] !== undefined }
}
