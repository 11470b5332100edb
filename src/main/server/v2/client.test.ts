// The official `chromadb` JS client (3.0.3), unchanged, against our server: the whole collection and
// record lifecycle. chromadb 3.0.3 always sends embeddings as JSON arrays (it has no base64 path), so
// base64 adds are checked with raw requests next to it.
import {
  ChromaClient,
  ChromaClientError,
  ChromaNotFoundError,
  ChromaUniqueError,
  registerEmbeddingFunction
} from 'chromadb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOurServer, type RunningServer } from './test-server.js'

/**
 * A deterministic 3-dimensional embedding function. chromadb 3.0.3 needs one: without it, create
 * falls back to @chroma-core/default-embed (not installed) and throws before any request.
 */
class LetterEf {
  readonly name = 'letter-ef'
  static buildFromConfig(): LetterEf {
    return new LetterEf()
  }
  getConfig(): Record<string, unknown> {
    return {}
  }
  async generate(texts: string[]): Promise<number[][]> {
    return texts.map((t) => [t.length, t.charCodeAt(0) % 7, t.includes('cat') ? 1 : 0])
  }
}
registerEmbeddingFunction('letter-ef', LetterEf as never)

function base64Of(v: number[]): string {
  return Buffer.from(new Float32Array(v).buffer).toString('base64')
}

let server: RunningServer
let client: ChromaClient
const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'

const raw = (method: string, path: string, body?: unknown) => server.raw(method, path, body)

beforeAll(async () => {
  server = await startOurServer({ allowReset: true })
  client = new ChromaClient({ host: server.host, port: server.port })
})

afterAll(async () => {
  await server?.stop()
})

