// Fork and fork_count (Chroma 1.5) through the official chromadb 3.5.0 client, unchanged, against our
// server with a persistent database; and the persisted lineage after a reopen.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChromaClient, ChromaNotFoundError, ChromaUniqueError, registerEmbeddingFunction } from 'chromadb-v3-5-0'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PersistentClient } from '../../engine/index.js'
import { startOurServer, type RunningServer } from './test-server.js'

/** Deterministic 3-dimensional embeddings: the client needs a function and none may download a model. */
class TinyEf {
  readonly name = 'tiny-ef-fork'
  static buildFromConfig(): TinyEf {
    return new TinyEf()
  }
  getConfig(): Record<string, unknown> {
    return {}
  }
  async generate(texts: string[]): Promise<number[][]> {
    return texts.map((t) => [t.length, t.charCodeAt(0) % 7, t.includes('cat') ? 1 : 0])
  }
}
registerEmbeddingFunction('tiny-ef-fork', TinyEf as never)

let dir: string
let server: RunningServer
let client: ChromaClient
const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'

const raw = (method: string, path: string, body?: unknown) => server.raw(method, path, body)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-fork-'))
  server = await startOurServer({ path: dir })
  client = new ChromaClient({ host: server.host, port: server.port, ssl: false })
})

afterAll(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('fork over HTTP with chromadb 3.5.0', () => {
  it('copies records, metadata and configuration under a new name and id; the source is untouched', async () => {
    const source = await client.createCollection({
      name: 'fork-src',
      metadata: { owner: 'ann' },
      configuration: { hnsw: { space: 'ip', ef_search: 33 } },
      embeddingFunction: new TinyEf()
    })
    const n = 2500 // more than one batch of the copy
    const ids = Array.from({ length: n }, (_, i) => `r${i}`)
    await source.add({
      ids,
      embeddings: ids.map((_, i) => [i, i % 7, 1]),
      documents: ids.map((id) => `doc ${id}`),
      metadatas: ids.map((_, i) => ({ i, tag: i % 2 === 0 ? 'even' : 'odd', tags: ['x', i % 3 === 0 ? 'y' : 'z'] }))
    })

    const fork = await source.fork({ name: 'fork-dst' })
    expect(fork.name).toBe('fork-dst')
    expect(fork.id).not.toBe(source.id)
    expect(fork.metadata).toEqual({ owner: 'ann' })
    expect(await fork.count()).toBe(n)
    expect(await source.count()).toBe(n)

    const reopened = await client.getCollection({ name: 'fork-dst', embeddingFunction: new TinyEf() })
    expect(reopened.id).toBe(fork.id)
    expect(reopened.configuration.hnsw).toMatchObject({ space: 'ip', ef_search: 33 })

    const some = ['r0', 'r1', 'r2499']
    const a = await source.get({ ids: some, include: ['embeddings', 'documents', 'metadatas'] as never })
    const b = await fork.get({ ids: some, include: ['embeddings', 'documents', 'metadatas'] as never })
    expect(b.ids).toEqual(a.ids)
    expect(b.documents).toEqual(a.documents)
    expect(b.metadatas).toEqual(a.metadatas)
    expect(b.embeddings).toEqual(a.embeddings)

    // The fork is searchable (its index is built) and independent of the source.
    const hits = await fork.query({ queryEmbeddings: [[10, 3, 1]], nResults: 3, where: { tag: 'even' } })
    expect(hits.ids[0]).toHaveLength(3)
    await fork.delete({ ids: ['r0'] })
    await fork.add({ ids: ['new'], embeddings: [[1, 1, 1]], documents: ['new'] })
    expect(await fork.count()).toBe(n)
    expect((await source.get({ ids: ['r0', 'new'] })).ids).toEqual(['r0'])
  })

  it('counts forks per lineage: the source and every fork answer the same number', async () => {
    const root = await client.createCollection({ name: 'lineage-root', embeddingFunction: new TinyEf() })
    await root.add({ ids: ['a'], embeddings: [[1, 2, 3]] })
    expect(await root.forkCount()).toBe(0)
    const f1 = await root.fork({ name: 'lineage-f1' })
    const f2 = await root.fork({ name: 'lineage-f2' })
    const f1a = await f1.fork({ name: 'lineage-f1a' })
    for (const c of [root, f1, f2, f1a]) expect(await c.forkCount()).toBe(3)
    // An unrelated collection has its own (empty) lineage.
    const other = await client.createCollection({ name: 'lineage-other', embeddingFunction: new TinyEf() })
    expect(await other.forkCount()).toBe(0)
    // A deleted fork no longer counts; the lineage survives its root's deletion.
    await client.deleteCollection({ name: 'lineage-f2' })
    await client.deleteCollection({ name: 'lineage-root' })
    expect(await f1.forkCount()).toBe(2)
    expect(await f1a.forkCount()).toBe(2)
  })

  it('refuses an existing name, a bad name, an unknown collection; nothing is written', async () => {
    const src = await client.createCollection({ name: 'fork-refusals', embeddingFunction: new TinyEf() })
    await src.add({ ids: ['a'], embeddings: [[1, 2, 3]] })
    await client.createCollection({ name: 'taken', embeddingFunction: new TinyEf() })
    await expect(src.fork({ name: 'taken' })).rejects.toBeInstanceOf(ChromaUniqueError)
    expect(await (await client.getCollection({ name: 'taken', embeddingFunction: new TinyEf() })).count()).toBe(0)

    const bad = await raw('POST', `${C}/${src.id}/fork`, { new_name: 'a' })
    expect(bad.status).toBe(400)
    expect((bad.json as { message: string }).message).toMatch(/new_name|name/)
    const missingField = await raw('POST', `${C}/${src.id}/fork`, {})
    expect(missingField.status).toBe(422)

    const unknown = '00000000-0000-4000-8000-000000000000'
    const nf = await raw('POST', `${C}/${unknown}/fork`, { new_name: 'whatever' })
    expect(nf.status).toBe(404)
    expect((await raw('GET', `${C}/${unknown}/fork_count`)).status).toBe(404)
    await expect(client.getCollection({ name: 'whatever', embeddingFunction: new TinyEf() })).rejects.toBeInstanceOf(
      ChromaNotFoundError
    )
    expect((await raw('GET', `${C}/not-a-uuid/fork_count`)).status).toBe(400)
  })

  it('keeps the lineage across a reopen of the data directory', async () => {
    const id = (await client.getCollection({ name: 'lineage-f1', embeddingFunction: new TinyEf() })).id
    await server.stop()
    const engine = new PersistentClient({ path: dir })
    try {
      expect(engine.db.forkCount(id)).toBe(2)
    } finally {
      await engine.close()
    }
    server = await startOurServer({ path: dir })
    client = new ChromaClient({ host: server.host, port: server.port, ssl: false })
  })
})
