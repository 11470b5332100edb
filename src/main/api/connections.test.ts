import { createServer as createHttpServer, type Server } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallInput, CallOutput, Channel } from '../../shared/contract.js'
import { startChromaServer, type ChromaServer } from '../engine/differential/chroma-server.js'
import { createTinyModel } from '../engine/embedding/testing/tiny-model.js'
import { freePort } from '../engine/testing/free-port.js'
import { createServer } from '../server/index.js'
import { checkConnection } from './connections.js'
import { closeAppContext, openAppContext, type AppContext } from './context.js'
import { dispatch, type Handlers } from './dispatch.js'
import { createHandlers } from './handlers.js'

let chroma: ChromaServer
let root: string
let modelDir: string
let ctx: AppContext
let handlers: Handlers

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-connections-'))
  ;[chroma, modelDir] = await Promise.all([startChromaServer(60_000), createTinyModel(root)])
  ctx = openAppContext({ path: null, modelsDir: path.join(root, 'cache') })
  handlers = createHandlers(ctx)
}, 90_000)
afterAll(async () => {
  await closeAppContext(ctx)
  await chroma?.stop()
  rmSync(root, { recursive: true, force: true })
})

async function call<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await dispatch(handlers, channel, input)
  if (!result.ok) throw new Error(`${result.error.name}: ${result.error.message}`)
  return result.value as CallOutput<C>
}

describe('checkConnection', () => {
  it('finds a real Chroma server usable and names its version and databases', async () => {
    const check = await checkConnection({ url: chroma.baseUrl })
    expect(check).toMatchObject({ ok: true, problem: null, databases: ['default_database'] })
    expect(check.version).toMatch(/^1\./)
  })

  it('says which part fails: server, tenant, database', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`
    expect(await checkConnection({ url: nobody })).toMatchObject({
      ok: false,
      problem: 'unreachable',
      message: expect.stringContaining('Cannot reach')
    })
    expect(await checkConnection({ url: chroma.baseUrl, tenant: 'nope' })).toMatchObject({
      problem: 'tenant',
      message: 'Tenant "nope" does not exist on ' + chroma.baseUrl
    })
    expect(await checkConnection({ url: chroma.baseUrl, database: 'other' })).toMatchObject({
      problem: 'database',
      databases: ['default_database']
    })
  })

  it('tells a missing token from a wrong one (against our own server with a token)', async () => {
    const port = await freePort()
    const server = await createServer({ ctx, host: '127.0.0.1', port, token: 'right-token-0123456789' })
    await server.listen({ host: '127.0.0.1', port })
    try {
      const url = `http://127.0.0.1:${port}`
      expect(await checkConnection({ url })).toMatchObject({
        problem: 'unauthorized',
        message: `${url} requires a token`
      })
      expect(await checkConnection({ url, token: 'wrong' })).toMatchObject({ problem: 'unauthorized' })
      expect(await checkConnection({ url, token: 'right-token-0123456789' })).toMatchObject({ ok: true })
      // It is this app's own server, by any name that reaches it; a real Chroma is not.
      expect(await checkConnection({ url: `http://localhost:${port}` })).toMatchObject({ ownServer: true })
      expect(await checkConnection({ url: chroma.baseUrl })).not.toHaveProperty('ownServer')
    } finally {
      await server.close()
    }
  })

  it('recognizes a server that speaks only the v1 API', async () => {
    const old: Server = createHttpServer((req, res) => {
      res.statusCode = req.url === '/api/v1/heartbeat' ? 200 : 404
      res.end(req.url === '/api/v1/heartbeat' ? '{"nanosecond heartbeat":1}' : '')
    })
    const port = await freePort()
    await new Promise<void>((r) => old.listen(port, '127.0.0.1', r))
    try {
      expect(await checkConnection({ url: `http://127.0.0.1:${port}` })).toMatchObject({
        problem: 'version',
        message: expect.stringContaining("only Chroma's v1 API")
      })
    } finally {
      old.close()
    }
  })
})

