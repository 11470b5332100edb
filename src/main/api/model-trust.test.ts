// Which embedding models the app loads: the default, the user's choices in the app (kept in the data
// directory), the operator's --allow-model; never one named only by a collection's configuration
// written through Chroma's API, read from a Chroma server or an imported file.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CallInput, CallOutput, Channel } from '../../shared/contract.js'
import { DEFAULT_MODEL, EmbeddingModelNotAllowedError } from '../engine/embedding/index.js'
import { createTinyModel, TINY_HIDDEN_SIZE } from '../engine/embedding/testing/tiny-model.js'
import { freePort, LOOPBACK } from '../engine/testing/free-port.js'
import { createServer } from '../server/index.js'
import type { CollectionRef } from './backends/types.js'
import { memoryConnectionStore } from './connections.js'
import { closeAppContext, openAppContext, type AppContext, type EngineOptions } from './context.js'
import { dispatch } from './dispatch.js'
import { createHandlers } from './handlers.js'

let root: string
let modelDir: string
let modelsDir: string
const HUB_ID = 'local-org/tiny-bert'
const open: AppContext[] = []
const servers: FastifyInstance[] = []

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-model-trust-'))
  modelDir = await createTinyModel(root)
  // A hub model already in the cache: a refusal cannot be a failed lookup or download.
  modelsDir = path.join(root, 'models')
  cpSync(modelDir, path.join(modelsDir, HUB_ID), { recursive: true })
})
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
  for (const ctx of open.splice(0)) await closeAppContext(ctx)
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

function app(opts: EngineOptions = {}): AppContext {
  const ctx = openAppContext({ path: null, modelsDir, ...opts })
  open.push(ctx)
  return ctx
}

/** A contract call through dispatch, as both adapters make it: the value, or the error as data. */
async function call<C extends Channel>(ctx: AppContext, channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await dispatch(createHandlers(ctx), channel, input)
  if (!result.ok) throw Object.assign(new Error(result.error.message), { name: result.error.name })
  return result.value as CallOutput<C>
}

/** Serves ctx on a loopback port and returns a function making Chroma v2 API calls to it. */
async function chromaApi(ctx: AppContext) {
  const port = await freePort()
  const server = await createServer({ ctx, host: LOOPBACK, port })
  servers.push(server)
  await server.listen({ host: LOOPBACK, port })
  const base = `http://${LOOPBACK}:${port}/api/v2/tenants/default_tenant/databases/default_database`
  return async (
    method: string,
    url: string,
    body: unknown
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }
}

const efConfig = (model: string, revision?: string) => ({
  type: 'known',
  name: 'transformers',
  config: { model, ...(revision === undefined ? {} : { revision }) }
})

/** Adds one document (embedded by the app with the collection's model) and searches by text. */
async function embedsText(ctx: AppContext, collectionId: string): Promise<void> {
  await call(ctx, 'records.add', { collectionId, records: [{ id: 'doc', document: 'the cat sat on the mat' }] })
  const [row] = await call(ctx, 'records.get', { collectionId, ids: ['doc'], embeddings: true })
  expect(row?.embedding).toHaveLength(TINY_HIDDEN_SIZE)
  const hits = await call(ctx, 'records.query', { collectionId, text: 'the cat sat', nResults: 1 })
  expect(hits.map((h) => h.id)).toEqual(['doc'])
}

async function refusedToEmbed(ctx: AppContext, collectionId: string, model: string): Promise<void> {
  const add = call(ctx, 'records.add', { collectionId, records: [{ id: 'doc', document: 'the cat sat on the mat' }] })
  await expect(add).rejects.toMatchObject({ name: 'EmbeddingModelNotAllowedError' })
  await expect(add).rejects.toThrow(`"${model}" is not allowed here`)
  await expect(add).rejects.toThrow(ctx.modelTrust.howToAllow)
  await expect(call(ctx, 'records.query', { collectionId, text: 'the cat', nResults: 1 })).rejects.toMatchObject({
    name: 'EmbeddingModelNotAllowedError'
  })
  // Chunking for ingest counts tokens with the model's tokenizer: refused before it is read.
  const { uploadId } = await call(ctx, 'ingest.upload', {
    files: [{ name: 'note.txt', data: Buffer.from('the cat sat on the mat').toString('base64') }]
  })
  await expect(call(ctx, 'ingest.preview', { uploadId, file: 'note.txt', collectionId })).rejects.toMatchObject({
    name: 'EmbeddingModelNotAllowedError'
  })
  expect(await call(ctx, 'records.count', { collectionId })).toBe(0)
}

