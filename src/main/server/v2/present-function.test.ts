// Another model than the default is shown to Chroma's clients as `huggingface_server` pointing at the
// collection's embed route (decision 0140). Python's client (1.5.9) builds that function from the
// configuration and posts `{"inputs": [...]}` to its url, with `Authorization: Bearer` when a key is
// set; these tests make exactly those calls, as it makes them, and check the vectors are the app's.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionSummary } from '../../../shared/contract.js'
import type { CollectionModel } from '../../engine/index.js'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { createHandlers } from '../../api/handlers.js'
import { contractCaller } from '../../api/testing/handlers.js'
import { startOurServer, type RunningServer } from './test-server.js'
import { presentForClients, withoutShownFunction } from './present-function.js'
import { RemoteBackend } from '../../api/backends/remote.js'
import { summarize } from '../../api/handlers/collections.js'
import { STORED_FUNCTION_HEADER } from '../../../shared/constants.js'

const V2 = '/api/v2/tenants/default_tenant/databases/default_database/collections'
const TOKEN = 'present-function-token'

let models: string
let tiny: string
let server: RunningServer
let guarded: RunningServer

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'present-function-'))
  tiny = await createTinyModel(models)
  server = await startOurServer()
  guarded = await startOurServer({ token: TOKEN })
})
afterAll(async () => {
  await server.stop()
  await guarded.stop()
  rmSync(models, { recursive: true, force: true })
})

/** A collection made as the UI makes it; without a model, the app's default. */
async function uiCollection(s: RunningServer, name: string, embeddingModel?: string): Promise<CollectionSummary> {
  const { call } = contractCaller(() => createHandlers(s.ctx))
  return call<CollectionSummary>(
    'collections.create',
    embeddingModel === undefined ? { name } : { name, embeddingModel }
  )
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body)
  })
}

interface ShownFunction {
  type: string
  name: string
  config: Record<string, unknown>
}

