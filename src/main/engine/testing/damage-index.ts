// Test-only (decision 0052): index damage of the kinds a bug would cause, which the engine's own
// checks let through. A snapshot whose vectors were altered with every checksum recomputed loads as
// valid (stale vectors); a live inline index can be made to lose or gain labels (missing, extra).
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChromaDatabase } from '../database.js'
import { INDEX_DIR } from '../database.js'
import { InlineIndex } from '../vector-index/worker-index.js'

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

/**
 * Negates the vectors of up to `count` live elements in the collection's snapshot file (hnswlib's
 * layout, see vector-index/hnsw-file.ts) and rewrites the checksums, so the snapshot still loads.
 * Returns the labels (rids) altered. The database must be closed.
 */
export function alterSnapshotVectors(dataDir: string, collectionId: string, count: number): number[] {
  const dir = join(dataDir, INDEX_DIR)
  const metaFile = join(dir, `${collectionId}.meta.json`)
  const envelope = JSON.parse(readFileSync(metaFile, 'utf8')) as { meta: Record<string, unknown>; sha256: string }
  const indexFile = join(dir, envelope.meta.indexFile as string)
  const buf = readFileSync(indexFile)
  const elements = Number(buf.readBigUInt64LE(16))
  const elementBytes = Number(buf.readBigUInt64LE(24))
  const labelOffset = Number(buf.readBigUInt64LE(32))
  const offsetData = Number(buf.readBigUInt64LE(40))
  const altered: number[] = []
  for (let i = 0; i < elements && altered.length < count; i++) {
    const base = 96 + i * elementBytes
    if (((buf[base + 2] as number) & 1) !== 0) continue // marked deleted
    for (let at = base + offsetData; at < base + labelOffset; at += 4) buf.writeFloatLE(-buf.readFloatLE(at) + 0.5, at)
    altered.push(Number(buf.readBigUInt64LE(base + labelOffset)))
  }
  writeFileSync(indexFile, buf)
  envelope.meta.indexSha256 = sha256(buf)
  envelope.sha256 = sha256(JSON.stringify(envelope.meta))
  writeFileSync(metaFile, JSON.stringify(envelope))
  return altered
}

/**
 * Drops labels from, and adds vectors under labels SQLite does not hold to, a loaded inline index
 * (in-memory databases, or `indexWorker: false`), as a lost or a spurious index operation would.
 * Reaches into the database's private state: test code only.
 */
export function damageInlineIndex(
  db: ChromaDatabase,
  collectionId: string,
  damage: { drop?: number[]; add?: { label: number; vector: number[] }[] }
): void {
  const internals = db as unknown as {
    indexes: Map<number, { index: unknown }>
    cidOf(id: string): number | undefined
  }
  const handle = internals.indexes.get(internals.cidOf(collectionId) as number)?.index
  if (!(handle instanceof InlineIndex)) throw new Error('damageInlineIndex: the collection has no loaded inline index')
  if (damage.drop?.length) handle.index.remove(damage.drop)
  if (damage.add?.length) {
    handle.index.upsert(
      damage.add.map((a) => a.label),
      damage.add.map((a) => a.vector)
    )
  }
}