describe('a model named through Chroma’s HTTP API', () => {
  it('is stored but not loaded: neither a local folder nor a cached hub model', async () => {
    const ctx = app()
    const api = await chromaApi(ctx)
    const ids: Record<string, string> = {}
    for (const [name, model] of [
      ['api-folder', modelDir],
      ['api-hub', HUB_ID]
    ] as const) {
      const created = await api('POST', '/collections', {
        name,
        configuration: { embedding_function: efConfig(model) }
      })
      expect(created.status).toBe(200)
      ids[name] = created.json.id as string
      // The app lists it with the model its configuration names.
      expect(await call(ctx, 'collections.get', { id: ids[name] })).toMatchObject({ name, embeddingModel: model })
      await refusedToEmbed(ctx, ids[name], model)
    }
    // A folder that does not exist gets the same refusal: the file system was not asked.
    const ghost = path.join(root, 'no-such-model')
    const created = await api('POST', '/collections', {
      name: 'api-ghost',
      configuration: { embedding_function: efConfig(ghost) }
    })
    await refusedToEmbed(ctx, created.json.id as string, ghost)
    expect(existsSync(ghost)).toBe(false)
  })

  it('is refused with InvalidArgumentError when it is not a hub id or absolute folder, or its revision is bad', async () => {
    const ctx = app()
    const api = await chromaApi(ctx)
    for (const [model, revision, message] of [
      ['../../etc', undefined, /model folder "\.\.\/\.\.\/etc" must be an absolute path/],
      ['evil/../../x', undefined, /model "evil\/\.\.\/\.\.\/x" is neither a Hugging Face hub id/],
      [DEFAULT_MODEL, '../../x', /revision "\.\.\/\.\.\/x" is not a branch, tag or commit name/]
    ] as const) {
      const created = await api('POST', '/collections', {
        name: 'bad-config',
        configuration: { embedding_function: efConfig(model, revision) }
      })
      expect(created.status).toBe(400)
      expect(created.json.error).toBe('InvalidArgumentError')
      expect(created.json.message).toMatch(message)
    }
    const ok = await api('POST', '/collections', { name: 'good', configuration: {} })
    const modified = await api('PUT', `/collections/${ok.json.id as string}`, {
      new_configuration: { embedding_function: efConfig(DEFAULT_MODEL, 'refs/pr/1') }
    })
    expect(modified.status).toBe(400)
    expect(modified.json.message).toMatch(/revision "refs\/pr\/1" is not a branch/)
    expect((await call(ctx, 'collections.list', {})).map((c) => c.name)).toEqual(['good'])
  })

  it('loads once the user chose the same model in the app', async () => {
    const ctx = app()
    const api = await chromaApi(ctx)
    const created = await api('POST', '/collections', {
      name: 'api-made',
      configuration: { embedding_function: efConfig(modelDir) }
    })
    const id = created.json.id as string
    await refusedToEmbed(ctx, id, modelDir)
    await call(ctx, 'collections.create', { name: 'app-made', embeddingModel: modelDir })
    await embedsText(ctx, id)
  })
})