describe('official chromadb client against the v2 server', () => {
  it('heartbeat, version, reset', async () => {
    const hb = await client.heartbeat()
    expect(typeof hb).toBe('number')
    expect(hb).toBeGreaterThan(Date.now() * 1e6 - 60e9 * 1e3)
    expect(await client.version()).toMatch(/^\d+\.\d+\.\d+$/)
    await client.createCollection({ name: 'before-reset', embeddingFunction: new LetterEf() })
    expect(await client.reset()).toBeUndefined()
    expect(await client.countCollections()).toBe(0)
  })

  it('collection lifecycle: create, get, getOrCreate, list, count, modify, delete', async () => {
    const ef = new LetterEf()
    const a = await client.createCollection({ name: 'alpha', metadata: { owner: 'me', n: 1 }, embeddingFunction: ef })
    expect(a.name).toBe('alpha')
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(a.metadata).toEqual({ owner: 'me', n: 1 })
    expect(
      a.configuration.embeddingFunction ?? (a.configuration as Record<string, unknown>).embedding_function
    ).toBeTruthy()

    await expect(client.createCollection({ name: 'alpha', embeddingFunction: ef })).rejects.toBeInstanceOf(
      ChromaUniqueError
    )
    await expect(client.getCollection({ name: 'missing', embeddingFunction: ef })).rejects.toBeInstanceOf(
      ChromaNotFoundError
    )
    await expect(client.createCollection({ name: 'a', embeddingFunction: ef })).rejects.toThrow(/3-512 characters/)

    const again = await client.getOrCreateCollection({
      name: 'alpha',
      metadata: { other: true },
      embeddingFunction: ef
    })
    expect(again.id).toBe(a.id)
    expect(again.metadata).toEqual({ owner: 'me', n: 1 })
    const b = await client.getOrCreateCollection({ name: 'beta', embeddingFunction: ef })
    expect(b.id).not.toBe(a.id)

    // getCollection without an embedding function rebuilds the registered one from configuration_json.
    const got = await client.getCollection({ name: 'alpha' } as never)
    expect(got.id).toBe(a.id)
    expect(got.embeddingFunction).toBeInstanceOf(LetterEf)

    const list = await client.listCollections()
    expect(list.map((c) => c.name).sort()).toEqual(['alpha', 'beta'])
    expect(await client.listCollections({ limit: 1 })).toHaveLength(1)
    expect(await client.listCollections({ limit: 5, offset: 1 })).toHaveLength(1)
    expect(await client.countCollections()).toBe(2)

    await a.modify({ name: 'alpha2', metadata: { owner: 'you' } })
    const renamed = await client.getCollection({ name: 'alpha2', embeddingFunction: ef })
    expect(renamed.id).toBe(a.id)
    expect(renamed.metadata).toEqual({ owner: 'you' })
    await expect(client.getCollection({ name: 'alpha', embeddingFunction: ef })).rejects.toBeInstanceOf(
      ChromaNotFoundError
    )

    await client.deleteCollection({ name: 'beta' })
    await expect(client.deleteCollection({ name: 'beta' })).rejects.toBeInstanceOf(ChromaNotFoundError)
    expect(await client.countCollections()).toBe(1)
    await client.deleteCollection({ name: 'alpha2' })
    expect(await client.countCollections()).toBe(0)
  })

  it('records: add, upsert, update, get, query, delete, count, peek', async () => {
    const col = await client.createCollection({ name: 'records', embeddingFunction: new LetterEf() })
    expect(await col.count()).toBe(0)

    await col.add({
      ids: ['r1', 'r2', 'r3'],
      embeddings: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1]
      ],
      documents: ['a cat sat', 'a dog ran', 'birds fly'],
      metadatas: [{ kind: 'cat', n: 1 }, { kind: 'dog', n: 2 }, null as never]
    })
    // Documents only: the client embeds with the collection's embedding function.
    await col.add({ ids: ['r4'], documents: ['cat nap'], metadatas: [{ kind: 'cat', n: 4 }] })
    expect(await col.count()).toBe(4)

    // Base64 add over the wire (what newer clients send once pre-flight allows it).
    const pre = (await raw('GET', '/api/v2/pre-flight-checks')).json as Record<string, unknown>
    expect(pre.supports_base64_encoding).toBe(true)
    const b64 = await raw('POST', `${C}/${col.id}/add`, {
      ids: ['r5'],
      embeddings: [base64Of([0.5, 0.25, -1.5])],
      metadatas: [{ kind: 'fish', n: 5 }]
    })
    expect(b64).toEqual({ status: 201, json: {} })
    expect(await col.count()).toBe(5)

    const byId = await col.get({ ids: ['r5', 'r1'], include: ['embeddings', 'metadatas', 'documents'] as never })
    expect(byId.ids).toEqual(['r1', 'r5']) // insertion order
    expect(byId.embeddings).toEqual([
      [1, 0, 0],
      [0.5, 0.25, -1.5]
    ])
    expect(byId.documents).toEqual(['a cat sat', null])
    expect(byId.metadatas).toEqual([
      { kind: 'cat', n: 1 },
      { kind: 'fish', n: 5 }
    ])

    const cats = await col.get({ where: { kind: 'cat' } })
    expect(cats.ids).toEqual(['r1', 'r4'])
    expect(cats.include).toEqual(['documents', 'metadatas'])
    const bigN = await col.get({ where: { $and: [{ n: { $gte: 2 } }, { kind: { $ne: 'fish' } }] } })
    expect(bigN.ids).toEqual(['r2', 'r4']) // r3 has no metadata: no n
    const docFilter = await col.get({ whereDocument: { $contains: 'cat' } })
    expect(docFilter.ids).toEqual(['r1', 'r4'])
    const paged = await col.get({ limit: 2, offset: 1, include: ['metadatas'] as never })
    expect(paged.ids).toEqual(['r2', 'r3'])
    expect(paged.documents).toEqual([]) // null on the wire; the client maps it to []
    expect(paged.metadatas).toEqual([{ kind: 'dog', n: 2 }, null])

    const q = await col.query({ queryEmbeddings: [[1, 0, 0]], nResults: 2 })
    expect(q.ids).toEqual([['r1', 'r2']])
    expect(q.distances?.[0]?.[0]).toBeCloseTo(0, 6)
    expect(q.distances?.[0]?.[1]).toBeCloseTo(2, 5) // squared L2
    expect(q.documents).toEqual([['a cat sat', 'a dog ran']])
    const qWhere = await col.query({
      queryEmbeddings: [
        [0, 1, 0],
        [0, 0, 1]
      ],
      nResults: 5,
      where: { kind: { $in: ['dog', 'fish'] } },
      include: ['distances', 'embeddings'] as never
    })
    expect(qWhere.ids).toEqual([
      ['r2', 'r5'],
      ['r2', 'r5']
    ])
    expect(qWhere.embeddings[0]?.[0]).toEqual([0, 1, 0])
    expect(qWhere.metadatas).toEqual([])

    await col.upsert({
      ids: ['r2', 'r6'],
      embeddings: [
        [0, 2, 0],
        [1, 1, 1]
      ],
      metadatas: [{ n: 20 }, { kind: 'new' }]
    })
    await col.update({
      ids: ['r3', 'missing'],
      documents: ['birds sing', 'x'],
      metadatas: [{ kind: 'bird' }, { kind: 'x' }]
    })
    const after = await col.get({ ids: ['r2', 'r3', 'r6'], include: ['metadatas', 'documents', 'embeddings'] as never })
    expect(after.ids).toEqual(['r2', 'r3', 'r6'])
    expect(after.metadatas).toEqual([{ kind: 'dog', n: 20 }, { kind: 'bird' }, { kind: 'new' }])
    expect(after.documents).toEqual(['a dog ran', 'birds sing', null])
    expect(after.embeddings[0]).toEqual([0, 2, 0])
    expect(await col.count()).toBe(6)

    const peek = await col.peek({ limit: 3 })
    expect(peek.ids).toEqual(['r1', 'r2', 'r3'])

    await col.delete({ ids: ['r1'] })
    await col.delete({ where: { kind: 'cat' } })
    expect((await col.get()).ids).toEqual(['r2', 'r3', 'r5', 'r6'])
    expect(await col.count()).toBe(4)

    // Errors surfaced through the client.
    await expect(col.add({ ids: ['bad'], embeddings: [[1, 2]] })).rejects.toBeInstanceOf(ChromaClientError)
    await expect(col.add({ ids: ['bad'], embeddings: [[1, 2]] })).rejects.toThrow(
      /Collection expecting embedding with dimension of 3, got 2/
    )
    await expect(col.query({ queryEmbeddings: [[1, 2, 3, 4]] })).rejects.toThrow(/dimension of 3, got 4/)
    await expect(col.get({ where: { n: { $gt: 'x' } } as never })).rejects.toThrow(/Invalid where clause|Expected/)
    await client.deleteCollection({ name: 'records' })
    await expect(col.count()).rejects.toBeInstanceOf(ChromaNotFoundError)
  })

  it('chromadb 3.0.3 refuses to create a collection without an embedding function (before any request)', async () => {
    // With none given it tries to import @chroma-core/default-embed, which is not installed.
    const errors = console.error
    console.error = () => undefined
    try {
      await expect(client.createCollection({ name: 'no-ef', embeddingFunction: null as never })).rejects.toThrow(
        /DefaultEmbeddingFunction/
      )
    } finally {
      console.error = errors
    }
    expect((await raw('GET', `${C}/no-ef`)).status).toBe(404)
    // Any object with generate() works; without name/getConfig it is stored as {"type": "legacy"}.
    const legacy = await client.createCollection({
      name: 'legacy-ef',
      embeddingFunction: { generate: async () => [] } as never
    })
    const stored = (await raw('GET', `${C}/legacy-ef`)).json as { configuration_json: { embedding_function: unknown } }
    expect(stored.configuration_json.embedding_function).toEqual({ type: 'legacy' })
    await client.deleteCollection({ name: legacy.name })
  })

  it('tenants and databases through the admin routes', async () => {
    const { AdminClient } = await import('chromadb')
    const admin = new AdminClient({ host: server.host, port: server.port, ssl: false })
    await admin.createTenant({ name: 'acme' })
    expect(await admin.getTenant({ name: 'acme' })).toBe('acme')
    await expect(admin.createTenant({ name: 'acme' })).rejects.toBeInstanceOf(ChromaUniqueError)
    await admin.createDatabase({ name: 'main', tenant: 'acme' })
    await admin.createDatabase({ name: 'other', tenant: 'acme' })
    const dbs = await admin.listDatabases({ tenant: 'acme' })
    expect(dbs.map((d) => d.name)).toEqual(['main', 'other'])
    expect((await admin.getDatabase({ name: 'main', tenant: 'acme' })).tenant).toBe('acme')

    const scoped = new ChromaClient({ host: server.host, port: server.port, tenant: 'acme', database: 'main' })
    const col = await scoped.createCollection({ name: 'scoped', embeddingFunction: new LetterEf() })
    await col.add({ ids: ['x'], embeddings: [[1, 2, 3]] })
    expect(await col.count()).toBe(1)
    expect(await client.countCollections()).toBe(0) // the default database is separate

    await admin.deleteDatabase({ name: 'other', tenant: 'acme' })
    await expect(admin.getDatabase({ name: 'other', tenant: 'acme' })).rejects.toBeInstanceOf(ChromaNotFoundError)
  })
})