describe('a collection with another model, as Chroma clients see it', () => {
  it('is huggingface_server with only the keys Chroma allows, in configuration and schema; storage is unchanged', async () => {
    const c = await uiCollection(server, 'shown-tiny', tiny)
    const got = await server.raw('GET', `${V2}/shown-tiny`)
    expect(got.status).toBe(200)
    const model = got.json as CollectionModel
    const ef = model.configuration_json.embedding_function as ShownFunction
    expect(ef).toEqual({
      type: 'known',
      name: 'huggingface_server',
      config: { url: `${server.baseUrl}${V2}/${c.id}/chromadesk/embed`, api_key_env_var: null }
    })
    // Chroma's schemas/embedding_functions/huggingface_server.json: url required, no other keys.
    expect(Object.keys(ef.config).sort()).toEqual(['api_key_env_var', 'url'])
    const stored = server.ctx.client.db.getCollectionById(c.id)
    expect(stored.configuration_json.embedding_function?.name).toBe('transformers')
    // The same form in every answer that carries the collection.
    const byId = await server.raw('GET', `${V2}/by-id/${c.id}`)
    const listed = await server.raw('GET', V2)
    const crn = await server.raw('GET', '/api/v2/collections/default_tenant:default_database:shown-tiny')
    for (const answer of [byId.json as CollectionModel, crn.json as CollectionModel]) {
      expect(answer.configuration_json.embedding_function).toEqual(ef)
    }
    const inList = (listed.json as CollectionModel[]).find((x) => x.id === c.id)
    expect(inList?.configuration_json.embedding_function).toEqual(ef)
  })

  it("the default model stays Chroma's own default", async () => {
    await uiCollection(server, 'shown-default')
    const got = await server.raw('GET', `${V2}/shown-default`)
    expect((got.json as CollectionModel).configuration_json.embedding_function).toEqual({
      type: 'known',
      name: 'default',
      config: {}
    })
  })

  it('embeds at the shown url with the collection model, as the app does; a script then adds and queries', async () => {
    const c = await uiCollection(server, 'embed-route', tiny)
    const got = await server.raw('GET', `${V2}/embed-route`)
    const url = ((got.json as CollectionModel).configuration_json.embedding_function as ShownFunction).config
      .url as string
    const docs = ['the river runs to the sea', 'a dog and a cat play in the house']
    const res = await post(url, { inputs: docs })
    expect(res.status).toBe(200)
    const vectors = (await res.json()) as number[][]
    const app = (await (await server.ctx.client.getCollectionById(c.id)).embedDocuments(docs)) as number[][]
    expect(vectors.length).toBe(2)
    vectors.forEach((v, i) => v.forEach((x, k) => expect(x).toBeCloseTo(app[i]![k]!, 5)))
    // One text (text-embeddings-inference's other form) is one vector.
    const one = await post(url, { inputs: docs[0] })
    expect(((await one.json()) as number[][]).length).toBe(1)
    // What Python's client does next with them: add, then query with the query text's vector.
    expect(
      (await server.raw('POST', `${V2}/${c.id}/add`, { ids: ['a', 'b'], embeddings: vectors, documents: docs })).status
    ).toBe(201)
    const q = (await (await post(url, { inputs: ['a cat in the house'] })).json()) as number[][]
    const hits = await server.raw('POST', `${V2}/${c.id}/query`, { query_embeddings: q, n_results: 1 })
    expect((hits.json as { ids: string[][] }).ids).toEqual([['b']])
  })

  it('refuses what it cannot embed, with a clear error', async () => {
    const c = await uiCollection(server, 'embed-refusals', tiny)
    const url = `${server.baseUrl}${V2}/${c.id}/chromadesk/embed`
    const missing = await post(url, {})
    expect(missing.status).toBe(422)
    expect(((await missing.json()) as { message: string }).message).toContain('missing field `inputs`')
    const empty = await post(url, { inputs: [] })
    expect(empty.status).toBe(400)
    const notText = await post(url, { inputs: [1] })
    expect(notText.status).toBe(422)
    const none = await server.raw('POST', V2, { name: 'no-function', configuration: { embedding_function: null } })
    const noFunction = await post(`${server.baseUrl}${V2}/${(none.json as CollectionModel).id}/chromadesk/embed`, {
      inputs: ['x']
    })
    expect(noFunction.status).toBe(400)
    expect(((await noFunction.json()) as { message: string }).message).toContain('has no embedding function')
    const tooMany = await post(url, {
      inputs: new Array(server.ctx.client.db.preflightChecks().max_batch_size + 1).fill('x')
    })
    expect(tooMany.status).toBe(400)
  })

  it('with a token, answers 401 without it and embeds with it (HUGGINGFACE_API_KEY set to the token)', async () => {
    const c = await uiCollection(guarded, 'guarded-tiny', tiny)
    const url = `${guarded.baseUrl}${V2}/${c.id}/chromadesk/embed`
    expect((await post(url, { inputs: ['x'] })).status).toBe(401)
    const ok = await post(url, { inputs: ['x'] }, { authorization: `Bearer ${TOKEN}` })
    expect(ok.status).toBe(200)
  })

  it('a modify that echoes the shown function keeps the model; another function is stored as sent', async () => {
    const c = await uiCollection(server, 'echo-modify', tiny)
    const got = await server.raw('GET', `${V2}/echo-modify`)
    const shown = (got.json as CollectionModel).configuration_json.embedding_function
    const put = await server.raw('PUT', `${V2}/${c.id}`, {
      new_configuration: { embedding_function: shown, hnsw: { ef_search: 50 } }
    })
    expect(put.status).toBe(200)
    const stored = server.ctx.client.db.getCollectionById(c.id)
    expect(stored.configuration_json.embedding_function).toEqual({
      type: 'known',
      name: 'transformers',
      config: { model: tiny }
    })
    expect(stored.configuration_json.hnsw?.ef_search).toBe(50)
    // A pointer at another collection's route is not this collection's echo.
    const other = {
      type: 'known',
      name: 'huggingface_server',
      config: { url: 'http://x/collections/y/chromadesk/embed' }
    }
    expect(withoutShownFunction(c.id, { new_configuration: { embedding_function: other } })).toEqual({
      new_configuration: { embedding_function: other }
    })
  })
})