describe('a model chosen in the app', () => {
  it('embeds, also after the app is reopened on the same data directory', async () => {
    const dataDir = mkdtempSync(path.join(root, 'data-'))
    const first = app({ path: dataDir })
    const folderCollection = await call(first, 'collections.create', { name: 'folder', embeddingModel: modelDir })
    const hubCollection = await call(first, 'collections.create', { name: 'hub', embeddingModel: HUB_ID })
    expect(folderCollection.embeddingModel).toBe(modelDir)
    await embedsText(first, folderCollection.id)
    await closeAppContext(open.splice(0, 1)[0] as AppContext)

    const again = app({ path: dataDir })
    await call(again, 'records.delete', { collectionId: folderCollection.id, ids: ['doc'] })
    await embedsText(again, folderCollection.id)
    await embedsText(again, hubCollection.id)
    // Another data directory does not inherit the choice.
    const other = app({ path: mkdtempSync(path.join(root, 'data-')) })
    expect(other.modelTrust.allows(modelDir)).toBe(false)
  })

  it('is stored as an absolute folder when typed as a relative path', async () => {
    const ctx = app()
    const relative = path.relative(process.cwd(), modelDir)
    const typed = relative.startsWith('.') ? relative : `./${relative}`
    const c = await call(ctx, 'collections.create', { name: 'relative', embeddingModel: typed })
    expect(c.embeddingModel).toBe(modelDir)
    expect(ctx.modelTrust.allows(modelDir)).toBe(true)
    await embedsText(ctx, c.id)
  })

  it('is refused when it is neither a hub id nor a folder, and nothing is created or allowed', async () => {
    const ctx = app()
    for (const model of ['not a model', 'evil/../x', 'a/b/c', 'name-only']) {
      await expect(call(ctx, 'collections.create', { name: 'bad-model', embeddingModel: model })).rejects.toMatchObject(
        { name: 'InvalidArgumentError', message: expect.stringMatching(/neither a Hugging Face hub id/) as unknown }
      )
      expect(ctx.modelTrust.allows(model)).toBe(false)
    }
    expect(await call(ctx, 'collections.list', {})).toEqual([])
  })

  it('is not recorded when the collection could not be created', async () => {
    const ctx = app()
    await call(ctx, 'collections.create', { name: 'taken', embeddingModel: null })
    await expect(call(ctx, 'collections.create', { name: 'taken', embeddingModel: modelDir })).rejects.toMatchObject({
      name: 'UniqueConstraintError'
    })
    expect(ctx.modelTrust.allows(modelDir)).toBe(false)
  })

  it('allows the default model without any choice, and records nothing for it', () => {
    const ctx = app()
    expect(ctx.modelTrust.allows(DEFAULT_MODEL)).toBe(true)
    expect(ctx.client.db.isTrustedModel(DEFAULT_MODEL)).toBe(false)
  })
})

describe('a model named by a Chroma server’s collection', () => {
  it('goes through the same trust as local collections', async () => {
    const connectionStore = memoryConnectionStore()
    // Never contacted: embedder() only reads the configuration the server returned.
    connectionStore.save([
      { id: 'srv', name: 'server', url: 'http://127.0.0.1:9', tenant: 'default_tenant', database: 'default_database' }
    ])
    const ctx = app({ connectionStore })
    const remoteCollection = {
      id: '3f0c1a52-5d8e-4c36-9a51-0d9c9f1e2b7a',
      name: 'remote',
      configuration: { embedding_function: efConfig(modelDir) }
    } as unknown as CollectionRef
    const ef = ctx.connections.backend('srv').embedder(remoteCollection)
    await expect(ef?.generate(['x'])).rejects.toThrow(EmbeddingModelNotAllowedError)
    ctx.modelTrust.allow(modelDir)
    expect((await ef?.generate(['x']))?.[0]).toHaveLength(TINY_HIDDEN_SIZE)
  })
})

describe('--allow-model', () => {
  it('allows hub ids and folders for this run (folders made absolute), and refuses bad ones at start', async () => {
    const relative = path.relative(process.cwd(), modelDir)
    const ctx = app({ allowedModels: [HUB_ID, relative.startsWith('.') ? relative : `./${relative}`] })
    expect(ctx.modelTrust.allows(HUB_ID)).toBe(true)
    expect(ctx.modelTrust.allows(modelDir)).toBe(true)
    expect(ctx.client.db.isTrustedModel(HUB_ID)).toBe(false)
    const api = await chromaApi(ctx)
    const created = await api('POST', '/collections', {
      name: 'operator-allowed',
      configuration: { embedding_function: efConfig(modelDir) }
    })
    await embedsText(ctx, created.json.id as string)

    expect(() => openAppContext({ path: null, allowedModels: ['evil/../x'] })).toThrow(/neither a Hugging Face hub id/)
  })
})