describe('a remote connection through the same calls as the local database', () => {
  it('refuses to save a server that cannot be used', async () => {
    await expect(call('connections.add', { name: 'bad', url: chroma.baseUrl, tenant: 'nope' })).rejects.toThrow(
      'Tenant "nope" does not exist'
    )
    expect((await call('connections.list', {})).map((c) => c.id)).toEqual(['local'])
  })

  it('creates, fills, browses, queries, edits and deletes a collection on a real Chroma server', async () => {
    const saved = await call('connections.add', { name: 'Chroma 1.0', url: chroma.baseUrl })
    expect(saved).toMatchObject({ name: 'Chroma 1.0', url: chroma.baseUrl, hasToken: false })
    const connection = saved.id
    const c = await call('collections.create', { connection, name: 'remote-docs', embeddingModel: modelDir })
    expect(c).toMatchObject({ name: 'remote-docs', count: 0 })
    await call('records.add', {
      connection,
      collectionId: c.id,
      records: ['apples and pears', 'pears and plums', 'cars and trucks'].map((document, i) => ({
        id: `d${i}`,
        document,
        metadata: { kind: i < 2 ? 'fruit' : 'vehicle', i }
      }))
    })
    // Not in the local database: the calls went to the server.
    expect(await call('collections.list', {})).toEqual([])
    const [listed] = await call('collections.list', { connection })
    expect(listed).toMatchObject({ id: c.id, count: 3, dimension: 32 })

    const page = await call('records.page', {
      connection,
      collectionId: c.id,
      limit: 2,
      offset: 1,
      where: { kind: 'fruit' }
    })
    expect(page).toMatchObject({ total: 2, rows: [{ id: 'd1', document: 'pears and plums' }] })
    const keys = await call('collections.metadataKeys', { connection, id: c.id })
    expect(keys.find((k) => k.key === 'kind')).toMatchObject({ types: ['string'], values: ['fruit', 'vehicle'] })

    const byText = await call('records.query', { connection, collectionId: c.id, text: 'cars and trucks', nResults: 2 })
    expect(byText[0]).toMatchObject({ id: 'd2', distance: expect.closeTo(0, 3) })
    const filtered = await call('records.query', {
      connection,
      collectionId: c.id,
      similarTo: 'd2',
      nResults: 3,
      where: { kind: 'fruit' }
    })
    expect(filtered.map((r) => r.id).sort()).toEqual(['d0', 'd1'])
    // The official client checks some filters itself; what the server refuses in Chroma's words
    // alone, the app explains (docs/filters.md).
    await expect(
      call('records.page', { connection, collectionId: c.id, limit: 5, offset: 0, where: { i: { $gt: '1' } } })
    ).rejects.toThrow('Expected operand value to be a number for $gt, but got string') // the client's own check
    await expect(
      call('records.count', { connection, collectionId: c.id, whereDocument: { $regex: 'ab(c' } })
    ).rejects.toThrow('The pattern has an unclosed group "(" at position 3')

    expect(
      await call('records.update', { connection, collectionId: c.id, id: 'd0', metadata: { kind: 'fruit', i: 10 } })
    ).toMatchObject({ metadata: { kind: 'fruit', i: 10 } })
    expect(await call('records.delete', { connection, collectionId: c.id, where: { kind: 'vehicle' } })).toEqual({
      deleted: 1
    })
    expect(await call('collections.rename', { connection, id: c.id, name: 'remote-docs-2' })).toMatchObject({
      name: 'remote-docs-2',
      count: 2
    })
    expect(await call('collections.delete', { connection, id: c.id })).toEqual({ deleted: 'remote-docs-2' })
    expect(await call('collections.list', { connection })).toEqual([])
    await call('connections.remove', { id: connection })
    expect((await call('connections.list', {})).map((x) => x.id)).toEqual(['local'])
  })
})

describe('dropping files into a collection on a Chroma server', () => {
  it('chunks and embeds here, writes there', async () => {
    const connection = (await call('connections.add', { name: 'ingest target', url: chroma.baseUrl })).id
    const c = await call('collections.create', { connection, name: 'remote-ingest', embeddingModel: modelDir })
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ')
    const { uploadId } = await call('ingest.upload', {
      files: [{ name: 'notes/long.txt', data: Buffer.from(text).toString('base64') }]
    })
    let status = await call('ingest.start', { connection, uploadId, collectionId: c.id, chunkSize: 50, overlap: 5 })
    while (status.summary === null && status.error === null) {
      await new Promise((r) => setTimeout(r, 50))
      status = await call('ingest.status', { jobId: status.jobId })
    }
    expect(status).toMatchObject({ error: null, summary: { ingested: 1, failed: 0 } })
    const written = status.summary?.chunksWritten ?? 0
    expect(written).toBeGreaterThan(3)
    expect(await call('records.count', { connection, collectionId: c.id, where: { source: 'notes/long.txt' } })).toBe(
      written
    )
    await call('collections.delete', { connection, id: c.id })
    await call('connections.remove', { id: connection })
  })
})

describe('copying a collection between connections', () => {
  async function finished(jobId: string) {
    for (;;) {
      const status = await call('copy.status', { jobId })
      if (status.state !== 'running') return status
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  it('copies local to a Chroma server and back, every field intact, without re-embedding', async () => {
    const remote = (await call('connections.add', { name: 'copy target', url: chroma.baseUrl })).id
    // l2: Chroma 1.0 hands back cosine collections' vectors up to one float32 ulp off what it was given.
    const local = await call('collections.create', { name: 'to-copy', embeddingModel: modelDir, space: 'l2' })
    const records = Array.from({ length: 1500 }, (_, i) => ({
      id: `r${i}`,
      embedding: Array.from({ length: 8 }, (_, j) => Math.fround(Math.sin(i * 8 + j))),
      document: `record ${i}`,
      metadata: { i, even: i % 2 === 0, tag: `t${i % 7}` }
    }))
    for (let s = 0; s < records.length; s += 500) {
      await call('records.add', { collectionId: local.id, records: records.slice(s, s + 500) })
    }
    const out = await finished((await call('collections.copy', { collectionId: local.id, target: remote })).jobId)
    expect(out).toMatchObject({ state: 'done', copied: 1500, total: 1500, error: null })

    const [copied] = await call('collections.list', { connection: remote })
    expect(copied).toMatchObject({ name: 'to-copy', count: 1500, space: 'l2', embeddingModel: modelDir })
    const back = await finished(
      (
        await call('collections.copy', {
          connection: remote,
          collectionId: copied!.id,
          target: 'local',
          name: 'came-back'
        })
      ).jobId
    )
    expect(back).toMatchObject({ state: 'done', copied: 1500 })
    const returned = (await call('collections.list', {})).find((c) => c.name === 'came-back')!
    const ids = records.slice(0, 1000).map((r) => r.id)
    const original = await call('records.get', { collectionId: local.id, ids, embeddings: true })
    const roundTrip = await call('records.get', { collectionId: returned.id, ids, embeddings: true })
    expect(roundTrip).toEqual(original)

    const clash = await finished((await call('collections.copy', { collectionId: local.id, target: remote })).jobId)
    expect(clash).toMatchObject({ state: 'failed', copied: 0, error: expect.stringContaining('already exists') })
    await call('connections.remove', { id: remote })
  })
})
