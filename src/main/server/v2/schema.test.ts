// Collection `schema` (Chroma 1.5) through the official chromadb 3.5.0 client and raw requests: what a
// schema changes (embedding function, space, index switches), what is refused, and that it survives a
// reopen of a persistent database.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ChromaClient,
  FtsIndexConfig,
  K,
  Knn,
  registerEmbeddingFunction,
  Schema,
  Search,
  StringInvertedIndexConfig,
  VectorIndexConfig
} from 'chromadb-v3-5-0'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bm25Idf } from '../../engine/search/sparse.js'
import { startOurServer, type RunningServer } from './test-server.js'

class LengthEf {
  readonly name = 'length-ef'
  static buildFromConfig(): LengthEf {
    return new LengthEf()
  }
  getConfig(): Record<string, unknown> {
    return { dim: 2 }
  }
  async generate(texts: string[]): Promise<number[][]> {
    return texts.map((t) => [t.length, t.split(' ').length])
  }
}
registerEmbeddingFunction('length-ef', LengthEf as never)

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'

async function post(server: RunningServer, body: unknown): Promise<{ status: number; json: { message?: string } }> {
  const res = await fetch(server.baseUrl + C, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: res.status, json: (await res.json()) as { message?: string } }
}

/** A schema with FTS off on documents, the string index off on `secret`, and our embedding function in ip space. */
function restrictedSchema(): Schema {
  return new Schema()
    .createIndex(new VectorIndexConfig({ embeddingFunction: new LengthEf(), space: 'ip' }))
    .deleteIndex(new FtsIndexConfig(), '#document')
    .deleteIndex(new StringInvertedIndexConfig(), 'secret')
}

async function seed(client: ChromaClient, name: string): Promise<void> {
  const c = await client.createCollection({ name, schema: restrictedSchema() })
  await c.add({
    ids: ['a', 'b'],
    documents: ['red apple', 'green pear tree'],
    metadatas: [
      { secret: 'x', n: 1 },
      { secret: 'y', n: 2 }
    ]
  })
}

