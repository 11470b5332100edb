// A collection limited to chosen records (the map's selection): exported or copied like a whole one,
// with only those records. Ids it does not hold (deleted since they were picked) are left out.
import type { CollectionEndpoint, RecordBatch } from './types.js'

/** Ids asked for at once when counting the selection. */
const COUNT_CHUNK = 1000

export function onlyRecords(source: CollectionEndpoint, ids: string[]): CollectionEndpoint {
  const chosen = [...new Set(ids)]
  const wanted = new Set(chosen)
  return {
    get spec() {
      return source.spec
    },
    async count() {
      let n = 0
      for (let at = 0; at < chosen.length; at += COUNT_CHUNK) {
        n += (await source.existing(chosen.slice(at, at + COUNT_CHUNK))).size
      }
      return n
    },
    async *read(batchSize: number, signal?: AbortSignal): AsyncIterable<RecordBatch> {
      if (source.readIds) {
        for (let at = 0; at < chosen.length; at += batchSize) {
          if (signal?.aborted) return
          const batch = await source.readIds(chosen.slice(at, at + batchSize))
          if (batch.ids.length > 0) yield batch
        }
        return
      }
      for await (const batch of source.read(batchSize, signal)) {
        const keep = batch.ids.flatMap((id, i) => (wanted.has(id) ? [i] : []))
        if (keep.length > 0) yield pick(batch, keep)
      }
    },
    existing: (some) => source.existing(some.filter((id) => wanted.has(id))),
    add: () => Promise.reject(new Error('A selection of records is read-only')),
    remove: () => Promise.reject(new Error('A selection of records is read-only'))
  }
}

function pick(batch: RecordBatch, rows: number[]): RecordBatch {
  return {
    ids: rows.map((i) => batch.ids[i]!),
    embeddings: rows.map((i) => batch.embeddings[i]!),
    documents: rows.map((i) => batch.documents[i] ?? null),
    metadatas: rows.map((i) => batch.metadatas[i] ?? null),
    uris: rows.map((i) => batch.uris[i] ?? null),
    ...(batch.integralFloats ? { integralFloats: rows.map((i) => batch.integralFloats![i] ?? null) } : {})
  }
}
