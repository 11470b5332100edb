// Clone with new settings against the real engine in temporary data directories, re-embedding with
// two generated models of different dimensions.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TransformersEmbeddingFunction } from '../engine/embedding/index.js'
import { createTinyModel, TINY_HIDDEN_SIZE } from '../engine/embedding/testing/tiny-model.js'
import { HNSW_DEFAULTS, PersistentClient } from '../engine/index.js'
import { cloneCollection, planClone } from './clone.js'
import { LocalConnection } from './local.js'
import { batchOf, expectSameRecords, makeRecords, readAll } from './testing.js'
import { PortabilityError, type CollectionEndpoint } from './types.js'

const OTHER_DIM = 48
const trustAll = { allows: () => true, howToAllow: '' }

let models: string
let modelA: string
let modelB: string
let root: string
let client: PersistentClient
let conn: LocalConnection

beforeAll(async () => {
  models = mkdtempSync(join(tmpdir(), 'clone-models-'))
  modelA = await createTinyModel(models)
  modelB = await createTinyModel(models, { name: 'tiny-bert-48', layers: 1, hiddenSize: OTHER_DIM, heads: 2 })
})
afterAll(() => rmSync(models, { recursive: true, force: true }))

function open(): void {
  client = new PersistentClient({ path: join(root, 'data'), embeddingOptions: { trust: trustAll } })
  conn = new LocalConnection(client, 'test')
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'clone-'))
  open()
})
afterEach(async () => {
  await client.close()
  rmSync(root, { recursive: true, force: true })
})

const L2 = { ...HNSW_DEFAULTS, space: 'l2' as const }

async function seedVectors(name: string, count: number, dim = 8) {
  const records = makeRecords(count, dim, 7)
  const col = await conn.create({
    name,
    metadata: { owner: 'me' },
    configuration: { hnsw: L2, embedding_function: null },
    dimension: null
  })
  for (let s = 0; s < count; s += 500) await col.add(batchOf(records, s, Math.min(count, s + 500)))
  return records
}

async function rejects(p: Promise<unknown>, message: RegExp): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error
  )
  expect(err, 'expected a rejection').toBeInstanceOf(Error)
  expect((err as Error).message).toMatch(message)
  return err as Error
}

function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number)
    na += (a[i] as number) ** 2
    nb += (b[i] as number) ** 2
  }
  return 1 - dot / Math.sqrt(na * nb)
}

async function expectSourceUntouched(name: string, records: ReturnType<typeof makeRecords>) {
  const source = (await conn.open(name)) as CollectionEndpoint
  expect(source.spec.configuration.hnsw).toMatchObject(L2)
  expect(await source.count()).toBe(records.ids.length)
  expectSameRecords(await readAll(source), records)
}