describe('the embed route is a read', () => {
  it('announces no change to the open UI (a query_texts from Python calls it every time)', async () => {
    const c = await uiCollection(server, 'embed-no-event', tiny)
    const events: unknown[] = []
    const unsubscribe = server.ctx.events.subscribe((e) => events.push(e))
    try {
      const res = await post(`${server.baseUrl}${V2}/${c.id}/chromadesk/embed`, { inputs: ['x'] })
      expect(res.status).toBe(200)
      const facets = await post(`${server.baseUrl}${V2}/${c.id}/chromadesk/facets`, { key: 'k' })
      expect(facets.status).toBe(200)
      const count = await post(`${server.baseUrl}${V2}/${c.id}/chromadesk/count`, {})
      expect(count.status).toBe(200)
      // A write in the same span is announced, so the check above can fail.
      await post(`${server.baseUrl}${V2}/${c.id}/add`, { ids: ['z'], documents: ['z'] })
      await new Promise((r) => setTimeout(r, 50))
      expect(events).toEqual([{ type: 'collections-changed' }])
    } finally {
      unsubscribe()
    }
  })
})

describe("the app's own connection to this server", () => {
  it('is answered with the stored function, so the app knows the model', async () => {
    const c = await uiCollection(server, 'own-connection', tiny)
    const res = await fetch(`${server.baseUrl}${V2}/own-connection`, { headers: { [STORED_FUNCTION_HEADER]: '1' } })
    expect(((await res.json()) as CollectionModel).configuration_json.embedding_function).toEqual({
      type: 'known',
      name: 'transformers',
      config: { model: tiny }
    })
    const backend = new RemoteBackend({ url: server.baseUrl })
    const ref = (await backend.list()).find((x) => x.id === c.id)
    expect(ref).toBeDefined()
    expect((await summarize(backend, ref!)).embeddingModel).toBe(tiny)
    await backend.close()
  })
})

describe('presentForClients', () => {
  it('leaves default, legacy and absent functions alone', () => {
    const base = server.ctx.client.db.getCollection(
      { tenant: 'default_tenant', database: 'default_database' },
      'shown-default'
    )
    expect(presentForClients(base, 'http://h')).toBe(base)
    const legacy = {
      ...base,
      configuration_json: { ...base.configuration_json, embedding_function: { type: 'legacy' } }
    }
    expect(presentForClients(legacy, 'http://h')).toBe(legacy)
    const none = { ...base, configuration_json: { ...base.configuration_json, embedding_function: null } }
    expect(presentForClients(none, 'http://h')).toBe(none)
  })

  it("rewrites the schema's vector index function too, and nothing else in it", () => {
    const base = server.ctx.client.db.getCollection(
      { tenant: 'default_tenant', database: 'default_database' },
      'shown-tiny'
    )
    const stored = base.configuration_json.embedding_function
    const schema = {
      defaults: {
        float_list: { vector_index: { enabled: true, config: { embedding_function: stored, space: 'cosine' } } }
      },
      keys: {
        '#embedding': { float_list: { vector_index: { enabled: true, config: { embedding_function: stored } } } }
      }
    }
    const shown = presentForClients({ ...base, schema }, 'http://h:1')
    const url = `http://h:1${V2}/${base.id}/chromadesk/embed`
    const expected = { type: 'known', name: 'huggingface_server', config: { url, api_key_env_var: null } }
    expect(shown.schema).toEqual({
      defaults: {
        float_list: { vector_index: { enabled: true, config: { embedding_function: expected, space: 'cosine' } } }
      },
      keys: {
        '#embedding': { float_list: { vector_index: { enabled: true, config: { embedding_function: expected } } } }
      }
    })
    expect(schema.keys['#embedding'].float_list.vector_index.config.embedding_function).toBe(stored)
  })
})
