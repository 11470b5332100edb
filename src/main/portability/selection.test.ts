import { describe, expect, it } from 'vitest'
import { onlyRecords } from './selection.js'
import type { CollectionEndpoint, RecordBatch } from './types.js'

/** A source of 25 records that can only be read whole (as a Chroma directory is): no readIds. */
function wholeOnly(): CollectionEndpoint {
  const ids = Array.from({ length: 25 }, (_, i) => `id${i}`)
  const batchOf = (some: string[]): RecordBatch => ({
    ids: some,
    embeddings: some.map((id) => Float32Array.of(Number(id.slice(2)))),
    documents: some.map((id) => `doc ${id}`),
    metadatas: some.map(() => null),
    uris: some.map(() => null)
  })
  return {
    spec: { name: 'whole', metadata: null, configuration: { hnsw: null, embedding_function: null }, dimension: 1 },
    count: async () => ids.length,
    async *read(batchSize) {
      for (let at = 0; at < ids.length; at += batchSize) yield batchOf(ids.slice(at, at + batchSize))
    },
    existing: async (some) => new Set(some.filter((id) => ids.includes(id))),
    add: async () => undefined,
    remove: async () => undefined
  }
}

describe('onlyRecords', () => {
  it('reads and counts only the chosen records of a source that can only be read whole', async () => {
    const chosen = onlyRecords(wholeOnly(), ['id24', 'id3', 'id3', 'id11', 'missing'])
    expect(await chosen.count()).toBe(3)
    const read: RecordBatch[] = []
    for await (const batch of chosen.read(10)) read.push(batch)
    expect(read.flatMap((b) => b.ids)).toEqual(['id3', 'id11', 'id24'])
    // Each row keeps its own fields.
    expect(read.flatMap((b) => b.documents)).toEqual(['doc id3', 'doc id11', 'doc id24'])
    expect(read.flatMap((b) => b.embeddings.map((e) => e[0]))).toEqual([3, 11, 24])
    await expect(chosen.add(read[0]!)).rejects.toThrow(/read-only/)
  })
})