describe('clone with new settings', () => {
  it('to cosine: query distances are the cosine distances of the same vectors; the source is untouched', async () => {
    // Vectors of very different lengths, so l2 and cosine order neighbours differently.
    const records = await seedVectors('vecs', 300)
    const progress: string[] = []
    const report = await cloneCollection(
      conn,
      'vecs',
      { as: 'vecs-cos', hnsw: { space: 'cosine' } },
      { batchSize: 100, onProgress: (p) => progress.push(`${p.phase}:${p.done}/${p.total}`) }
    )
    expect(report).toMatchObject({ copied: 300, reembedded: 0, skipped: 0, changes: ['hnsw.space: l2 -> cosine'] })
    expect(progress).toEqual(['copying:100/300', 'copying:200/300', 'copying:300/300'])
    const clone = (await conn.open('vecs-cos')) as CollectionEndpoint
    expect(clone.spec.configuration.hnsw?.space).toBe('cosine')
    expectSameRecords(await readAll(clone), records) // embeddings bit for bit
    const col = await client.getCollection({ name: 'vecs-cos' })
    for (const q of [records.embeddings[3], records.embeddings[150]] as Float32Array[]) {
      const r = await col.query({ queryEmbeddings: [Array.from(q)], nResults: 300, include: ['distances'] })
      const expected = records.ids
        .map((id, i) => ({ id, d: cosineDistance(q, records.embeddings[i] as Float32Array) }))
        .sort((a, b) => a.d - b.d)
      const got = r.ids[0] as string[]
      const distances = r.distances?.[0] as number[]
      expect(got).toHaveLength(300)
      got.forEach((id, k) => {
        const want = expected.find((e) => e.id === id)?.d as number
        expect(distances[k]).toBeCloseTo(want, 4)
      })
      expect(got.slice(0, 5)).toEqual(expected.slice(0, 5).map((e) => e.id))
    }
    await expectSourceUntouched('vecs', records)
  })

  it("keeps the source's schema, its vector index following the new space, its switches honoured", async () => {
    const fts = { string: { fts_index: { enabled: false, config: {} } } }
    const schema = { defaults: {}, keys: { '#document': fts } }
    const src = await client.createCollection({ name: 'with-schema', schema, embeddingFunction: null })
    await src.add({ ids: ['a'], embeddings: [[1, 2]], documents: ['red apple'] })
    await cloneCollection(conn, 'with-schema', { as: 'with-schema-cos', hnsw: { space: 'cosine' } })
    const clone = await client.getCollection({ name: 'with-schema-cos' })
    expect(clone.configuration.hnsw.space).toBe('cosine')
    expect(clone.schema).toEqual({ defaults: {}, keys: { '#document': fts } }) // no vector index written: none to follow
    await expect(clone.get({ whereDocument: { $contains: 'apple' } })).rejects.toThrow(/FTS indexing is disabled/)

    const withVector = {
      defaults: {},
      keys: { '#embedding': { float_list: { vector_index: { enabled: true, config: { space: 'ip' } } } } }
    }
    await client.createCollection({ name: 'ip-source', schema: withVector, embeddingFunction: null })
    await cloneCollection(conn, 'ip-source', { as: 'ip-clone', hnsw: { space: 'cosine' } })
    const ipClone = await client.getCollection({ name: 'ip-clone' })
    expect(ipClone.configuration.hnsw.space).toBe('cosine')
    expect(ipClone.schema?.keys['#embedding']).toEqual({
      float_list: { vector_index: { enabled: true, config: { space: 'cosine' } } }
    })
  })

  it('with new HNSW parameters: the configuration is persisted and every record is equal', async () => {
    const records = await seedVectors('vecs', 250)
    const hnsw = { ef_construction: 40, max_neighbors: 8, ef_search: 25 }
    await cloneCollection(conn, 'vecs', { as: 'vecs-tuned', hnsw })
    await client.close()
    open()
    const clone = (await conn.open('vecs-tuned')) as CollectionEndpoint
    expect(clone.spec.configuration.hnsw).toMatchObject({ ...hnsw, space: 'l2' })
    expect(clone.spec.metadata).toEqual({ owner: 'me' })
    expect(clone.spec.dimension).toBe(8)
    expectSameRecords(await readAll(clone), records)
    await expectSourceUntouched('vecs', records)
  })

  it('refuses up front: taken name, invalid name, invalid HNSW values, missing source; nothing is created', async () => {
    await seedVectors('vecs', 10)
    await seedVectors('other', 1)
    await rejects(cloneCollection(conn, 'vecs', { as: 'other' }), /"other" already exists/)
    await rejects(cloneCollection(conn, 'vecs', { as: 'x' }), /Expected a name containing 3-512 characters/)
    await rejects(
      cloneCollection(conn, 'vecs', { as: 'vecs-2', hnsw: { ef_search: 0 } }),
      /Invalid HNSW configuration: invalid ef_search 0, must be a positive integer/
    )
    await rejects(
      cloneCollection(conn, 'vecs', { as: 'vecs-2', hnsw: { space: 'manhattan' as 'l2' } }),
      /invalid space "manhattan"/
    )
    await rejects(cloneCollection(conn, 'nope', { as: 'vecs-2' }), /"nope" does not exist/)
    expect((await conn.list()).sort()).toEqual(['other', 'vecs'])
  })

  it('cancelled: the half-made clone is removed and the source is untouched', async () => {
    const records = await seedVectors('vecs', 1000)
    const controller = new AbortController()
    const err = await rejects(
      cloneCollection(
        conn,
        'vecs',
        { as: 'vecs-cancelled', hnsw: { space: 'ip' } },
        {
          batchSize: 100,
          signal: controller.signal,
          onProgress: ({ done }) => {
            if (done === 300) controller.abort()
          }
        }
      ),
      /Clone cancelled. "vecs-cancelled" was removed again/
    )
    expect(err).toBeInstanceOf(PortabilityError)
    expect(await conn.open('vecs-cancelled')).toBeNull()
    await expectSourceUntouched('vecs', records)
  })
})

