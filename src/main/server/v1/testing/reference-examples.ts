// Every example of chroma-api-reference-0.3.md's JavaScript section, called exactly as written there
// (same methods, same positional arguments), as a vitest suite that can run any client with that API
// (npm chromadb@1.4.1, our ChromaClient) against any server. Setup data uses the same API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

/* eslint-disable @typescript-eslint/no-explicit-any -- the clients under test are untyped JS APIs */
export interface ExampleCollection {
  name: string
  add(...args: any[]): Promise<unknown>
  update(...args: any[]): Promise<unknown>
  delete(...args: any[]): Promise<unknown>
  get(...args: any[]): Promise<any>
  query(...args: any[]): Promise<any>
  count(): Promise<unknown>
  peek(...args: any[]): Promise<any>
}

export interface ExampleClient {
  createCollection(name: string, metadata?: object, embeddingFunction?: unknown): Promise<ExampleCollection>
  getOrCreateCollection(name: string, metadata?: object, embeddingFunction?: unknown): Promise<ExampleCollection>
  getCollection(name: string, embeddingFunction?: unknown): Promise<ExampleCollection>
  deleteCollection(name: string): Promise<unknown>
  listCollections(): Promise<any>
  version(): Promise<unknown>
  reset(): Promise<unknown>
  heartbeat(): Promise<unknown>
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface ExampleTarget {
  client: ExampleClient
  /** Whether the server was started with reset allowed (Chroma's own server is not, by default). */
  resetAllowed: boolean
  /** Whether the client forwards `where_document` on delete (npm chromadb@1.4.1's dist drops it). */
  deleteSendsWhereDocument: boolean
  /** Whether getCollection asks the server (npm chromadb@1.4.1's dist does not). */
  getCollectionChecksServer: boolean
  stop(): Promise<void>
}

/**
 * A deterministic embedding function for the documents examples: the digits of a text, then its
 * length / 10. "document" is nearest to "Document 1", then "Document 2", ... as the reference shows.
 */
export const digitsEmbeddingFunction = {
  async generate(texts: string[]): Promise<number[][]> {
    return texts.map((t) => {
      const digits = t.replace(/\D/g, '')
      return [digits === '' ? 0 : Number(digits), t.length / 10]
    })
  }
}

const names = (list: { name: string }[]): string[] => list.map((c) => c.name).sort()

export function describeReferenceExamples(title: string, start: () => Promise<ExampleTarget>): void {
  describe(title, () => {
    let target: ExampleTarget
    let client: ExampleClient

    beforeAll(async () => {
      target = await start()
      client = target.client
    }, 60_000)
    afterAll(async () => {
      await target?.stop()
    })
    beforeEach(async () => {
      for (const c of (await client.listCollections()) as { name: string }[]) await client.deleteCollection(c.name)
    })

    it('client(): connects to the given URL', async () => {
      expect(Number(await client.heartbeat())).toBeGreaterThan(0)
    })

    it('client.createCollection("collection")', async () => {
      const collection = await client.createCollection('collection')
      expect(collection.name).toBe('collection')
      expect(names(await client.listCollections())).toEqual(['collection'])
      // The example response's metadata comes from the 2nd parameter.
      const withMetadata = await client.createCollection('collection2', { creator: 'John Doe' })
      expect(withMetadata.name).toBe('collection2')
      const listed = (await client.listCollections()) as { name: string; metadata: unknown }[]
      expect(listed.find((c) => c.name === 'collection2')?.metadata).toEqual({ creator: 'John Doe' })
    })

    it('client.getOrCreateCollection("collection")', async () => {
      const collection = await client.getOrCreateCollection('collection')
      expect(collection.name).toBe('collection')
      await collection.add(['item1'], [[1, 2, 3]])
      const again = await client.getOrCreateCollection('collection')
      expect(again.name).toBe('collection')
      expect(await again.count()).toBe(1)
      expect(names(await client.listCollections())).toEqual(['collection'])
    })

    it('client.getCollection("collection")', async () => {
      const created = await client.createCollection('collection')
      await created.add(
        ['item1', 'item2'],
        [
          [1, 2, 3],
          [4, 5, 6]
        ]
      )
      const collection = await client.getCollection('collection')
      expect(collection.name).toBe('collection')
      expect(await collection.count()).toBe(2)
    })

    it('client.deleteCollection("collection")', async () => {
      await client.createCollection('collection')
      await client.deleteCollection('collection')
      expect(names(await client.listCollections())).toEqual([])
      if (target.getCollectionChecksServer) await expect(client.getCollection('collection')).rejects.toThrow()
    })

    it('client.listCollections()', async () => {
      await client.createCollection('collection', { creator: 'John Doe' })
      await client.createCollection('collection2', { creator: 'Sally Doe' })
      const collections = (await client.listCollections()) as { name: string }[]
      expect([...collections].sort((a, b) => a.name.localeCompare(b.name))).toMatchObject([
        { name: 'collection', metadata: { creator: 'John Doe' } },
        { name: 'collection2', metadata: { creator: 'Sally Doe' } }
      ])
    })

    it('client.version()', async () => {
      const version = await client.version()
      expect(version).toMatch(/^\d+\.\d+\.\d+$/)
    })

    it('client.reset()', async () => {
      await client.createCollection('collection')
      if (target.resetAllowed) {
        await client.reset()
        expect(await client.listCollections()).toEqual([])
      } else {
        await expect(client.reset()).rejects.toThrow(/Reset is disabled by config|403/)
      }
    })

    it('collection.add(ids, embeddings, metadatas, undefined)', async () => {
      const collection = await client.createCollection('collection')
      await collection.add(
        ['item1', 'item2'],
        [
          [1.1, 2.2, 3.3],
          [2.2, 3.3, 4.4]
        ],
        [{ category: 'A' }, { category: 'B' }],
        undefined
      )
      expect(await collection.count()).toBe(2)
      const got = await collection.get(['item1', 'item2'], undefined, undefined, undefined, ['embeddings', 'metadatas'])
      expect(got.ids).toEqual(['item1', 'item2'])
      expect(got.metadatas).toEqual([{ category: 'A' }, { category: 'B' }])
      expect(got.embeddings[0][0]).toBeCloseTo(1.1, 5)
      expect(got.embeddings[1][2]).toBeCloseTo(4.4, 5)
    })

    it('collection.add(): the documented uses and errors', async () => {
      const collection = await client.createCollection('collection', undefined, digitsEmbeddingFunction)
      await collection.add('single', [9, 9]) // single values are wrapped into arrays
      await collection.add(['a1'], [[1, 1]], [{ k: 'v' }])
      await collection.add(['d1', 'd2'], undefined, undefined, ['Document 1', 'Document 2']) // embedded client-side
      await collection.add(['d3'], undefined, [{ k: 'w' }], ['Document 3'])
      await collection.add(['e1'], [[5, 5]], [{ k: 'x' }], ['Document 5'])
      expect(await collection.count()).toBe(6)
      const got = await collection.get(['d2', 'd3'], undefined, undefined, undefined, [
        'embeddings',
        'documents',
        'metadatas'
      ])
      expect(got.documents).toEqual(['Document 2', 'Document 3'])
      expect(got.metadatas).toEqual([null, { k: 'w' }])
      expect(got.embeddings[0][0]).toBe(2)

      await expect(collection.add(['x'], undefined)).rejects.toThrow(
        'embeddings and documents cannot both be undefined'
      )
      const noEf = await client.getCollection('collection')
      await expect(noEf.add(['x'], undefined, undefined, ['Document 9'])).rejects.toThrow(
        'embeddingFunction is undefined. Please configure an embedding function'
      )
      await expect(collection.add(['x', 'y'], [[1, 1]])).rejects.toThrow(
        'ids, embeddings, metadatas, and documents must all be the same length'
      )
      expect(await collection.count()).toBe(6)
    })

    it('collection.update(ids, embeddings, metadatas, undefined)', async () => {
      const collection = await client.createCollection('collection')
      await collection.add(
        ['item1', 'item2'],
        [
          [1.1, 2.2, 3.3],
          [2.2, 3.3, 4.4]
        ],
        [{ category: 'A' }, { category: 'B' }],
        undefined
      )
      await collection.update(
        ['item1', 'item2'],
        [
          [2.2, 3.3, 4.4],
          [3.3, 4.4, 5.5]
        ],
        [{ category: 'AA' }, { category: 'BB' }],
        undefined
      )
      const got = await collection.get(undefined, undefined, undefined, undefined, ['embeddings', 'metadatas'])
      expect(got.ids).toEqual(['item1', 'item2'])
      expect(got.metadatas).toEqual([{ category: 'AA' }, { category: 'BB' }])
      expect(got.embeddings[0][0]).toBeCloseTo(2.2, 5)
      expect(got.embeddings[1][2]).toBeCloseTo(5.5, 5)
      // Use 2: metadata only (the embeddings stay).
      await collection.update(['item1'], undefined, [{ category: 'AAA' }])
      const after = await collection.get(['item1'], undefined, undefined, undefined, ['embeddings', 'metadatas'])
      expect(after.metadatas).toEqual([{ category: 'AAA' }])
      expect(after.embeddings[0][0]).toBeCloseTo(2.2, 5)
      await expect(collection.update(['item1'])).rejects.toThrow(
        'embeddings, documents, and metadatas cannot all be undefined'
      )
    })

    it('collection.delete(["item1", "item2"])', async () => {
      const collection = await client.createCollection('collection')
      await collection.add(['item1', 'item2', 'item3'], [[1], [2], [3]])
      await collection.delete(['item1', 'item2'])
      expect((await collection.get()).ids).toEqual(['item3'])
    })

    it('collection.delete(): the documented uses', async () => {
      const collection = await client.createCollection('collection')
      const load = async () => {
        await collection.delete()
        await collection.add(
          ['a1', 'a2', 'b1', 'b2'],
          [[1], [2], [3], [4]],
          [{ category: 'A' }, { category: 'A' }, { category: 'B' }, { category: 'B' }],
          ['apple pie', 'banana', 'apple juice', 'cherry']
        )
      }
      const remaining = async () => ((await collection.get()).ids as string[]).sort()

      await load()
      await collection.delete() // 1. all items
      expect(await remaining()).toEqual([])

      await load()
      await collection.delete(undefined, { category: 'A' }) // 2. where
      expect(await remaining()).toEqual(['b1', 'b2'])

      await load()
      await collection.delete(['a1', 'b1']) // 5. ids
      expect(await remaining()).toEqual(['a2', 'b2'])

      await load()
      await collection.delete(['a1', 'a2', 'b1'], { category: 'A' }) // 6. ids and where
      expect(await remaining()).toEqual(['b1', 'b2'])

      if (target.deleteSendsWhereDocument) {
        await load()
        await collection.delete(undefined, { category: 'B' }, { $contains: 'apple' }) // 3. where and document
        expect(await remaining()).toEqual(['a1', 'a2', 'b2'])

        await load()
        await collection.delete(undefined, undefined, { $contains: 'apple' }) // 4. document content
        expect(await remaining()).toEqual(['a2', 'b2'])

        await load()
        await collection.delete(['a1', 'a2'], undefined, { $contains: 'apple' }) // 8. ids and document
        expect(await remaining()).toEqual(['a2', 'b1', 'b2'])
      }
    })

    it('collection.get()', async () => {
      const collection = await client.createCollection('collection')
      await collection.add(
        ['item1', 'item2'],
        [
          [1.1, 2.2, 3.3],
          [2.2, 3.3, 4.4]
        ],
        [{ category: 'A' }, { category: 'B' }],
        undefined
      )
      const results = await collection.get()
      expect(results.ids).toEqual(['item1', 'item2'])
      expect(results.metadatas).toEqual([{ category: 'A' }, { category: 'B' }])
      // Default include is ["metadatas", "documents"]: no embeddings, and these items have no document.
      expect(results.embeddings).toBeNull()
      expect(results.documents).toEqual([null, null])
      // The 6th parameter and the others of the documented signature.
      const filtered = await collection.get(undefined, { category: 'B' }, 1, 0, ['embeddings'], undefined)
      expect(filtered.ids).toEqual(['item2'])
      expect(filtered.embeddings[0][0]).toBeCloseTo(2.2, 5)
    })

    it('collection.query(undefined, 10, undefined, ["document"], undefined, include)', async () => {
      const collection = await client.createCollection('collection', undefined, digitsEmbeddingFunction)
      await collection.add(['item1', 'item2', 'item3', 'item4', 'item5'], undefined, undefined, [
        'Document 1',
        'Document 2',
        'Document 3',
        'Document 4',
        'Document 5'
      ])
      const results = await collection.query(undefined, 10, undefined, ['document'], undefined, [
        'metadatas',
        'documents',
        'embeddings',
        'distances'
      ])
      expect(results.ids).toEqual([['item1', 'item2', 'item3', 'item4', 'item5']])
      expect(results.documents).toEqual([['Document 1', 'Document 2', 'Document 3', 'Document 4', 'Document 5']])
      expect(results.metadatas).toEqual([[null, null, null, null, null]])
      expect(results.embeddings[0]).toHaveLength(5)
      expect(results.embeddings[0][0][0]).toBe(1)
      const distances = results.distances[0] as number[]
      expect(distances).toHaveLength(5)
      expect([...distances].sort((a, b) => a - b)).toEqual(distances)
      expect(distances[0]).toBeCloseTo(1.04, 4) // (1 - 0)^2 + (1.0 - 0.8)^2, squared L2

      // Use 2: query with embeddings. [2.9, 1] is closest to item3 (0.01), then item2 (0.81), then
      // item4 (1.21): no tie, so every server must answer the same order.
      const byEmbedding = await collection.query([[2.9, 1]], 2)
      expect(byEmbedding.ids).toEqual([['item3', 'item2']])
    })

    it('collection.count()', async () => {
      const collection = await client.createCollection('collection')
      const ids = Array.from({ length: 10 }, (_, i) => `item${i + 1}`)
      await collection.add(
        ids,
        ids.map((_, i) => [i, i + 1])
      )
      const count = await collection.count()
      expect(count).toBe(10)
    })

    it('collection.peek()', async () => {
      const collection = await client.createCollection('collection')
      await collection.add(
        ['item1', 'item2', 'item3'],
        [[1], [2], [3]],
        [{ category: 'A' }, { category: 'B' }, { category: 'C' }],
        ['Document 1', 'Document 2', 'Document 3']
      )
      const results = await collection.peek()
      expect(results).toMatchObject({
        ids: ['item1', 'item2', 'item3'],
        embeddings: null,
        documents: ['Document 1', 'Document 2', 'Document 3'],
        metadatas: [{ category: 'A' }, { category: 'B' }, { category: 'C' }]
      })
      expect((await collection.peek(2)).ids).toEqual(['item1', 'item2'])
    })
  })
}