describe('collection schema over HTTP', () => {
  let server: RunningServer
  let client: ChromaClient

  beforeAll(async () => {
    server = await startOurServer({ allowReset: true })
    client = new ChromaClient({ host: server.host, port: server.port })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('takes the embedding function and space from the schema and echoes the schema on create, get and list', async () => {
    await client.reset()
    const sent = restrictedSchema()
    const created = await client.createCollection({ name: 'with-schema', schema: sent })
    const cfg = created.configuration as unknown as Record<string, { name?: string; space?: string }>
    expect(cfg.embedding_function?.name).toBe('length-ef')
    expect(cfg.hnsw?.space).toBe('ip')
    expect(created.schema?.serializeToJSON()).toEqual(sent.serializeToJSON())

    const got = await client.getCollection({ name: 'with-schema' })
    expect(got.schema?.serializeToJSON()).toEqual(sent.serializeToJSON())
    expect(got.embeddingFunction).toBeInstanceOf(LengthEf)
    const [listed] = await client.listCollections()
    expect(listed?.schema?.serializeToJSON()).toEqual(sent.serializeToJSON())

    // Documents are embedded with the schema's function: 'red apple' -> [9, 2].
    await got.add({ ids: ['a'], documents: ['red apple'] })
    const rec = await got.get({ ids: ['a'], include: ['embeddings'] })
    expect(rec.embeddings[0]).toEqual([9, 2])

    // A collection made without a schema has none.
    const plain = await client.createCollection({ name: 'plain', embeddingFunction: new LengthEf() })
    expect(plain.schema).toBeUndefined()
  })

  it('refuses filters that need an index the schema turns off, with Chroma messages', async () => {
    await client.reset()
    await seed(client, 'restricted')
    const c = await client.getCollection({ name: 'restricted' })
    await expect(c.get({ whereDocument: { $contains: 'apple' } })).rejects.toThrow(
      'Cannot filter using full-text search because FTS indexing is disabled'
    )
    await expect(c.query({ queryTexts: ['apple'], whereDocument: { $contains: 'apple' } })).rejects.toThrow(
      /FTS indexing is disabled/
    )
    await expect(c.delete({ whereDocument: { $contains: 'apple' } })).rejects.toThrow(/FTS indexing is disabled/)
    await expect(c.get({ where: { secret: 'x' } })).rejects.toThrow(
      "Cannot filter using metadata key 'secret' with type 'Str' because indexing is disabled"
    )
    await expect(c.get({ where: { $and: [{ n: 1 }, { secret: { $in: ['x'] } }] } })).rejects.toThrow(
      /metadata key 'secret'/
    )
    // The search API's filters too; its #id condition is not a metadata key.
    await expect(c.search(new Search().where(K.DOCUMENT.contains('apple')))).rejects.toThrow(/FTS indexing is disabled/)
    await expect(c.search(new Search().where(K('secret').eq('y')))).rejects.toThrow(/metadata key 'secret'/)
    const byId = await c.search(new Search().where(K.ID.isIn(['b'])).rank(Knn({ query: [1, 1] })))
    expect(byId.rows()[0]?.map((r) => r.id)).toEqual(['b'])
    // Other keys, and other value types of the same key, still filter.
    expect((await c.get({ where: { n: 2 } })).ids).toEqual(['b'])
    expect((await c.get({ where: { secret: 3 } })).ids).toEqual([])
    expect(await c.count()).toBe(2)

    // Without the schema switch the same filter works.
    const open = await client.createCollection({ name: 'open', schema: new Schema() })
    await open.add({ ids: ['a'], embeddings: [[1, 2]], documents: ['red apple'] })
    expect((await open.get({ whereDocument: { $contains: 'apple' } })).ids).toEqual(['a'])
  })

  it('a fork keeps its source schema and its switches', async () => {
    await client.reset()
    await seed(client, 'fork-source')
    const source = await client.getCollection({ name: 'fork-source' })
    // The 3.5.0 client builds the fork's object without the response's schema: read it back.
    const fork = await source.fork({ name: 'fork-copy' })
    expect(fork.name).toBe('fork-copy')
    const got = await client.getCollection({ name: 'fork-copy' })
    expect(got.schema?.serializeToJSON()).toEqual(restrictedSchema().serializeToJSON())
    expect(got.embeddingFunction).toBeInstanceOf(LengthEf)
    expect(await got.count()).toBe(2)
    await expect(got.get({ whereDocument: { $contains: 'apple' } })).rejects.toThrow(/FTS indexing is disabled/)
    await expect(got.get({ where: { secret: 'x' } })).rejects.toThrow(/metadata key 'secret'/)
  })

  it("a sparse index's bm25 flag scales sparse Knn by IDF", async () => {
    await client.reset()
    const kw = { sparse_vector: { sparse_vector_index: { enabled: true, config: { bm25: true } } } }
    expect((await post(server, { name: 'bm25', schema: { defaults: {}, keys: { kw } } })).status).toBe(200)
    expect((await post(server, { name: 'plain-sparse' })).status).toBe(200)
    const sparse = (indices: number[]) => ({ kw: { '#type': 'sparse_vector', indices, values: indices.map(() => 1) } })
    const scores: number[] = []
    for (const name of ['plain-sparse', 'bm25']) {
      const c = await client.getCollection({ name, embeddingFunction: new LengthEf() })
      await c.add({
        ids: ['r0', 'r1', 'r2'],
        embeddings: [
          [1, 0],
          [0, 1],
          [1, 1]
        ],
        metadatas: [sparse([1, 2]), sparse([2]), sparse([3])] as never
      })
      const r = await c.search(
        new Search().rank(Knn({ query: { indices: [1], values: [1] }, key: 'kw' })).select(K.SCORE)
      )
      const [row] = r.rows()[0] ?? []
      expect(row?.id).toBe('r0')
      scores.push(row?.score as number)
    }
    expect(scores[0]).toBeCloseTo(0, 6) // 1 - 1 * 1
    expect(scores[1]).toBeCloseTo(1 - bm25Idf(3, 1), 6) // the term is in one record of three
  })

  it('keeps the echoed schema in step with a modified embedding function', async () => {
    await client.reset()
    const c = await client.createCollection({
      name: 'modified',
      schema: new Schema().createIndex(new VectorIndexConfig({ space: 'cosine' }))
    })
    expect((c.configuration as unknown as Record<string, { type?: string }>).embedding_function?.type).toBe('legacy')
    await c.modify({ configuration: { embeddingFunction: new LengthEf() } })
    const got = await client.getCollection({ name: 'modified' })
    const vector = got.schema?.serializeToJSON().keys['#embedding']?.float_list?.vector_index?.config
    expect(vector?.embedding_function).toEqual({ type: 'known', name: 'length-ef', config: { dim: 2 } })
    expect(vector?.space).toBe('cosine')
  })

  it('refuses malformed schemas and a schema that conflicts with the configuration, storing nothing', async () => {
    await client.reset()
    const base = new Schema().serializeToJSON() as unknown as {
      defaults: Record<string, unknown>
      keys: Record<string, unknown>
    }
    const cases: Array<[unknown, RegExp]> = [
      [5, /schema must be an object/],
      [{ keys: {} }, /missing field `defaults`/],
      [{ defaults: {} }, /missing field `keys`/],
      [{ ...base, keys: { ...base.keys, '#secret': {} } }, /Key '#secret' cannot begin with '#'/],
      [
        { ...base, keys: { title: { float_list: { vector_index: { enabled: true, config: {} } } } } },
        /vector index is configured globally or on #embedding, not on key 'title'/
      ],
      [
        { ...base, keys: { title: { string: { fts_index: { enabled: true, config: {} } } } } },
        /FTS index can only be enabled on #document/
      ],
      [
        { ...base, keys: { title: { int: { int_inverted_index: { enabled: 'yes', config: {} } } } } },
        /"enabled": <bool>/
      ],
      [
        { ...base, defaults: { float_list: { vector_index: { enabled: true, config: { space: 'manhattan' } } } } },
        /space must be one of l2, cosine, ip/
      ],
      [
        {
          ...base,
          defaults: { float_list: { vector_index: { enabled: true, config: { hnsw: { ef_search: 0 } } } } }
        },
        /hnsw.ef_search must be a positive integer/
      ],
      [
        { ...base, defaults: { float_list: { vector_index: { enabled: true, config: { embedding_function: 'x' } } } } },
        /embedding_function must be an object/
      ]
    ]
    for (const [schema, message] of cases) {
      const res = await post(server, { name: 'bad', schema })
      expect(res.status, JSON.stringify(schema)).toBe(400)
      expect(res.json.message).toMatch(message)
    }
    const conflict = await post(server, {
      name: 'bad',
      configuration: { hnsw: { space: 'cosine' } },
      schema: { ...base, defaults: { float_list: { vector_index: { enabled: true, config: { space: 'ip' } } } } }
    })
    expect(conflict.status).toBe(400)
    expect(conflict.json.message).toBe('Cannot set both collection config and schema simultaneously')
    expect(await client.countCollections()).toBe(0)

    // Chroma's older spelling of `keys` is accepted and echoed as `keys`.
    const legacy = await post(server, {
      name: 'legacy-keys',
      schema: { defaults: base.defaults, key_overrides: base.keys }
    })
    expect(legacy.status).toBe(200)
    expect((legacy.json as unknown as { schema: { keys: unknown } }).schema.keys).toEqual(base.keys)
  })
})

describe('collection schema in a persistent database', () => {
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chromadesk-schema-'))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('survives a reopen: echoed, embedding function kept, switches still honoured', async () => {
    const first = await startOurServer({ path: dir })
    try {
      await seed(new ChromaClient({ host: first.host, port: first.port }), 'kept')
    } finally {
      await first.stop()
    }
    const second = await startOurServer({ path: dir })
    try {
      const client = new ChromaClient({ host: second.host, port: second.port })
      const c = await client.getCollection({ name: 'kept' })
      expect(c.schema?.serializeToJSON()).toEqual(restrictedSchema().serializeToJSON())
      expect(c.embeddingFunction).toBeInstanceOf(LengthEf)
      await expect(c.get({ whereDocument: { $contains: 'pear' } })).rejects.toThrow(/FTS indexing is disabled/)
      const q = await c.query({ queryTexts: ['green pear tree'], nResults: 1 })
      expect(q.ids[0]).toEqual(['b'])
    } finally {
      await second.stop()
    }
  })
})
