// Chroma 1.5 additions over v2, driven by the official chromadb 3.5.0 client (unchanged) where it
// has the call, with raw requests for what it does not send (PATCH tenant, refused bodies).
// docs/chroma-1.5.md describes each addition and where we differ from upstream.
import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChromaClient, ChromaClientError, ReadLevel, registerEmbeddingFunction, type Collection } from 'chromadb-v3-5-0'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOurServer, type RunningServer } from './test-server.js'

/** Deterministic 3-d embedding function (the 3.5.0 client needs one to create a collection). */
class ParityEf {
  readonly name = 'parity-ef'
  constructor(private readonly config: Record<string, unknown> = {}) {}
  static buildFromConfig(config: Record<string, unknown>): ParityEf {
    return new ParityEf(config)
  }
  getConfig(): Record<string, unknown> {
    return this.config
  }
  async generate(texts: string[]): Promise<number[][]> {
    return texts.map((t) => [t.length, t.charCodeAt(0) % 7, t.includes('cat') ? 1 : 0])
  }
}
registerEmbeddingFunction('parity-ef', ParityEf as never)

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the call to fail')
}

describe('Chroma 1.5 parity over v2 (official client 3.5.0), in memory', () => {
  let server: RunningServer
  let client: ChromaClient
  let col: Collection

  beforeAll(async () => {
    server = await startOurServer({ allowReset: true })
    client = new ChromaClient({ host: server.host, port: server.port })
    col = await client.createCollection({ name: 'parity', embeddingFunction: new ParityEf() })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('getIndexingStatus: 1.5 shape; every write indexed inline in memory', async () => {
    expect(await col.getIndexingStatus()).toEqual({
      num_indexed_ops: 0,
      num_unindexed_ops: 0,
      total_ops: 0,
      op_indexing_progress: 1
    })
    await col.add({
      ids: ['a', 'b'],
      embeddings: [
        [1, 0, 0],
        [0, 1, 0]
      ]
    })
    await col.upsert({ ids: ['c'], embeddings: [[0, 0, 1]] })
    await col.delete({ ids: ['b'] })
    expect(await col.getIndexingStatus()).toEqual({
      num_indexed_ops: 3,
      num_unindexed_ops: 0,
      total_ops: 3,
      op_indexing_progress: 1
    })
    const missing = await server.raw('GET', `${C}/00000000-0000-4000-8000-000000000000/indexing_status`)
    expect(missing.status).toBe(404)
    const bad = await server.raw('GET', `${C}/not-a-uuid/indexing_status`)
    expect(bad).toEqual({
      status: 400,
      json: { error: 'InvalidArgumentError', message: 'Collection ID is not a valid UUIDv4' }
    })
  })

  it('count takes every read_level (accepted and ignored: reads always see every write)', async () => {
    for (const level of Object.values(ReadLevel)) expect(await col.count({ readLevel: level })).toBe(2)
    const bad = await server.raw('GET', `${C}/${col.id}/count?read_level=eventually`)
    expect(bad.status).toBe(400)
    expect((bad.json as { message: string }).message).toContain('unknown variant `eventually`')
  })

  it('modify configuration: ef_search and the other changeable HNSW fields apply and persist', async () => {
    await col.modify({ configuration: { hnsw: { ef_search: 42, sync_threshold: 500, resize_factor: 1.5 } } })
    const again = await client.getCollection({ name: 'parity', embeddingFunction: new ParityEf() })
    expect(again.configuration.hnsw).toMatchObject({ ef_search: 42, sync_threshold: 500, resize_factor: 1.5 })
    // The next query runs with it (a loaded index took the new ef): still exact on this tiny set.
    const res = await again.query({ queryEmbeddings: [[1, 0, 0]], nResults: 1 })
    expect(res.ids).toEqual([['a']])
  })

  it('modify configuration refuses what cannot change, in upstream words', async () => {
    for (const field of ['space', 'ef_construction']) {
      const res = await server.raw('PUT', `${C}/${col.id}`, {
        new_configuration: { hnsw: { [field]: field === 'space' ? 'ip' : 7 } }
      })
      expect(res.status).toBe(422)
      expect((res.json as { message: string }).message).toBe(
        `Failed to deserialize the JSON body into the target type: new_configuration.hnsw.${field}: unknown field \`${field}\`, expected one of \`ef_search\`, \`max_neighbors\`, \`num_threads\`, \`resize_factor\`, \`sync_threshold\`, \`batch_size\``
      )
    }
    const both = await server.raw('PUT', `${C}/${col.id}`, {
      new_configuration: { hnsw: { ef_search: 10 }, spann: { search_nprobe: 4 } }
    })
    expect(both).toEqual({
      status: 400,
      json: { error: 'InvalidArgumentError', message: 'Multiple vector index configurations provided' }
    })
    const small = await rejection(col.modify({ configuration: { hnsw: { sync_threshold: 1 } } }))
    expect(small).toBeInstanceOf(ChromaClientError)
    // Nothing of the refused updates was stored.
    const after = await client.getCollection({ name: 'parity', embeddingFunction: new ParityEf() })
    expect(after.configuration.hnsw).toMatchObject({ space: 'l2', ef_search: 42, sync_threshold: 500 })
  })

  it('modify configuration: the embedding function is replaced and persisted', async () => {
    await col.modify({ configuration: { embeddingFunction: new ParityEf({ flavour: 'b' }) } })
    const res = await server.raw('GET', `${C}/parity`)
    expect(
      (res.json as { configuration_json: { embedding_function: unknown } }).configuration_json.embedding_function
    ).toEqual({
      type: 'known',
      name: 'parity-ef',
      config: { flavour: 'b' }
    })
    const bad = await server.raw('PUT', `${C}/${col.id}`, { new_configuration: { embedding_function: { name: 'x' } } })
    expect(bad.status).toBe(422)
  })

  it('PATCH tenant sets the resource name', async () => {
    expect(await server.raw('POST', '/api/v2/tenants', { name: 'acme2' })).toEqual({ status: 200, json: {} })
    expect(await server.raw('PATCH', '/api/v2/tenants/acme2', { resource_name: 'crn:acme' })).toEqual({
      status: 200,
      json: {}
    })
    expect(await server.raw('GET', '/api/v2/tenants/acme2')).toEqual({
      status: 200,
      json: { name: 'acme2', resource_name: 'crn:acme' }
    })
    const missing = await server.raw('PATCH', '/api/v2/tenants/nobody', { resource_name: 'x' })
    expect(missing).toEqual({ status: 404, json: { error: 'NotFoundError', message: 'Tenant [nobody] not found' } })
    const noName = await server.raw('PATCH', '/api/v2/tenants/acme2', {})
    expect(noName.status).toBe(422)
    expect((noName.json as { message: string }).message).toContain('missing field `resource_name`')
  })

  it('array metadata and $contains / $not_contains on arrays, through the client', async () => {
    const arr = await client.createCollection({ name: 'arrays', embeddingFunction: new ParityEf() })
    await arr.add({
      ids: ['m1', 'm2', 'm3'],
      embeddings: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1]
      ],
      metadatas: [{ tags: ['action', 'comedy'], scores: [1, 2] }, { tags: ['drama'], scores: [2.5, 3.5] }, { other: 1 }]
    })
    const got = await arr.get({ ids: ['m1'] })
    expect(got.metadatas[0]).toEqual({ tags: ['action', 'comedy'], scores: [1, 2] })
    expect((await arr.get({ where: { tags: { $contains: 'action' } } })).ids).toEqual(['m1'])
    expect((await arr.get({ where: { tags: { $not_contains: 'action' } } })).ids.sort()).toEqual(['m2', 'm3'])
    expect((await arr.get({ where: { scores: { $contains: 2.5 } } })).ids).toEqual(['m2'])
    expect((await arr.get({ where: { scores: { $contains: 2 } } })).ids).toEqual(['m1'])
    const q = await arr.query({ queryEmbeddings: [[0, 1, 0]], nResults: 3, where: { tags: { $contains: 'drama' } } })
    expect(q.ids).toEqual([['m2']])
    const mixed = await server.raw('POST', `${C}/${arr.id}/add`, {
      ids: ['m4'],
      embeddings: [[1, 1, 1]],
      metadatas: [{ bad: ['a', 1] }]
    })
    // Chroma 1.5's untagged MetadataValue has no variant for a mixed list: a 422, nothing stored.
    expect(mixed.status).toBe(422)
    expect((mixed.json as { message: string }).message).toContain('metadatas[0].bad')
    expect(await arr.count()).toBe(3)
  })

  it('$regex / $not_regex in where_document and on #document in where; plain errors', async () => {
    const docs = await client.createCollection({ name: 'docs', embeddingFunction: new ParityEf() })
    await docs.add({
      ids: ['d1', 'd2', 'd3'],
      embeddings: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1]
      ],
      documents: ['The cat sat', 'A dog ran', 'cats and dogs']
    })
    expect((await docs.get({ whereDocument: { $regex: '^[Tt]he' } })).ids).toEqual(['d1'])
    expect((await docs.get({ whereDocument: { $not_regex: 'dogs?' } })).ids).toEqual(['d1'])
    // The 3.5.0 client refuses $regex inside `where` before sending; the server takes it on #document.
    const inWhere = await server.raw('POST', `${C}/${docs.id}/get`, { where: { '#document': { $regex: 'cats?\\b' } } })
    expect((inWhere.json as { ids: string[] }).ids.sort()).toEqual(['d1', 'd3'])
    const bad = await server.raw('POST', `${C}/${docs.id}/get`, { where_document: { $regex: '(unclosed' } })
    expect(bad.status).toBe(400)
    expect((bad.json as { message: string }).message).toBe(
      'Regex syntax errror: regex parse error:\n    (unclosed\n    ^\nerror: unclosed group'
    )
    const onMetadata = await server.raw('POST', `${C}/${docs.id}/get`, { where: { tag: { $regex: 'x' } } })
    expect(onMetadata).toEqual({
      status: 400,
      json: { error: 'InvalidArgumentError', message: 'Invalid where clause' }
    })
  })
})

