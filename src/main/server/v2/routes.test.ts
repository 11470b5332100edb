// Wire details of the v2 plugin that neither the official client nor Chroma 1.0 exercise: base64
// embeddings, body limits, 405s, exact content type, UUID forms, float32 formatting.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeAppContext, openAppContext, type AppContext } from '../../api/context.js'
import { createServer } from '../index.js'
import { decodeBase64Embedding } from './decode.js'
import { shortestF32 } from './encode.js'

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'
let app: FastifyInstance
let ctx: AppContext

/** light-my-request sends `Host: localhost:80`, which the guard accepts for a server on port 80. */
beforeAll(async () => {
  ctx = openAppContext({ path: null, allowReset: true })
  app = await createServer({ ctx, port: 80 })
})

afterAll(async () => {
  await app.close()
  await closeAppContext(ctx)
})

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, body?: unknown) {
  const res = await app.inject({
    method,
    url,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
  })
  return {
    status: res.statusCode,
    type: res.headers['content-type'],
    body: res.body ? (JSON.parse(res.body) as unknown) : undefined,
    raw: res.body
  }
}

async function collection(name: string): Promise<string> {
  const res = await call('POST', C, { name })
  expect(res.status).toBe(200)
  return (res.body as { id: string }).id
}

const b64 = (v: number[]): string => Buffer.from(new Float32Array(v).buffer).toString('base64')

