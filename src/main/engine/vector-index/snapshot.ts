import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fsyncDir, fsyncPath, writeFileDurably } from '../durable-file.js'
import { HierarchicalNSW } from './hnswlib.js'
import { scanHnswFile } from './hnsw-file.js'
import { metaPath, newIndexFileName, type MetaEnvelope, type SnapshotMeta } from './snapshot-files.js'
import type { SnapshotInfo } from '../../../shared/health.js'
import type { IndexSource, OpenIndexResult } from './types.js'
import { VectorIndex, type VectorIndexOptions } from './vector-index.js'

// A snapshot is two files in `dir`:
//   <collectionId>.<seq>.<nonce>.hnsw   hnswlib's own file, written under a fresh name each time
//   <collectionId>.meta.json            names that file and carries seq, dim, params and checksums
// Replacing the meta file by rename is the commit point, so a crash at any moment leaves either the
// old or the new snapshot in force; unreferenced .hnsw files are removed by the next write.

const FORMAT = 'chromadesk-hnsw-snapshot'
const FORMAT_VERSION = 1
const ROW_BATCH = 1000
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

function checkCollectionId(collectionId: string): void {
  // The id becomes part of file names; refuse anything that could escape `dir` or collide.
  if (!ID_PATTERN.test(collectionId))
    throw new Error(`vector-index: unusable collection id for a file name: ${collectionId}`)
}

function isOwnIndexFile(name: string, collectionId: string): boolean {
  return name.startsWith(`${collectionId}.`) && (name.endsWith('.hnsw') || name.endsWith('.tmp'))
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/**
 * Persists `index` as the snapshot of `collectionId` covering every change up to `seq`.
 * Throws if the files cannot be written completely (e.g. disk full); the previous snapshot then
 * stays in force.
 */
export function writeSnapshot(dir: string, collectionId: string, index: VectorIndex, seq: number): void {
  checkCollectionId(collectionId)
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`vector-index: invalid snapshot seq ${seq}`)
  mkdirSync(dir, { recursive: true })
  const hnsw = index.native()
  let indexFile: string | null = null
  let indexBytes = 0
  let indexSha256 = ''
  try {
    if (hnsw.getCurrentCount() > 0) {
      indexFile = newIndexFileName(collectionId, seq)
      const path = join(dir, indexFile)
      // hnswlib does not report write errors, so read the file back and check it before committing.
      hnsw.writeIndexSync(path)
      fsyncPath(path)
      const info = scanHnswFile(path, false)
      if (info.dim !== index.dim || info.liveLabels.length !== index.size) {
        throw new Error('vector-index: written index file does not match the index (incomplete write?)')
      }
      indexBytes = info.bytes
      indexSha256 = info.sha256
    }
    const meta: SnapshotMeta = {
      format: FORMAT,
      version: FORMAT_VERSION,
      collectionId,
      dim: index.dim,
      space: index.params.space,
      M: index.params.M,
      efConstruction: index.params.efConstruction,
      seq,
      indexFile,
      indexBytes,
      indexSha256,
      liveCount: index.size
    }
    const envelope: MetaEnvelope = { meta, sha256: sha256(JSON.stringify(meta)) }
    const tmp = `${metaPath(dir, collectionId)}.tmp`
    writeFileDurably(tmp, JSON.stringify(envelope))
    renameSync(tmp, metaPath(dir, collectionId))
    fsyncDir(dir)
  } catch (err) {
    if (indexFile !== null) removeQuietly(join(dir, indexFile))
    throw err
  }
  try {
    removeStaleIndexFiles(dir, collectionId, indexFile)
  } catch {
    // The new snapshot is committed; a leftover file (e.g. still open elsewhere on Windows) only
    // costs disk space and is retried by the next write.
  }
}

function removeStaleIndexFiles(dir: string, collectionId: string, keep: string | null): void {
  for (const name of readdirSync(dir)) {
    if (name !== keep && isOwnIndexFile(name, collectionId)) removeQuietly(join(dir, name))
  }
}

/** The collection's snapshot as its metadata file describes it, or null when there is none readable. */
export function snapshotInfo(dir: string, collectionId: string): SnapshotInfo | null {
  checkCollectionId(collectionId)
  try {
    const path = metaPath(dir, collectionId)
    const { meta } = JSON.parse(readFileSync(path, 'utf8')) as MetaEnvelope
    const file = meta.indexFile
    if (file !== null && (!isOwnIndexFile(file, collectionId) || /[\\/]/.test(file))) return null
    const indexBytes = file === null ? 0 : statSync(join(dir, file)).size
    return { seq: meta.seq, bytes: indexBytes + statSync(path).size, liveCount: meta.liveCount }
  } catch {
    return null
  }
}

/** Removes every snapshot file of the collection. Missing files or directory are fine. */
export function deleteSnapshot(dir: string, collectionId: string): void {
  checkCollectionId(collectionId)
  if (!existsSync(dir)) return
  removeQuietly(metaPath(dir, collectionId))
  removeStaleIndexFiles(dir, collectionId, null)
  fsyncDir(dir)
}

/**
 * Opens the collection's index: loads the snapshot when it is intact and matches `src`, then
 * replays what SQLite changed since; anything wrong means a rebuild from `src.allRows()`. Never
 * throws because of snapshot files. `dir` null builds in memory from SQLite.
 */
