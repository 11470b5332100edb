// The v1 API with raw HTTP: the Python HttpClient call list (chroma-http-api.md section 8) for both
// User-Agent generations, and what the JS 1.4.2 positional source expects (section 9).
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { closeAppContext, openAppContext, type AppContext } from '../../api/context.js'
import { createServer } from '../index.js'
import { v1Routes } from './routes.js'

const PORT = 8766
const HOST = `127.0.0.1:${PORT}`
const REQUESTS_UA = 'python-requests/2.31.0'
const HTTPX_UA = 'python-httpx/0.27.0'
const NODE_FETCH_UA = 'node'

interface CallOptions {
  body?: unknown
  ua?: string
}

interface Reply {
  status: number
  type: string | undefined
  json: unknown
}

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are inspected field by field */
type Json = any

describe('v1 API', () => {
  let ctx: AppContext
  let server: FastifyInstance

  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    opts: CallOptions = {}
  ): Promise<Reply> => {
    const headers: Record<string, string> = { host: HOST }
    if (opts.ua) headers['user-agent'] = opts.ua
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    const res = await server.inject({
      method,
      url,
      headers,
      payload: opts.body === undefined ? undefined : JSON.stringify(opts.body)
    })
    return {
      status: res.statusCode,
      type: res.headers['content-type']?.toString(),
      json: res.body === '' ? undefined : res.json()
    }
  }

  beforeEach(async () => {
    ctx = openAppContext({ path: null, allowReset: true })
    server = await createServer({ ctx, port: PORT })
  })
  afterEach(async () => {
    await server.close()
    await closeAppContext(ctx)
  })

  describe.each([
    ['python-requests (0.4.x-0.5.3)', REQUESTS_UA],
    ['python-httpx (0.5.4-0.5.15)', HTTPX_UA]
  ])('Python HttpClient call list, %s', (_label, ua) => {
    const isHttpx = ua === HTTPX_UA

    it('client construction, heartbeat, version, pre-flight checks', async () => {
      expect(await call('GET', '/api/v1/tenants/default_tenant', { ua })).toMatchObject({
        status: 200,
        json: { name: 'default_tenant' }
      })
      const db = await call('GET', '/api/v1/databases/default_database?tenant=default_tenant', { ua })
      expect(db.status).toBe(200)
      expect(Object.keys(db.json as object).sort()).toEqual(['id', 'name', 'tenant'])
      expect(db.json).toMatchObject({ name: 'default_database', tenant: 'default_tenant' })

      for (const path of ['/api/v1', '/api/v1/', '/api/v1/heartbeat', '/api/v1/heartbeat/']) {
        const hb = await call('GET', path, { ua })
        expect(hb.status).toBe(200)
        expect(typeof (hb.json as Json)['nanosecond heartbeat']).toBe('number')
      }
      const version = await call('GET', '/api/v1/version', { ua })
      expect(version.type).toMatch(/^application\/json/)
      expect(version.json).toMatch(/^\d+\.\d+\.\d+$/)
      const preflight = await call('GET', '/api/v1/pre-flight-checks', { ua })
      expect(Object.keys(preflight.json as object)).toEqual(['max_batch_size'])
      expect((preflight.json as Json).max_batch_size).toBeGreaterThan(0)
    })

    it('tenants and databases', async () => {
      expect(await call('POST', '/api/v1/tenants', { ua, body: { name: 'acme' } })).toMatchObject({
        status: 200,
        json: null
      })
      expect(await call('GET', '/api/v1/tenants/acme', { ua })).toMatchObject({ status: 200, json: { name: 'acme' } })
      expect(await call('GET', '/api/v1/tenants/nobody', { ua })).toMatchObject({
        status: 404,
        json: { error: 'NotFoundError', message: 'Tenant nobody not found' }
      })
      expect(await call('POST', '/api/v1/databases?tenant=acme', { ua, body: { name: 'research' } })).toMatchObject({
        status: 200,
        json: null
      })
      expect(await call('POST', '/api/v1/databases?tenant=acme', { ua, body: { name: 'research' } })).toMatchObject({
        status: 409,
        json: { error: 'UniqueConstraintError', message: 'Database research already exists for tenant acme' }
      })
      expect(await call('GET', '/api/v1/databases/research?tenant=acme', { ua })).toMatchObject({
        status: 200,
        json: { name: 'research', tenant: 'acme' }
      })
      expect(await call('GET', '/api/v1/databases/missing?tenant=acme', { ua })).toMatchObject({
        status: 404,
        json: { error: 'NotFoundError', message: 'Database missing not found for tenant acme' }
      })

      // Collections live in the tenant/database of the query parameters.
      const scoped = '?tenant=acme&database=research'
      expect(
        (
          await call('POST', `/api/v1/collections${scoped}`, {
            ua,
            body: { name: 'papers', metadata: null, get_or_create: false }
          })
        ).status
      ).toBe(200)
      expect(await call('GET', `/api/v1/count_collections${scoped}`, { ua })).toMatchObject({ json: 1 })
      expect(
        await call('GET', '/api/v1/count_collections?tenant=default_tenant&database=default_database', { ua })
      ).toMatchObject({ json: 0 })
      expect((await call('GET', `/api/v1/collections/papers${scoped}`, { ua })).json).toMatchObject({
        name: 'papers',
        tenant: 'acme',
        database: 'research'
      })
      expect(await call('GET', '/api/v1/collections/papers', { ua })).toMatchObject({
        status: 400,
        json: { error: 'InvalidCollection' }
      })
    })

    it('collections: create, list, get, modify, delete, with the JSON this client parses', async () => {
      const q = '?tenant=default_tenant&database=default_database'
      const created = await call('POST', `/api/v1/collections${q}`, {
        ua,
        body: { name: 'docs', metadata: { topic: 'a' }, get_or_create: false }
      })
      expect(created.status).toBe(200)
      const c = created.json as Json
      if (isHttpx) {
        expect(Object.keys(c).sort()).toEqual([
          'configuration_json',
          'database',
          'dimension',
          'id',
          'metadata',
          'name',
          'tenant',
          'version'
        ])
        expect(c.configuration_json).toMatchObject({
          _type: 'CollectionConfigurationInternal',
          hnsw_configuration: { _type: 'HNSWConfigurationInternal', space: 'l2', M: 16, batch_size: 100 }
        })
      } else {
        expect(Object.keys(c).sort()).toEqual(['database', 'dimension', 'id', 'metadata', 'name', 'tenant', 'version'])
      }
      expect(c).toMatchObject({
        name: 'docs',
        metadata: { topic: 'a' },
        tenant: 'default_tenant',
        database: 'default_database',
        dimension: null
      })

      const list = await call('GET', `/api/v1/collections${q}&limit=10&offset=0`, { ua })
      expect(list.status).toBe(200)
      const listed = (list.json as Json[])[0]
      const allowed = isHttpx
        ? ['configuration_json', 'database', 'dimension', 'id', 'metadata', 'name', 'tenant', 'version']
        : ['database', 'id', 'metadata', 'name', 'tenant'] // 0.4.x builds Collection(**json): no other key
      expect(Object.keys(listed).sort()).toEqual(allowed)
      expect(await call('GET', `/api/v1/count_collections${q}`, { ua })).toMatchObject({ status: 200, json: 1 })

      expect(
        await call('POST', `/api/v1/collections${q}`, {
          ua,
          body: { name: 'docs', metadata: null, get_or_create: false }
        })
      ).toMatchObject({
        status: 409,
        json: { error: 'UniqueConstraintError', message: 'Collection docs already exists' }
      })
      const again = await call('POST', `/api/v1/collections${q}`, {
        ua,
        body: { name: 'docs', metadata: null, get_or_create: true }
      })
      expect(again.json).toMatchObject({ id: c.id, metadata: { topic: 'a' } })
      // Python <= 0.5 servers replaced differing metadata on get_or_create.
      const replaced = await call('POST', `/api/v1/collections${q}`, {
        ua,
        body: { name: 'docs', metadata: { topic: 'z' }, get_or_create: true }
      })
      expect(replaced.json).toMatchObject({ id: c.id, metadata: { topic: 'z' } })
      expect((await call('GET', `/api/v1/collections/docs${q}`, { ua })).json).toMatchObject({
        metadata: { topic: 'z' }
      })

      expect((await call('GET', `/api/v1/collections/docs${q}`, { ua })).json).toMatchObject({ id: c.id, name: 'docs' })
      expect(await call('GET', `/api/v1/collections/nope${q}`, { ua })).toMatchObject({
        status: 400,
        json: { error: 'InvalidCollection', message: 'Collection nope does not exist.' }
      })

      expect(
        await call('PUT', `/api/v1/collections/${c.id}`, {
          ua,
          body: { new_metadata: { topic: 'b' }, new_name: 'docs2' }
        })
      ).toMatchObject({
        status: 200,
        json: null
      })
      expect((await call('GET', `/api/v1/collections/docs2${q}`, { ua })).json).toMatchObject({
        id: c.id,
        metadata: { topic: 'b' }
      })

      expect(await call('DELETE', `/api/v1/collections/docs2${q}`, { ua })).toMatchObject({ status: 200, json: null })
      // Python's delete_collection raised ValueError: 400 InvalidArgumentError from 0.5.23 on.
      expect(await call('DELETE', `/api/v1/collections/docs2${q}`, { ua })).toMatchObject({
        status: 400,
        json: { error: 'InvalidArgumentError', message: 'Collection docs2 does not exist.' }
      })
    })

    it('records: add, update, upsert, get, peek, query, count, delete', async () => {
      const c = (
        await call('POST', '/api/v1/collections?tenant=default_tenant&database=default_database', {
          ua,
          body: { name: 'recs', metadata: null, get_or_create: false }
        })
      ).json as Json
      const base = `/api/v1/collections/${c.id}`
      const add = await call('POST', `${base}/add`, {
        ua,
        body: {
          ids: ['a', 'b', 'c'],
          embeddings: [
            [0, 0],
            [1, 0],
            [5, 5]
          ],
          metadatas: [{ k: 1 }, { k: 2 }, null],
          documents: ['apple', 'banana', null],
          uris: null
        }
      })
      expect(add).toMatchObject({ status: 201, json: true })
      // Python 0.4+: an existing id is ignored, not an error.
      expect(
        await call('POST', `${base}/add`, {
          ua,
          body: { ids: ['a'], embeddings: [[9, 9]], metadatas: null, documents: null, uris: null }
        })
      ).toMatchObject({ status: 201 })

      expect(
        (
          await call('POST', `${base}/update`, {
            ua,
            body: { ids: ['b'], embeddings: null, metadatas: [{ k: 20, extra: 'x' }], documents: null, uris: null }
          })
        ).status
      ).toBe(200)
      expect(
        (
          await call('POST', `${base}/upsert`, {
            ua,
            body: {
              ids: ['c', 'd'],
              embeddings: [
                [5, 6],
                [7, 7]
              ],
              metadatas: [{ k: 3 }, { k: 4 }],
              documents: ['cherry', 'date'],
              uris: null
            }
          })
        ).status
      ).toBe(200)
      expect(await call('GET', `${base}/count`, { ua })).toMatchObject({ status: 200, json: 4 })

      const got = await call('POST', `${base}/get`, {
        ua,
        body: {
          ids: null,
          where: {},
          sort: null,
          limit: null,
          offset: null,
          where_document: {},
          include: ['metadatas', 'documents']
        }
      })
      expect(got.json).toEqual({
        ids: ['a', 'b', 'c', 'd'],
        embeddings: null,
        metadatas: [{ k: 1 }, { k: 20, extra: 'x' }, { k: 3 }, { k: 4 }],
        documents: ['apple', 'banana', 'cherry', 'date'],
        uris: null,
        data: null,
        included: ['metadatas', 'documents']
      })
      const peek = await call('POST', `${base}/get`, {
        ua,
        body: {
          ids: null,
          where: {},
          sort: null,
          limit: 2,
          offset: null,
          where_document: {},
          include: ['embeddings', 'documents', 'metadatas']
        }
      })
      expect(peek.json).toMatchObject({
        ids: ['a', 'b'],
        embeddings: [
          [0, 0],
          [1, 0]
        ],
        included: ['embeddings', 'documents', 'metadatas']
      })
      const filtered = await call('POST', `${base}/get`, {
        ua,
        body: { where: { k: { $gte: 3 } }, where_document: { $contains: 'date' }, include: ['documents'] }
      })
      expect((filtered.json as Json).ids).toEqual(['d'])

      const query = await call('POST', `${base}/query`, {
        ua,
        body: {
          query_embeddings: [
            [0, 0],
            [7, 7]
          ],
          n_results: 2,
          where: {},
          where_document: {},
          include: ['metadatas', 'documents', 'distances']
        }
      })
      expect(query.status).toBe(200)
      expect(query.json).toEqual({
        ids: [
          ['a', 'b'],
          ['d', 'c']
        ],
        distances: [
          [0, 1],
          [0, 5]
        ],
        embeddings: null,
        metadatas: [
          [{ k: 1 }, { k: 20, extra: 'x' }],
          [{ k: 4 }, { k: 3 }]
        ],
        documents: [
          ['apple', 'banana'],
          ['date', 'cherry']
        ],
        uris: null,
        data: null,
        included: ['metadatas', 'documents', 'distances']
      })

      expect(
        await call('POST', `${base}/delete`, { ua, body: { ids: ['a', 'zz'], where: {}, where_document: {} } })
      ).toMatchObject({ status: 200, json: ['a'] })
      expect(
        await call('POST', `${base}/delete`, { ua, body: { ids: null, where: { k: 3 }, where_document: {} } })
      ).toMatchObject({ json: ['c'] })
      expect(
        await call('POST', `${base}/delete`, { ua, body: { ids: null, where: {}, where_document: {} } })
      ).toMatchObject({
        status: 400,
        json: { error: 'InvalidArgumentError' }
      })
      expect(await call('GET', `${base}/count`, { ua })).toMatchObject({ json: 2 })
    })

    it('errors: dimension, unknown collection id, reset', async () => {
      const c = (
        await call('POST', '/api/v1/collections', { ua, body: { name: 'dims', metadata: null, get_or_create: false } })
      ).json as Json
      const base = `/api/v1/collections/${c.id}`
      await call('POST', `${base}/add`, { ua, body: { ids: ['a'], embeddings: [[1, 2, 3]] } })
      for (const [path, body] of [
        ['add', { ids: ['b'], embeddings: [[1, 2]] }],
        ['upsert', { ids: ['b'], embeddings: [[1, 2]] }],
        ['update', { ids: ['a'], embeddings: [[1, 2]] }],
        ['query', { query_embeddings: [[1, 2]], n_results: 1 }]
      ] as const) {
        expect(await call('POST', `${base}/${path}`, { ua, body })).toMatchObject({
          status: 400,
          json: {
            error: 'InvalidDimension',
            message: 'Embedding dimension 2 does not match collection dimensionality 3'
          }
        })
      }
      const missing = '6f1c1a34-8a4c-4a8e-9f3e-2c8d2b7d1e55'
      expect(await call('POST', `/api/v1/collections/${missing}/get`, { ua, body: {} })).toMatchObject({
        status: 400,
        json: { error: 'InvalidCollection', message: `Collection ${missing} does not exist.` }
      })
      expect(await call('GET', `/api/v1/collections/${missing}/count`, { ua })).toMatchObject({ status: 400 })
      expect(await call('POST', '/api/v1/reset', { ua })).toMatchObject({ status: 200, json: true })
      expect(await call('GET', '/api/v1/collections', { ua })).toMatchObject({ json: [] })
    })
  })

  it('python-httpx: a Python-style configuration on create is honoured', async () => {
    const created = await call('POST', '/api/v1/collections', {
      ua: HTTPX_UA,
      body: {
        name: 'cos',
        metadata: null,
        get_or_create: false,
        configuration: {
          hnsw_configuration: {
            space: 'cosine',
            ef_construction: 120,
            ef_search: 30,
            M: 24,
            _type: 'HNSWConfigurationInternal'
          },
          _type: 'CollectionConfigurationInternal'
        }
      }
    })
    expect(created.status).toBe(200)
    expect((created.json as Json).configuration_json.hnsw_configuration).toMatchObject({
      space: 'cosine',
      ef_construction: 120,
      ef_search: 30,
      M: 24
    })
  })

  it('reset refused when not allowed', async () => {
    const locked = openAppContext({ path: null })
    const lockedServer = await createServer({ ctx: locked, port: PORT })
    try {
      const res = await lockedServer.inject({ method: 'POST', url: '/api/v1/reset', headers: { host: HOST } })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({
        error: 'InvalidArgumentError',
        message: expect.stringMatching(/^Resetting is not allowed/)
      })
    } finally {
      await lockedServer.close()
      await closeAppContext(locked)
    }
  })

  describe('JS 1.4.2 positional source (fetch, ids in paths, strict statuses)', () => {
    const ua = NODE_FETCH_UA
    const expectJson = (r: Reply, status: number): void => {
      expect(r.status).toBe(status)
      expect(r.type?.replace(/;.*/, '')).toBe('application/json')
    }

    it('answers every call with the exact status and application/json', async () => {
      expectJson(await call('GET', '/api/v1/heartbeat', { ua }), 200)
      expectJson(await call('GET', '/api/v1/version', { ua }), 200)
      expectJson(await call('POST', '/api/v1/reset', { ua }), 200)

      const created = await call('POST', '/api/v1/collections', { ua, body: { name: 'test' } })
      expectJson(created, 200)
      const c = created.json as Json
      expect(c).toEqual({ name: 'test', id: expect.stringMatching(/^[0-9a-f-]{36}$/), metadata: null })
      const list = await call('GET', '/api/v1/collections', { ua })
      expectJson(list, 200)
      expect(list.json).toEqual([{ name: 'test', metadata: null, id: c.id }])
      const goc = await call('POST', '/api/v1/collections', { ua, body: { name: 'test', get_or_create: true } })
      expect(goc.json).toEqual({ name: 'test', id: c.id, metadata: null })
      expectJson(await call('GET', '/api/v1/collections/test', { ua }), 200)

      const base = `/api/v1/collections/${c.id}`
      const add = await call('POST', `${base}/add`, {
        ua,
        body: {
          ids: ['test1', 'test2'],
          embeddings: [
            [1, 2],
            [3, 4]
          ],
          metadatas: [{ test: 'test1' }, { test: 'test2' }],
          incrementIndex: true
        }
      })
      expectJson(add, 201)
      expect(add.json).toBe(true)
      expectJson(
        await call('POST', `${base}/upsert`, {
          ua,
          body: { ids: ['test3'], embeddings: [[5, 6]], increment_index: true }
        }),
        200
      )
      // update: 1.4.2 sends toArray(undefined) = [null] for omitted metadatas, whatever the number of ids.
      expectJson(
        await call('POST', `${base}/update`, {
          ua,
          body: {
            ids: ['test1', 'test2'],
            embeddings: [
              [1, 1],
              [2, 2]
            ],
            metadatas: [null]
          }
        }),
        200
      )
      const got = await call('POST', `${base}/get`, {
        ua,
        body: { ids: ['test1'], include: ['embeddings', 'metadatas'] }
      })
      expectJson(got, 200)
      expect(got.json).toMatchObject({ ids: ['test1'], embeddings: [[1, 1]], metadatas: [{ test: 'test1' }] })
      const query = await call('POST', `${base}/query`, { ua, body: { query_embeddings: [[5, 6]], n_results: 10 } })
      expectJson(query, 200)
      expect((query.json as Json).ids).toEqual([['test3', 'test2', 'test1']])
      expectJson(await call('GET', `${base}/count`, { ua }), 200)
      expectJson(await call('PUT', base, { ua, body: { new_metadata: { a: 1 } } }), 200)
      expectJson(await call('POST', '/api/v1/collections/test/create_index', { ua }), 200)
      const del = await call('POST', `${base}/delete`, { ua, body: { ids: ['test3'] } })
      expectJson(del, 200)
      expect(del.json).toEqual(['test3'])
      expectJson(await call('DELETE', '/api/v1/collections/test', { ua }), 200)
    })

    it('duplicate ids on add: IDAlreadyExists for 1.4.2 (incrementIndex), IDAlreadyExistsError for 1.4.0/1.4.1', async () => {
      const c = (await call('POST', '/api/v1/collections', { ua, body: { name: 'dup' } })).json as Json
      const body = { ids: ['x', 'y'], embeddings: [[1], [2]] }
      expect(
        (await call('POST', `/api/v1/collections/${c.id}/add`, { ua, body: { ...body, incrementIndex: true } })).status
      ).toBe(201)
      const camel = await call('POST', `/api/v1/collections/${c.id}/add`, {
        ua,
        body: { ...body, incrementIndex: true }
      })
      expectJson(camel, 409)
      expect(camel.json).toEqual({
        error: 'IDAlreadyExists',
        message: `IDs ['x', 'y'] already exist in collection ${c.id}`
      })
      const snake = await call('POST', '/api/v1/collections/dup/add', {
        ua: 'axios/0.26.1',
        body: { ...body, increment_index: true }
      })
      expect((snake.json as Json).error).toContain('IDAlreadyExistsError')
      expect(await call('GET', `/api/v1/collections/${c.id}/count`, { ua })).toMatchObject({ json: 2 })
      // Without the 1.4.x marker (Python 0.4+), existing ids are skipped silently.
      expect((await call('POST', `/api/v1/collections/${c.id}/add`, { ua, body })).status).toBe(201)
    })

    it('collection names in record paths (1.4.0/1.4.1) and trailing slashes', async () => {
      await call('POST', '/api/v1/collections/', { ua, body: { name: 'named' } })
      expect(
        (
          await call('POST', '/api/v1/collections/named/add/', {
            ua,
            body: { ids: ['a'], embeddings: [[1]], increment_index: true }
          })
        ).status
      ).toBe(201)
      expect(await call('GET', '/api/v1/collections/named/count/', { ua })).toMatchObject({ status: 200, json: 1 })
      expect(
        await call('POST', '/api/v1/collections/named/get', { ua, body: { where: {}, where_document: {} } })
      ).toMatchObject({ json: { ids: ['a'] } })
      expect(await call('POST', '/api/v1/collections/unknown/get', { ua, body: {} })).toMatchObject({
        status: 400,
        json: { error: 'InvalidCollection', message: 'Collection unknown does not exist.' }
      })
      // The 0.3 API deletes every record when called without arguments.
      expect(await call('POST', '/api/v1/collections/named/delete', { ua, body: {} })).toMatchObject({
        status: 200,
        json: ['a']
      })
    })
  })

  it('ignores the body of a route that takes none: empty, labelled JSON or malformed', async () => {
    const send = (method: 'POST' | 'DELETE', url: string, payload?: string) =>
      server.inject({ method, url, headers: { host: HOST, 'content-type': 'application/json' }, payload })
    expect((await call('POST', '/api/v1/collections', { body: { name: 'gone' } })).status).toBe(200)
    const deleted = await send('DELETE', '/api/v1/collections/gone')
    expect([deleted.statusCode, deleted.json()]).toEqual([200, null])
    for (const payload of [undefined, '', '{bad']) {
      const reset = await send('POST', '/api/v1/reset', payload)
      expect([reset.statusCode, reset.json()]).toEqual([200, true])
      const missing = await send('DELETE', '/api/v1/collections/gone', payload)
      expect([missing.statusCode, missing.json()]).toEqual([
        400,
        { error: 'InvalidArgumentError', message: 'Collection gone does not exist.' }
      ])
    }
    // A route that reads its body still refuses a malformed one.
    const create = await send('POST', '/api/v1/collections', '{bad')
    expect(create.statusCode).toBe(400)
    expect(create.json()).toMatchObject({
      error: 'InvalidArgumentError',
      message: expect.stringMatching(/^Invalid JSON body: /)
    })
  })

  it('parses a JSON body sent without Content-Type (Python requests `data=`) and an empty JSON body', async () => {
    // The plugin alone: the server-wide guard decides separately which content types may reach it.
    const bare = Fastify()
    await bare.register(v1Routes, { prefix: '/api/v1', client: ctx.client })
    try {
      const res = await bare.inject({
        method: 'POST',
        url: '/api/v1/collections',
        payload: JSON.stringify({ name: 'raw' })
      })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ name: 'raw' })
      const empty = await bare.inject({
        method: 'POST',
        url: '/api/v1/reset',
        headers: { 'content-type': 'application/json' }
      })
      expect(empty.statusCode).toBe(200)
      const broken = await bare.inject({
        method: 'POST',
        url: '/api/v1/collections',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":'
      })
      expect(broken.statusCode).toBe(400)
      expect(broken.json()).toMatchObject({ error: 'InvalidArgumentError' })
    } finally {
      await bare.close()
    }
  })
})