describe('indexing_status over a persistent database (index worker, write-behind)', () => {
  let dir: string
  let server: RunningServer

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parity-'))
    server = await startOurServer({ path: dir })
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('counts write calls; the indexed prefix reaches the total once the worker confirms', async () => {
    const client = new ChromaClient({ host: server.host, port: server.port })
    const col = await client.createCollection({ name: 'behind', embeddingFunction: new ParityEf() })
    const writes = 5
    for (let w = 0; w < writes; w++) {
      const ids = Array.from({ length: 200 }, (_, i) => `w${w}-${i}`)
      await col.add({ ids, embeddings: ids.map((_, i) => [w, i, (w * i) % 7]) })
    }
    // A metadata-only update is one more write call (nothing for the vector index to do).
    await col.update({ ids: ['w0-0'], metadatas: [{ k: 1 }] })
    const first = await col.getIndexingStatus()
    expect(first.total_ops).toBe(writes + 1)
    expect(first.num_indexed_ops + first.num_unindexed_ops).toBe(first.total_ops)
    expect(first.op_indexing_progress).toBeCloseTo(first.num_indexed_ops / first.total_ops, 6)
    const deadline = Date.now() + 20_000
    let status = first
    while (status.num_unindexed_ops > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
      status = await col.getIndexingStatus()
    }
    expect(status).toEqual({
      num_indexed_ops: writes + 1,
      num_unindexed_ops: 0,
      total_ops: writes + 1,
      op_indexing_progress: 1
    })
  })
})