export function openIndex(
  dir: string | null,
  collectionId: string,
  src: IndexSource,
  options: VectorIndexOptions = {}
): OpenIndexResult {
  if (dir === null) return { index: buildFromRows(src, options), rebuilt: false }
  checkCollectionId(collectionId)
  let reason: string
  try {
    const loaded = loadSnapshot(dir, collectionId, src, options)
    if (typeof loaded === 'string') {
      reason = loaded
    } else {
      const problem = reconcile(loaded.index, loaded.seq, src)
      if (problem === null) return { index: loaded.index, rebuilt: false }
      reason = problem
    }
  } catch (err) {
    reason = `snapshot unusable: ${err instanceof Error ? err.message : String(err)}`
  }
  return { index: buildFromRows(src, options), rebuilt: true, reason }
}

function buildFromRows(src: IndexSource, options: VectorIndexOptions): VectorIndex {
  const index = new VectorIndex(src.dim, src.params, undefined, options)
  upsertRows(index, src.allRows())
  return index
}

function upsertRows(
  index: VectorIndex,
  rows: Iterable<{ label: number; vector: Float32Array }>,
  check?: (label: number) => boolean
): boolean {
  let labels: number[] = []
  let vectors: Float32Array[] = []
  for (const row of rows) {
    if (check && !check(row.label)) return false
    labels.push(row.label)
    vectors.push(row.vector)
    if (labels.length === ROW_BATCH) {
      index.upsert(labels, vectors)
      labels = []
      vectors = []
    }
  }
  if (labels.length > 0) index.upsert(labels, vectors)
  return true
}

/** The loaded snapshot, or the reason it cannot be used. */
function loadSnapshot(
  dir: string,
  collectionId: string,
  src: IndexSource,
  options: VectorIndexOptions
): { index: VectorIndex; seq: number } | string {
  const path = metaPath(dir, collectionId)
  if (!existsSync(path)) return 'no snapshot'
  let envelope: MetaEnvelope
  try {
    envelope = JSON.parse(readFileSync(path, 'utf8')) as MetaEnvelope
  } catch {
    return 'snapshot metadata is unreadable'
  }
  const meta = envelope?.meta
  if (!meta || typeof envelope.sha256 !== 'string' || sha256(JSON.stringify(meta)) !== envelope.sha256) {
    return 'snapshot metadata checksum mismatch'
  }
  if (meta.format !== FORMAT || meta.version !== FORMAT_VERSION)
    return `unsupported snapshot format ${meta.format} v${meta.version}`
  if (meta.collectionId !== collectionId) return 'snapshot belongs to another collection'
  if (meta.dim !== src.dim) return `snapshot dimension ${meta.dim} does not match collection dimension ${src.dim}`
  const p = src.params
  if (meta.space !== p.space || meta.M !== p.M || meta.efConstruction !== p.efConstruction) {
    return `snapshot parameters (${meta.space}, M=${meta.M}, ef_construction=${meta.efConstruction}) do not match the collection (${p.space}, M=${p.M}, ef_construction=${p.efConstruction})`
  }
  if (meta.seq > src.currentSeq) return `snapshot is newer than the database (seq ${meta.seq} > ${src.currentSeq})`

  if (meta.indexFile === null) {
    if (meta.liveCount !== 0) return 'snapshot metadata is inconsistent'
    return { index: new VectorIndex(src.dim, p, undefined, options), seq: meta.seq }
  }
  if (
    typeof meta.indexFile !== 'string' ||
    !isOwnIndexFile(meta.indexFile, collectionId) ||
    meta.indexFile.includes('/') ||
    meta.indexFile.includes('\\')
  ) {
    return 'snapshot metadata names an invalid index file'
  }
  const indexPath = join(dir, meta.indexFile)
  if (!existsSync(indexPath)) return 'snapshot index file is missing'
  const size = statSync(indexPath).size
  if (size !== meta.indexBytes)
    return `snapshot index file is truncated or resized (${size} of ${meta.indexBytes} bytes)`
  let info: ReturnType<typeof scanHnswFile>
  try {
    info = scanHnswFile(indexPath, true)
  } catch (err) {
    return `snapshot index file checksum mismatch or malformed (${err instanceof Error ? err.message : String(err)})`
  }
  // Must precede readIndexSync: hnswlib loads a damaged graph happily and then crashes on search.
  if (info.sha256 !== meta.indexSha256) return 'snapshot index file checksum mismatch'
  if (
    info.dim !== src.dim ||
    info.M !== p.M ||
    info.efConstruction !== p.efConstruction ||
    info.liveLabels.length !== meta.liveCount
  ) {
    return 'snapshot index file does not match its metadata'
  }
  const hnsw = new HierarchicalNSW(p.space, src.dim)
  hnsw.readIndexSync(indexPath, true)
  const index = new VectorIndex(src.dim, p, undefined, options, {
    hnsw,
    capacity: info.maxElements,
    liveLabels: info.liveLabels,
    arena: info.arena ?? new Float32Array(0),
    deletedLabels: info.deletedLabels
  })
  return { index, seq: meta.seq }
}

/** Brings a loaded snapshot (or a rebuilt index) up to date with SQLite; returns why it cannot be, or null. */
export function reconcile(index: VectorIndex, snapshotSeq: number, src: IndexSource): string | null {
  const live = new Set<number>(src.liveLabels())
  const gone: number[] = []
  for (const label of index.labels()) if (!live.has(label)) gone.push(label)
  index.remove(gone)
  if (!upsertRows(index, src.rowsSince(snapshotSeq), (label) => live.has(label))) {
    return 'database returned changed rows that are not live'
  }
  // Index labels are now a subset of the live set, so equal sizes mean equal sets.
  if (index.size !== live.size) return `index lacks ${live.size - index.size} live rows after replaying changes`
  return null
}