describe('v2 wire details', () => {
  it('answers with exactly application/json, also for bare values and errors', async () => {
    const version = await call('GET', '/api/v2/version')
    expect(version).toMatchObject({ status: 200, type: 'application/json', body: '1.0.0' })
    const missing = await call('GET', `${C}/nope`)
    expect(missing).toMatchObject({ status: 404, type: 'application/json', body: { error: 'NotFoundError' } })
    const unknown = await call('GET', '/api/v2/nope/nope')
    expect(unknown).toMatchObject({ status: 404, type: 'application/json', body: { error: 'NotFoundError' } })
  })

  it('writes the heartbeat as an exact nanosecond integer', async () => {
    const res = await call('GET', '/api/v2/heartbeat')
    const match = /^\{"nanosecond heartbeat":(\d+)\}$/.exec(res.raw)
    expect(match).not.toBeNull()
    const ns = BigInt(match?.[1] ?? '0')
    const now = BigInt(Date.now()) * 1_000_000n
    expect(ns > now - 10_000_000_000n && ns < now + 10_000_000_000n).toBe(true)
  })

  it('answers 405 for a known path with another method', async () => {
    expect(await call('POST', '/api/v2/heartbeat')).toMatchObject({ status: 405, body: { error: 'ChromaError' } })
    expect(await call('DELETE', `${C}/00000000-0000-4000-8000-000000000000/add`)).toMatchObject({ status: 405 })
  })

  it('system routes', async () => {
    expect((await call('GET', '/api/v2/pre-flight-checks')).body).toMatchObject({ supports_base64_encoding: true })
    expect((await call('GET', '/api/v2/healthcheck')).body).toEqual({
      is_executor_ready: true,
      is_log_client_ready: true
    })
    expect((await call('GET', '/api/v2/auth/identity')).body).toEqual({
      user_id: '',
      tenant: 'default_tenant',
      databases: ['default_database']
    })
    await collection('gone-after-reset')
    expect(await call('POST', '/api/v2/reset')).toMatchObject({ status: 200, body: true })
    expect((await call('GET', `${C}_count`)).body).toBe(0)
  })

  it('accepts base64 float32 embeddings on add, upsert and update', async () => {
    const id = await collection('base64')
    expect(
      await call('POST', `${C}/${id}/add`, { ids: ['a', 'b'], embeddings: [b64([1, 2, 3]), b64([0.1, -0.5, 1e-7])] })
    ).toMatchObject({
      status: 201,
      body: {}
    })
    expect(await call('POST', `${C}/${id}/upsert`, { ids: ['c'], embeddings: [b64([4, 5, 6])] })).toMatchObject({
      status: 200
    })
    expect(
      await call('POST', `${C}/${id}/update`, { ids: ['a', 'b'], embeddings: [null, b64([7, 8, 9])] })
    ).toMatchObject({
      status: 200
    })
    const got = await call('POST', `${C}/${id}/get`, { include: ['embeddings'] })
    expect(got.body).toEqual({
      ids: ['a', 'b', 'c'],
      embeddings: [
        [1, 2, 3],
        [7, 8, 9],
        [4, 5, 6]
      ],
      documents: null,
      uris: null,
      metadatas: null,
      include: ['embeddings']
    })
    // Query embeddings are plain arrays only.
    expect(await call('POST', `${C}/${id}/query`, { query_embeddings: [b64([1, 2, 3])] })).toMatchObject({
      status: 422
    })
  })

  it("rejects bad base64 with Chroma's messages", async () => {
    const id = await collection('base64-bad')
    const add = (embeddings: unknown[]) =>
      call('POST', `${C}/${id}/add`, { ids: embeddings.map((_, i) => `x${i}`), embeddings })
    expect((await add(['!!!!'])).body).toEqual({
      error: 'InvalidArgumentError',
      message: 'Base64 decoding error: Invalid base64 string: Invalid symbol 33, offset 0.'
    })
    expect((await add(['YWJj'])).body).toEqual({
      error: 'InvalidArgumentError',
      message:
        'Base64 decoding error: Invalid byte length: 3 bytes cannot be converted to f32 values (must be divisible by 4)'
    })
    expect(await add([b64([Number.NaN, 1])])).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^Base64 decoding error: /) }
    })
    expect(await add([b64([Number.POSITIVE_INFINITY])])).toMatchObject({ status: 400 })
    expect(await add([[1, 2], b64([1, 2])])).toMatchObject({
      status: 422,
      body: { message: expect.stringContaining('data did not match any variant of untagged enum EmbeddingsPayload') }
    })
    expect((await call('POST', `${C}/${id}/count`)).status).toBe(405)
    expect((await call('GET', `${C}/${id}/count`)).body).toBe(0)
  })

  it('decodes base64 strictly (padding, trailing bits)', () => {
    expect(Array.from(decodeBase64Embedding(b64([1.5, -2])))).toEqual([1.5, -2])
    expect(() => decodeBase64Embedding('AACAPwAAAEA')).toThrow(/Invalid padding/) // missing '='
    expect(() => decodeBase64Embedding('AACAPwAAAEB=')).toThrow(/Invalid last symbol/) // non-zero trailing bits
    expect(() => decodeBase64Embedding('AAC=APwA')).toThrow(/Invalid symbol 61/)
  })

  it('accepts any UUID form Rust parses, and refuses the rest', async () => {
    const id = await collection('uuid-forms')
    const simple = id.replace(/-/g, '').toUpperCase()
    for (const form of [id, id.toUpperCase(), simple, `{${id}}`, `urn:uuid:${id}`]) {
      expect(await call('GET', `${C}/${encodeURIComponent(form)}/count`)).toMatchObject({ status: 200, body: 0 })
    }
    for (const bad of ['abc', `${id}0`, id.replace(/-/g, '_')]) {
      expect((await call('GET', `${C}/${bad}/count`)).body).toEqual({
        error: 'InvalidArgumentError',
        message: 'Collection ID is not a valid UUIDv4'
      })
    }
    expect((await call('GET', `${C}/by-id/${simple}`)).body).toMatchObject({ id, name: 'uuid-forms' })
    expect((await call('GET', '/api/v2/collections/default_tenant:default_database:uuid-forms')).body).toMatchObject({
      id
    })
    expect((await call('GET', '/api/v2/collections/only-a-name')).status).toBe(400)
  })

  it('drops __proto__ keys, also \\u-escaped ones', async () => {
    for (const [name, key] of [
      ['proto-plain', '__proto__'],
      ['proto-escaped', '\\u005f\\u005fproto\\u005f\\u005f']
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: C,
        headers: { 'content-type': 'application/json' },
        payload: `{"name":"${name}","metadata":{"${key}":{"polluted":true},"a":1}}`
      })
      expect(res.statusCode).toBe(200)
      expect((JSON.parse(res.body) as { metadata: unknown }).metadata).toEqual({ a: 1 })
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    }
  })

  it('takes an empty labelled body as no body, also on routes Chroma 1.0 lacks (PATCH tenant, search)', async () => {
    const id = await collection('empty-bodies')
    const eof = {
      error: 'InvalidArgumentError',
      message: 'Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0'
    }
    for (const [method, url] of [
      ['PATCH', '/api/v2/tenants/default_tenant'],
      ['POST', `${C}/${id}/search`],
      ['POST', `${C}/${id}/fork`]
    ] as const) {
      const res = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: '' })
      expect([res.statusCode, JSON.parse(res.body)]).toEqual([400, eof])
    }
    const reset = await app.inject({
      method: 'POST',
      url: '/api/v2/reset',
      headers: { 'content-type': 'application/json', 'content-length': '0' }
    })
    expect([reset.statusCode, reset.body]).toEqual([200, 'true'])
  })

  it('search is answered (docs/search-api.md) and checks its payloads (fork: fork.test.ts)', async () => {
    const id = await collection('unimplemented')
    expect(await call('POST', `${C}/${id}/search`, { searches: [] })).toMatchObject({
      status: 400,
      body: { error: 'InvalidArgumentError', message: 'searches: expected a non-empty list of search payloads' }
    })
    expect(await call('POST', `${C}/${id}/search`, { searches: [{}] })).toMatchObject({
      status: 200,
      body: { ids: [[]], documents: [null], embeddings: [null], metadatas: [null], scores: [null], select: [[]] }
    })
    expect(await call('POST', `${C}/${id}/search`, { searches: [{}], read_level: 'latest' })).toMatchObject({
      status: 422
    })
  })

  it('refuses bodies over 40 MiB with a JSON 413', async () => {
    const id = await collection('big-body')
    const res = await app.inject({
      method: 'POST',
      url: `${C}/${id}/add`,
      headers: { 'content-type': 'application/json' },
      payload: `{"ids":["a"],"embeddings":[[1]],"pad":"${'x'.repeat(41 * 1024 * 1024)}"}`
    })
    expect(res.statusCode).toBe(413)
    expect(JSON.parse(res.body)).toEqual({
      error: 'ChromaError',
      message: 'Failed to buffer the request body: length limit exceeded'
    })
  })

  it('writes float32 values in their shortest form', async () => {
    expect(shortestF32(Math.fround(0.1))).toBe(0.1)
    expect(shortestF32(Math.fround(1 / 3))).toBe(0.33333334)
    expect(shortestF32(Math.fround(1e-7))).toBe(1e-7)
    for (let i = 0; i < 1000; i++) {
      const x = Math.fround((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 10 - 5))
      expect(Math.fround(shortestF32(x))).toBe(x)
    }
    const id = await collection('short-floats')
    await call('POST', `${C}/${id}/add`, { ids: ['a'], embeddings: [[0.1, 0.2, 0.3]] })
    const res = await call('POST', `${C}/${id}/query`, {
      query_embeddings: [[0, 0, 0]],
      include: ['embeddings', 'distances']
    })
    expect(res.raw).toContain('"embeddings":[[[0.1,0.2,0.3]]]')
    expect(res.raw).toMatch(/"distances":\[\[0\.14\d{0,7}\]\]/) // float32 sum, not a widened double
  })
})
