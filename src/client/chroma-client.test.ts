// The reference's JavaScript examples through our own ChromaClient (v2 API), against our server and
// against Chroma's real 1.0 server: the same calls must give the same results on both.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startChromaServer } from '../main/engine/differential/chroma-server.js'
import { startLocalServer } from '../main/server/v1/testing/local-server.js'
import {
  ChromaClient,
  ChromaClientError,
  ChromaConnectionError,
  ChromaNotFoundError,
  ChromaUniqueError,
  ChromaValueError
} from './index.js'
import {
  describeReferenceExamples,
  digitsEmbeddingFunction,
  type ExampleClient
} from '../main/server/v1/testing/reference-examples.js'

describeReferenceExamples('ChromaClient against our server', async () => {
  const server = await startLocalServer()
  return {
    client: new ChromaClient(server.baseUrl) as unknown as ExampleClient,
    resetAllowed: true,
    deleteSendsWhereDocument: true,
    getCollectionChecksServer: true,
    stop: () => server.stop()
  }
})

describeReferenceExamples('ChromaClient against Chroma 1.0', async () => {
  const server = await startChromaServer()
  return {
    client: new ChromaClient(server.baseUrl) as unknown as ExampleClient,
    resetAllowed: false,
    deleteSendsWhereDocument: true,
    getCollectionChecksServer: true,
    stop: () => server.stop()
  }
})

// Object-style arguments of the newer clients, constructor forms and error classes: the same
// calls against both servers must give the same answers.
describe.each([
  ['our server', startLocalServer],
  ['Chroma 1.0', startChromaServer]
] as const)('ChromaClient object-style API against %s', (_label, start) => {
  let server: { baseUrl: string; stop(): Promise<void> }
  let client: ChromaClient

  beforeAll(async () => {
    server = await start()
    client = new ChromaClient({ path: server.baseUrl })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })
  beforeEach(async () => {
    for (const c of await client.listCollections()) await client.deleteCollection({ name: c.name })
  })

  it('accepts { path } and { host, port }, and reports an unreachable server', async () => {
    const url = new URL(server.baseUrl)
    const byHost = new ChromaClient({ host: url.hostname, port: Number(url.port) })
    expect(await byHost.heartbeat()).toBeGreaterThan(0)
    expect(await new ChromaClient(`${server.baseUrl}/`).version()).toMatch(/^\d+\.\d+\.\d+$/)
    const nowhere = new ChromaClient({ host: '127.0.0.1', port: 9 })
    await expect(nowhere.heartbeat()).rejects.toBeInstanceOf(ChromaConnectionError)
  })

  it('records with object arguments, single values wrapped into arrays', async () => {
    const collection = await client.createCollection({ name: 'objects', metadata: { owner: 'me' } })
    expect(collection.metadata).toEqual({ owner: 'me' })
    await collection.add({ ids: 'one', embeddings: [1, 0], metadatas: { n: 1 }, documents: 'first doc' })
    await collection.add({
      ids: ['two', 'three'],
      embeddings: [
        [0, 1],
        [1, 1]
      ],
      metadatas: [{ n: 2 }, { n: 3 }],
      documents: ['second doc', 'third doc']
    })
    await collection.upsert({ ids: 'three', embeddings: [2, 2], metadatas: { n: 30 } })
    await collection.update({ ids: ['two'], metadatas: [{ n: 20 }] })
    expect(await collection.count()).toBe(3)

    const got = await collection.get({ ids: ['one', 'three'], include: ['metadatas', 'documents', 'embeddings'] })
    expect(got.ids).toEqual(['one', 'three'])
    expect(got.metadatas).toEqual([{ n: 1 }, { n: 30 }])
    expect(got.documents).toEqual(['first doc', 'third doc'])
    expect(got.embeddings).toEqual([
      [1, 0],
      [2, 2]
    ])
    expect((await collection.get({ where: { n: { $gte: 20 } }, whereDocument: { $contains: 'doc' } })).ids).toEqual([
      'two',
      'three'
    ])
    expect((await collection.get({ limit: 1, offset: 1 })).ids).toEqual(['two'])
    expect((await collection.peek({ limit: 2 })).ids).toEqual(['one', 'two'])

    const q = await collection.query({ queryEmbeddings: [1, 0], nResults: 2 })
    expect(q.ids).toEqual([['one', 'two']])
    expect(q.distances?.[0]?.[0]).toBe(0)
    const filtered = await collection.query({ queryEmbeddings: [[1, 0]], nResults: 5, where: { n: 20 } })
    expect(filtered.ids).toEqual([['two']])

    await collection.delete({ where: { n: 20 } })
    await collection.delete({ ids: 'one' })
    expect((await collection.get()).ids).toEqual(['three'])

    await collection.modify({ name: 'objects2', metadata: { owner: 'you' } })
    expect(collection.name).toBe('objects2')
    const again = await client.getCollection({ name: 'objects2' })
    expect(again.id).toBe(collection.id)
    expect(again.metadata).toEqual({ owner: 'you' })
    expect(await client.countCollections()).toBe(1)
  })

  it('queryTexts through the collection embedding function', async () => {
    const collection = await client.getOrCreateCollection({ name: 'texts', embeddingFunction: digitsEmbeddingFunction })
    await collection.add({ ids: ['d1', 'd2'], documents: ['Document 1', 'Document 2'] })
    const result = await collection.query({ queryTexts: 'document 2', nResults: 1, include: ['documents'] })
    expect(result.documents).toEqual([['Document 2']])
  })

  it("accepts the 0.3 API's positional increment_index argument on add", async () => {
    const collection = await client.getOrCreateCollection({ name: 'increment' })
    await collection.add(['i1'], [[1, 2]], [{ a: 1 }], ['one'], true)
    const got = await collection.get({ ids: ['i1'], include: ['metadatas', 'documents'] })
    expect(got.metadatas).toEqual([{ a: 1 }])
    expect(got.documents).toEqual(['one'])
  })

  it('throws Chroma error classes with the server message', async () => {
    await client.createCollection('taken')
    const dup = client.createCollection('taken')
    await expect(dup).rejects.toBeInstanceOf(ChromaUniqueError)
    await expect(client.createCollection('taken')).rejects.toThrow('Collection [taken] already exists')
    await expect(client.getCollection('missing')).rejects.toBeInstanceOf(ChromaNotFoundError)
    await expect(client.deleteCollection({ name: 'missing' })).rejects.toBeInstanceOf(ChromaNotFoundError)
    const collection = await client.getCollection('taken')
    await collection.add(['a'], [[1, 2, 3]])
    const wrongDim = collection.add(['b'], [[1, 2]])
    await expect(wrongDim).rejects.toBeInstanceOf(ChromaClientError)
    await expect(collection.add(['b'], [[1, 2]])).rejects.toThrow(
      'Collection expecting embedding with dimension of 3, got 2'
    )
    await expect(collection.query({ nResults: 1 })).rejects.toBeInstanceOf(ChromaValueError)
    await client.deleteCollection('taken')
    await expect(collection.count()).rejects.toBeInstanceOf(ChromaNotFoundError)
  })
})