describe('clone with another embedding model', () => {
  const docs = [
    'the vector database answers a query',
    'a river runs to the sea',
    'children play music in the school',
    'the farm animal eats food',
    'a computer model of the earth'
  ]

  async function seedDocuments(name: string, extra?: { ids: string[]; uris: (string | null)[] }) {
    const col = await client.createCollection({
      name,
      configuration: {
        hnsw: { space: 'cosine' },
        embedding_function: { type: 'known', name: 'transformers', config: { model: modelA } }
      }
    })
    await col.add({ ids: docs.map((_, i) => `d${i}`), documents: docs, metadatas: docs.map((_, i) => ({ i })) })
    if (extra) {
      await col.add({
        ids: extra.ids,
        embeddings: extra.ids.map(() => Array.from({ length: TINY_HIDDEN_SIZE }, (_, k) => (k === 0 ? 1 : 0))),
        uris: extra.uris
      })
    }
    return col
  }

  it('re-embeds every document with the new model (new dimension); queries by text answer', async () => {
    await seedDocuments('docs')
    const before = await readAll((await conn.open('docs')) as CollectionEndpoint)
    const embedder = new TransformersEmbeddingFunction({ model: modelB })
    try {
      const phases = new Set<string>()
      const report = await cloneCollection(
        conn,
        'docs',
        {
          as: 'docs-48',
          embeddingFunction: { type: 'known', name: 'transformers', config: { model: modelB } }
        },
        { embedder, batchSize: 2, onProgress: (p) => phases.add(p.phase ?? '') }
      )
      expect(report).toMatchObject({ copied: 5, reembedded: 5, skipped: 0, model: modelB })
      expect([...phases]).toEqual(['loading model', 'embedding', 'writing'])

      const clone = (await conn.open('docs-48')) as CollectionEndpoint
      expect(clone.spec.dimension).toBe(OTHER_DIM)
      const expected = await embedder.generate(docs)
      const rows = await readAll(clone)
      docs.forEach((doc, i) => {
        const row = rows.get(`d${i}`)
        expect(row?.document).toBe(doc)
        expect(row?.metadata).toEqual({ i })
        expect(Array.from(row?.embedding ?? [])).toEqual(Array.from(Float32Array.from(expected[i] as number[])))
      })
      // The clone's own function (rebuilt from its configuration) embeds the query with model B.
      const col = await client.getCollection({ name: 'docs-48' })
      const r = await col.query({ queryTexts: [docs[2] as string], nResults: 2, include: ['distances'] })
      expect(r.ids[0]?.[0]).toBe('d2')
      expect(r.distances?.[0]?.[0]).toBeCloseTo(0, 4)
      // Source: same records, same vectors, same model.
      const source = (await conn.open('docs')) as CollectionEndpoint
      expect(source.spec.dimension).toBe(TINY_HIDDEN_SIZE)
      expect(source.spec.configuration.embedding_function?.config).toEqual({ model: modelA })
      const after = await readAll(source)
      expect([...after.keys()]).toEqual([...before.keys()])
      for (const [id, row] of before)
        expect(Buffer.from(after.get(id)!.embedding.buffer)).toEqual(Buffer.from(row.embedding.buffer))
    } finally {
      await embedder.close()
    }
  })

  it('refuses records without a document, naming how many (and the URI-only ones), unless told to leave them out', async () => {
    await seedDocuments('docs', { ids: ['v1', 'v2', 'u1'], uris: [null, null, 'file:///tmp/a.txt'] })
    const settings = {
      as: 'docs-48',
      embeddingFunction: { type: 'known', name: 'transformers', config: { model: modelB } }
    }
    await rejects(
      planClone(conn, 'docs', settings),
      /3 of the 8 records of "docs" have no document \(1 of them carry only a URI, which is not fetched\)/
    )
    expect(await conn.open('docs-48')).toBeNull()
    const embedder = new TransformersEmbeddingFunction({ model: modelB })
    try {
      const report = await cloneCollection(conn, 'docs', { ...settings, skipWithoutDocument: true }, { embedder })
      expect(report).toMatchObject({ copied: 5, reembedded: 5, skipped: 3 })
      expect([...(await readAll((await conn.open('docs-48')) as CollectionEndpoint)).keys()].sort()).toEqual(
        docs.map((_, i) => `d${i}`)
      )
    } finally {
      await embedder.close()
    }
  })

  it('a model that cannot load fails before the clone exists; same model or none keeps the vectors', async () => {
    await seedDocuments('docs')
    const missing = join(models, 'no-such-model')
    const embedder = new TransformersEmbeddingFunction({ model: missing })
    await rejects(
      cloneCollection(
        conn,
        'docs',
        { as: 'docs-x', embeddingFunction: { type: 'known', name: 'transformers', config: { model: missing } } },
        { embedder }
      ),
      /Embedding model folder ".*no-such-model" does not exist/
    )
    expect(await conn.open('docs-x')).toBeNull()
    const source = await readAll((await conn.open('docs')) as CollectionEndpoint)
    for (const [as, embeddingFunction] of [
      ['docs-same', { type: 'known', name: 'transformers', config: { model: modelA } }],
      ['docs-none', null]
    ] as const) {
      const report = await cloneCollection(conn, 'docs', { as, embeddingFunction })
      expect(report.reembedded).toBe(0)
      const rows = await readAll((await conn.open(as)) as CollectionEndpoint)
      for (const [id, row] of source)
        expect(Buffer.from(rows.get(id)!.embedding.buffer)).toEqual(Buffer.from(row.embedding.buffer))
    }
  })
})
