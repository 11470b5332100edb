import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FtsIndexConfig, Schema } from 'chromadb-v3-5-0'
import { afterEach, describe, expect, it } from 'vitest'
import { Collection, EphemeralClient, PersistentClient, registerEmbeddingFunction } from './client.js'
import { ForbiddenError, InvalidArgumentError, NotFoundError } from './errors.js'

/** Tiny deterministic embedding function: letter-frequency vector over a-d. */
class LetterEF {
  readonly name = 'letters-test'
  calls = 0
  getConfig(): Record<string, unknown> {
    return { letters: 'abcd' }
  }
  async generate(texts: string[]): Promise<number[][]> {
    this.calls++
    return texts.map((t) => ['a', 'b', 'c', 'd'].map((ch) => [...t].filter((x) => x === ch).length))
  }
}

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f()
})

function ephemeral(opts: ConstructorParameters<typeof EphemeralClient>[0] = {}): EphemeralClient {
  const c = new EphemeralClient(opts)
  cleanup.push(() => c.close())
  return c
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chromadesk-engine-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('client basics', () => {
  it('heartbeat, version, pre-flight', async () => {
    const c = ephemeral()
    expect(await c.heartbeat()).toBeGreaterThan(1.6e18)
    expect(await c.version()).toMatch(/^\d+\.\d+\.\d+$/)
    expect((await c.getPreflightChecks()).supports_base64_encoding).toBe(true)
    expect(await c.getMaxBatchSize()).toBeGreaterThanOrEqual(100_000)
  })
  it('collection management (object style)', async () => {
    const c = ephemeral()
    const col = await c.createCollection({ name: 'one', metadata: { owner: 'me' }, embeddingFunction: new LetterEF() })
    expect(col).toBeInstanceOf(Collection)
    expect(col.metadata).toEqual({ owner: 'me' })
    expect(col.configuration.embedding_function).toEqual({
      type: 'known',
      name: 'letters-test',
      config: { letters: 'abcd' }
    })
    await c.createCollection({ name: 'two', embeddingFunction: null })
    expect(await c.countCollections()).toBe(2)
    expect((await c.listCollections()).map((x) => x.name).sort()).toEqual(['one', 'two'])
    expect((await c.getOrCreateCollection({ name: 'one', metadata: { owner: 'other' } })).metadata).toEqual({
      owner: 'me'
    })
    await c.deleteCollection({ name: 'two' })
    await expect(c.getCollection({ name: 'two' })).rejects.toThrow(new NotFoundError('Collection [two] does not exist'))
  })
  it('without an embedding function argument the default is recorded as Chroma does', async () => {
    const c = ephemeral()
    const col = await c.createCollection({ name: 'dflt' })
    expect(col.configuration.embedding_function).toEqual({ type: 'known', name: 'default', config: {} })
    expect(col.embeddingFunction?.name).toBe('default')
    // Reopening shares one function per configuration (one model load, one worker).
    expect((await c.getCollection({ name: 'dflt' })).embeddingFunction).toBe(col.embeddingFunction)
    const none = await c.createCollection({ name: 'none', embeddingFunction: null })
    expect(none.configuration.embedding_function).toBeNull()
    expect(none.embeddingFunction).toBeNull()
  })
  it('takes a schema (its JSON, or a Schema of the official 3.5.0 client) and honours it', async () => {
    const c = ephemeral()
    const fromClient = new Schema().deleteIndex(new FtsIndexConfig(), '#document')
    const col = await c.createCollection({ name: 'no-fts', schema: fromClient, embeddingFunction: null })
    expect(col.schema).toEqual(fromClient.serializeToJSON())
    await col.add({ ids: ['a'], embeddings: [[1, 2]], documents: ['red apple'] })
    await expect(col.get({ whereDocument: { $contains: 'apple' } })).rejects.toThrow(/FTS indexing is disabled/)
    const json = {
      defaults: {},
      keys: { '#embedding': { float_list: { vector_index: { enabled: true, config: { space: 'ip' } } } } }
    }
    const ip = await c.getOrCreateCollection({ name: 'ip-space', schema: json, embeddingFunction: null })
    expect(ip.configuration.hnsw.space).toBe('ip')
    expect((await c.getCollection({ name: 'ip-space' })).schema).toEqual(json)
    await expect(c.createCollection({ name: 'bad-schema', schema: { defaults: [] } })).rejects.toThrow(
      new InvalidArgumentError('Invalid schema input: missing field `defaults`')
    )
  })
  it('tenants and databases', async () => {
    const c = ephemeral()
    await c.createTenant({ name: 'acme' })
    expect(await c.getTenant({ name: 'acme' })).toEqual({ name: 'acme', resource_name: null })
    await c.createDatabase({ name: 'research', tenant: 'acme' })
    expect((await c.getDatabase({ name: 'research', tenant: 'acme' })).tenant).toBe('acme')
    expect((await c.listDatabases({ tenant: 'acme' })).map((d) => d.name)).toEqual(['research'])
    await c.deleteDatabase({ name: 'research', tenant: 'acme' })
    expect(await c.listDatabases({ tenant: 'acme' })).toEqual([])
    const scoped = ephemeral({ tenant: 'default_tenant', database: 'default_database' })
    expect(await scoped.countCollections()).toBe(0)
  })
  it('reset is gated by allowReset', async () => {
    const locked = ephemeral()
    await locked.createCollection({ name: 'keep', embeddingFunction: null })
    await expect(locked.reset()).rejects.toThrow(ForbiddenError)
    await expect(locked.reset()).rejects.toThrow('Reset is disabled by config')
    const open = ephemeral({ allowReset: true })
    await open.createCollection({ name: 'gone', embeddingFunction: null })
    expect(await open.reset()).toBe(true)
    expect(await open.countCollections()).toBe(0)
  })
})

describe('records, object style', () => {
  it('add / get / query / update / upsert / delete / peek / count', async () => {
    const c = ephemeral()
    const col = await c.createCollection({ name: 'recs', embeddingFunction: null })
    await col.add({
      ids: ['a', 'b', 'c'],
      embeddings: [
        [1, 0],
        [0, 1],
        [1, 1]
      ],
      metadatas: [{ k: 1 }, { k: 2 }, { k: 3 }],
      documents: ['alpha', 'beta', 'gamma']
    })
    expect(await col.count()).toBe(3)
    const g = await col.get({ where: { k: { $gte: 2 } }, whereDocument: { $contains: 'amm' } })
    expect(g).toEqual({
      ids: ['c'],
      embeddings: null,
      documents: ['gamma'],
      uris: null,
      metadatas: [{ k: 3 }],
      include: ['documents', 'metadatas']
    })
    const q = await col.query({ queryEmbeddings: [[1, 0]], nResults: 2, include: ['distances'] })
    expect(q.ids).toEqual([['a', 'c']])
    expect(q.distances).toEqual([[0, 1]])
    expect(q.documents).toBeNull()
    await col.update({ ids: ['a'], metadatas: [{ k: 10 }] })
    await col.upsert({ ids: ['d'], embeddings: [[5, 5]], documents: ['delta'] })
    expect((await col.peek({ limit: 2 })).ids).toEqual(['a', 'b'])
    expect((await col.get({ ids: ['a'] })).metadatas).toEqual([{ k: 10 }])
    expect(await col.delete({ where: { k: { $gt: 5 } } })).toEqual({ deleted: 1 })
    expect((await col.get()).ids).toEqual(['b', 'c', 'd'])
    expect((await col.peek()).ids).toEqual(['b', 'c', 'd'])
  })
  it('embeds documents and query texts with the collection embedding function', async () => {
    const c = ephemeral()
    const ef = new LetterEF()
    const col = await c.createCollection({ name: 'efc', embeddingFunction: ef })
    await col.add({ ids: ['x', 'y', 'z'], documents: ['aaaa', 'bbbb', 'ccdd'] })
    expect((await col.get({ include: ['embeddings'] })).embeddings).toEqual([
      [4, 0, 0, 0],
      [0, 4, 0, 0],
      [0, 0, 2, 2]
    ])
    expect((await col.query({ queryTexts: ['bbb'], nResults: 1 })).ids).toEqual([['y']])
    expect((await col.query({ queryTexts: 'dd', nResults: 1 })).ids).toEqual([['z']])
    await col.update({ ids: ['x'], documents: ['dddd'] })
    expect((await col.get({ ids: ['x'], include: ['embeddings', 'documents'] })).embeddings).toEqual([[0, 0, 0, 4]])
    expect(ef.calls).toBe(4)
  })
  it('needs embeddings or documents, and an EF for documents', async () => {
    const c = ephemeral()
    const col = await c.createCollection({ name: 'noef', embeddingFunction: null })
    await expect(col.add({ ids: ['a'] })).rejects.toThrow('embeddings and documents cannot both be undefined')
    await expect(col.add({ ids: ['a'], documents: ['hello'] })).rejects.toThrow(InvalidArgumentError)
    await expect(col.query({ queryTexts: ['hello'] })).rejects.toThrow(/Embedding function/)
    await expect(col.query({})).rejects.toThrow('Either queryEmbeddings or queryTexts must be provided')
  })
  it('rebuilds a registered embedding function from the stored configuration', async () => {
    registerEmbeddingFunction('letters-test', () => new LetterEF())
    const c = ephemeral()
    await c.createCollection({ name: 'reg', embeddingFunction: new LetterEF() })
    const again = await c.getCollection({ name: 'reg' })
    expect(again.embeddingFunction?.name).toBe('letters-test')
    await again.add({ ids: ['a'], documents: ['abcd'] })
    expect((await again.get({ include: ['embeddings'] })).embeddings).toEqual([[1, 1, 1, 1]])
  })
  it('modify updates the local object too', async () => {
    const c = ephemeral()
    const col = await c.createCollection({ name: 'mod', metadata: { a: 1 }, embeddingFunction: null })
    await col.modify({ name: 'mod2', metadata: { b: 2 }, configuration: { hnsw: { ef_search: 55 } } })
    expect(col.name).toBe('mod2')
    expect(col.metadata).toEqual({ b: 2 })
    expect(col.configuration.hnsw.ef_search).toBe(55)
    expect((await c.getCollection({ name: 'mod2' })).metadata).toEqual({ b: 2 })
  })
})

describe('positional (0.3-era) signatures', () => {
  it('wraps single values and follows the documented argument order', async () => {
    const c = ephemeral()
    const ef = new LetterEF()
    const col = await c.createCollection('positional', { creator: 'John Doe' }, ef)
    expect(col.metadata).toEqual({ creator: 'John Doe' })
    expect(col.embeddingFunction).toBe(ef)
    await col.add('one', [1, 0, 0, 0], { category: 'A' }, 'first doc')
    await col.add(
      ['item1', 'item2'],
      [
        [1.1, 2.2, 3.3, 0],
        [2.2, 3.3, 4.4, 0]
      ],
      [{ category: 'A' }, { category: 'B' }],
      undefined
    )
    await col.add(['t1'], undefined, undefined, ['dddd'], true) // 5th argument: 1.4's increment_index
    expect(await col.count()).toBe(4)
    // get(ids, where, limit, offset, include, where_document)
    const g = await col.get(undefined, { category: 'A' }, 1, 1, ['metadatas', 'documents'], undefined)
    expect(g.ids).toEqual(['item1'])
    expect((await col.get('one')).documents).toEqual(['first doc'])
    expect((await col.get(undefined, undefined, undefined, undefined, undefined, { $contains: 'first' })).ids).toEqual([
      'one'
    ])
    // query(query_embeddings, n_results, where, query_text, where_document, include)
    const q = await col.query([1, 0, 0, 0], 2, { category: 'A' }, undefined, undefined, ['distances'])
    expect(q.ids).toEqual([['one', 'item1']])
    expect((await col.query(undefined, 1, undefined, ['ddd'])).ids).toEqual([['t1']])
    expect((await col.query(undefined, 1, undefined, 'dd', { $contains: 'ddd' }, ['documents'])).documents).toEqual([
      ['dddd']
    ])
    // update(ids, embeddings, metadatas, documents)
    await col.update(['item1'], undefined, [{ category: 'AA' }], undefined)
    expect((await col.get(['item1'])).metadatas).toEqual([{ category: 'AA' }])
    // peek(limit), modify(name, metadata), delete(ids, where, where_document)
    expect((await col.peek(1)).ids).toEqual(['one'])
    await col.modify('positional2', { creator: 'Jane' })
    expect((await c.getCollection('positional2')).metadata).toEqual({ creator: 'Jane' })
    expect(await col.delete(undefined, { category: 'B' })).toEqual({ deleted: 1 })
    expect(await col.delete(['one'])).toEqual({ deleted: 1 })
    expect((await col.get()).ids).toEqual(['item1', 't1'])
    expect(await col.createIndex()).toBe(true)
    await c.deleteCollection('positional2')
    expect(await c.countCollections()).toBe(0)
  })
})

describe('persistence', () => {
  it('close and reopen keeps collections, records, metadata and the vector index', async () => {
    const dir = tempDir()
    const first = new PersistentClient({ path: dir })
    const col = await first.createCollection({
      name: 'kept',
      metadata: { 'hnsw:space': 'cosine', note: 'x' },
      embeddingFunction: null
    })
    await first.createTenant('acme')
    await first.createDatabase({ name: 'dbx', tenant: 'acme' })
    const n = 500
    const ids = Array.from({ length: n }, (_, i) => `r${i}`)
    const embeddings = ids.map((_, i) => [Math.cos(i), Math.sin(i), (i % 7) / 7])
    await col.add({
      ids,
      embeddings,
      metadatas: ids.map((_, i) => ({ i, tags: [`t${i % 3}`, 'all'] })),
      documents: ids.map((id) => `doc ${id}`)
    })
    const before = await col.query({ queryEmbeddings: [[1, 0, 0.5]], nResults: 5, include: ['distances', 'metadatas'] })
    await col.delete({ ids: ['r0'] })
    await first.close()
    expect(existsSync(join(dir, 'chromadesk.sqlite3'))).toBe(true)
    expect(readdirSync(join(dir, 'index')).length).toBeGreaterThan(0)

    const second = new PersistentClient({ path: dir })
    cleanup.push(() => second.close())
    const again = await second.getCollection({ name: 'kept' })
    expect(again.id).toBe(col.id)
    expect(again.metadata).toEqual({ 'hnsw:space': 'cosine', note: 'x' })
    expect(again.configuration.hnsw.space).toBe('cosine')
    expect(await again.count()).toBe(n - 1)
    expect(await again.get({ ids: ['r5'], include: ['metadatas', 'documents', 'embeddings'] })).toMatchObject({
      metadatas: [{ i: 5, tags: ['t2', 'all'] }],
      documents: ['doc r5'],
      embeddings: [embeddings[5]?.map(Math.fround)]
    })
    const after = await again.query({
      queryEmbeddings: [[1, 0, 0.5]],
      nResults: 5,
      include: ['distances', 'metadatas']
    })
    const expectedIds = (before.ids[0] ?? []).filter((id) => id !== 'r0')
    expect(after.ids[0]?.slice(0, expectedIds.length)).toEqual(expectedIds)
    expect((await second.getDatabase({ name: 'dbx', tenant: 'acme' })).name).toBe('dbx')
    expect((await second.getCollectionById(col.id)).name).toBe('kept')
    // Writes after reopening go to SQLite and to the loaded index.
    await again.add({ ids: ['new'], embeddings: [[1, 0, 0.5]] })
    expect((await again.query({ queryEmbeddings: [[1, 0, 0.5]], nResults: 1 })).ids).toEqual([['new']])
  })
  it('reopens without snapshots (index rebuilt from SQLite) and after a corrupted snapshot', async () => {
    const dir = tempDir()
    const first = new PersistentClient({ path: dir })
    const col = await first.createCollection({ name: 'rebuild', embeddingFunction: null })
    await col.add({
      ids: ['a', 'b'],
      embeddings: [
        [0, 0],
        [5, 5]
      ]
    })
    await col.createIndex()
    await col.add({ ids: ['c'], embeddings: [[1, 1]] }) // after the snapshot
    // No close(): the snapshot covers a and b only; c must be replayed from SQLite.
    ;(first as unknown as { db: { close(): void; flushSnapshots(): void } }).db.flushSnapshots = () => {}
    await first.close()
    const second = new PersistentClient({ path: dir })
    const again = await second.getCollection({ name: 'rebuild' })
    expect((await again.query({ queryEmbeddings: [[1, 1]], nResults: 3 })).ids).toEqual([['c', 'a', 'b']])
    await second.close()
    for (const f of readdirSync(join(dir, 'index'))) rmSync(join(dir, 'index', f))
    const third = new PersistentClient({ path: dir })
    cleanup.push(() => third.close())
    const col3 = await third.getCollection({ name: 'rebuild' })
    expect((await col3.query({ queryEmbeddings: [[5, 5]], nResults: 1 })).ids).toEqual([['b']])
  })
  it('reset in persistent mode removes snapshots', async () => {
    const dir = tempDir()
    const c = new PersistentClient({ path: dir, allowReset: true })
    cleanup.push(() => c.close())
    const col = await c.createCollection({ name: 'snap', embeddingFunction: null })
    await col.add({ ids: ['a'], embeddings: [[1]] })
    await col.createIndex()
    expect(readdirSync(join(dir, 'index')).length).toBeGreaterThan(0)
    await c.reset()
    expect(readdirSync(join(dir, 'index'))).toEqual([])
    expect(await c.countCollections()).toBe(0)
  })
  it('calls after close fail cleanly', async () => {
    const c = new EphemeralClient()
    await c.close()
    await expect(c.countCollections()).rejects.toThrow('The database is closed')
  })
})
