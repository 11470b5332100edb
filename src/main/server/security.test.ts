import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { closeAppContext, openAppContext, type AppContext } from '../api/context.js'
import { createServer } from './index.js'

const PORT = 8765
const HOST = `127.0.0.1:${PORT}`

describe('server security', () => {
  let ctx: AppContext
  let server: FastifyInstance

  beforeEach(async () => {
    ctx = openAppContext({ path: null })
    server = await createServer({ ctx, port: PORT, token: 'right-token' })
  })
  afterEach(async () => {
    await server.close()
    await closeAppContext(ctx)
  })

  const authed = { host: HOST, authorization: 'Bearer right-token' }
  const status = () =>
    server.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: { ...authed, 'content-type': 'application/json' },
      payload: '{}'
    })

  it('serves a good request', async () => {
    const response = await status()
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ ok: true, value: { app: { name: 'Chromadesk' } } })
  })

  it('refuses a foreign Host header (DNS rebinding), then serves the next good request', async () => {
    const response = await server.inject({
      method: 'GET',
      url: '/api/v2/heartbeat',
      headers: { host: 'evil.example:8765' }
    })
    expect(response.statusCode).toBe(403)
    expect(response.json()).toEqual({ error: 'ChromaError', message: 'Host header not allowed: evil.example:8765' })
    expect((await status()).statusCode).toBe(200)
  })

  it('accepts every loopback name with the right port only', async () => {
    for (const host of ['localhost:8765', '127.0.0.1:8765', '[::1]:8765']) {
      const response = await server.inject({ method: 'GET', url: '/api/v2/heartbeat', headers: { host } })
      expect(response.statusCode, host).toBe(200)
    }
    const wrongPort = await server.inject({
      method: 'GET',
      url: '/api/v2/heartbeat',
      headers: { host: 'localhost:9999' }
    })
    expect(wrongPort.statusCode).toBe(403)
  })

  it('refuses a cross-origin preflight and cross-origin calls', async () => {
    const preflight = await server.inject({
      method: 'OPTIONS',
      url: '/app/rpc/system.status',
      headers: { host: HOST, origin: 'https://evil.example', 'access-control-request-method': 'POST' }
    })
    expect(preflight.statusCode).toBe(403)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    const call = await server.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: { ...authed, origin: 'https://evil.example', 'content-type': 'application/json' },
      payload: '{}'
    })
    expect(call.statusCode).toBe(403)
    expect((await status()).statusCode).toBe(200)
  })

  it('refuses a text/plain POST (form-post CSRF) before it reaches a handler', async () => {
    const response = await server.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: { ...authed, 'content-type': 'text/plain' },
      payload: '{}'
    })
    expect(response.statusCode).toBe(415)
    expect(response.json().message).toBe('Request bodies must be sent as application/json')
    expect((await status()).statusCode).toBe(200)
  })

  it('reads an unlabelled body as JSON, as Chroma does for older Python clients', async () => {
    const response = await server.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: authed,
      payload: '{}'
    })
    expect(response.statusCode).toBe(200)
  })

  it('refuses a missing or wrong token, accepts X-Chroma-Token, leaves heartbeat open as Chroma does', async () => {
    const post = (headers: Record<string, string>) =>
      server.inject({
        method: 'POST',
        url: '/app/rpc/system.status',
        headers: { host: HOST, 'content-type': 'application/json', ...headers },
        payload: '{}'
      })
    expect((await post({})).statusCode).toBe(401)
    expect((await post({ authorization: 'Bearer wrong' })).statusCode).toBe(403)
    expect((await post({ 'x-chroma-token': 'wrong' })).statusCode).toBe(403)
    expect((await post({ 'x-chroma-token': 'right-token' })).statusCode).toBe(200)
    expect((await server.inject({ method: 'GET', url: '/api/v2/heartbeat', headers: { host: HOST } })).statusCode).toBe(
      200
    )
  })

  it('answers malformed JSON and unknown routes with JSON errors', async () => {
    const bad = await server.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: { ...authed, 'content-type': 'application/json' },
      payload: '{"oops'
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toMatch(/^application\/json/)
    expect(bad.json().error).toBe('InvalidArgumentError')
    const missing = await server.inject({ method: 'GET', url: '/api/v2/nothing-here', headers: authed })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error).toBe('NotFoundError')
  })

  it('limits body size with a JSON 413', async () => {
    const small = await createServer({ ctx, port: PORT, bodyLimit: 1024 })
    const response = await small.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: { host: HOST, 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(4096) })
    })
    expect(response.statusCode).toBe(413)
    expect(response.json().error).toBe('PayloadTooLarge')
    await small.close()
  })

  it('will not bind beyond loopback without a token', async () => {
    await expect(createServer({ ctx, host: '0.0.0.0', port: PORT })).rejects.toThrow(/token is required/)
  })
})
