import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { APP_KEY_HEADER } from '../../shared/constants.js'
import { closeAppContext, openAppContext, type AppContext } from '../api/context.js'
import { OWN_SERVER_HEADER, OWN_SERVER_ID } from '../api/connections.js'
import { createServer, MAX_EVENT_STREAMS } from './index.js'
import { allowedHostHeaders, surfaceOf } from './security.js'

const PORT = 8765
const HOST = `127.0.0.1:${PORT}`
const TOKEN = 'chroma-token-0123456789'
const KEY = 'app-key-abcdefghijklmnopqrstuvwxyz'
const COLLECTIONS = '/api/v2/tenants/default_tenant/databases/default_database/collections'

describe('server security', () => {
  let ctx: AppContext
  let server: FastifyInstance

  beforeEach(async () => {
    ctx = openAppContext({ path: null })
    server = await createServer({
      ctx,
      port: PORT,
      token: TOKEN,
      app: { key: KEY },
      allowedOrigins: ['http://localhost:3000']
    })
  })
  afterEach(async () => {
    await server.close()
    await closeAppContext(ctx)
  })

  const withKey = { host: HOST, [APP_KEY_HEADER]: KEY }
  const withToken = { host: HOST, authorization: `Bearer ${TOKEN}` }
  const rpc = (channel: string, headers: Record<string, string> = withKey, payload = '{}') =>
    server.inject({
      method: 'POST',
      url: `/app/rpc/${channel}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload
    })
  const status = () => rpc('system.status')

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
    // A rebound page reads its own origin's response headers: a refusal does not tell it this run's id.
    expect(response.headers[OWN_SERVER_HEADER]).toBeUndefined()
    const admitted = await server.inject({ method: 'GET', url: '/api/v2/heartbeat', headers: { host: HOST } })
    expect(admitted.headers[OWN_SERVER_HEADER]).toBe(OWN_SERVER_ID)
    expect((await status()).statusCode).toBe(200)
  })

  it('accepts every loopback name with the right port only; port 80 also without a port', async () => {
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
    expect(allowedHostHeaders(80).has('localhost')).toBe(true)
    expect(allowedHostHeaders(8765).has('localhost')).toBe(false)
  })

  it('refuses cross-origin calls from origins not allowed', async () => {
    const preflight = await server.inject({
      method: 'OPTIONS',
      url: '/app/rpc/system.status',
      headers: { host: HOST, origin: 'https://evil.example', 'access-control-request-method': 'POST' }
    })
    expect(preflight.statusCode).toBe(403)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    const call = await rpc('system.status', { ...withKey, origin: 'https://evil.example' })
    expect(call.statusCode).toBe(403)
    expect((await status()).statusCode).toBe(200)
  })

  it("answers an allowed origin's preflight without a token, and its calls to Chroma's API with one", async () => {
    const origin = 'http://localhost:3000'
    const preflight = await server.inject({
      method: 'OPTIONS',
      url: COLLECTIONS,
      headers: {
        host: HOST,
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type'
      }
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe(origin)
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization')
    const list = await server.inject({ method: 'GET', url: COLLECTIONS, headers: { ...withToken, origin } })
    expect(list.statusCode).toBe(200)
    expect(list.headers['access-control-allow-origin']).toBe(origin)
    // The app's surface stays same-origin only, whatever the origin was allowed for Chroma's API.
    expect((await rpc('system.status', { ...withKey, origin })).statusCode).toBe(403)
  })

  it("lets an allowed origin pre-flight every method of Chroma's API (delete and modify too)", async () => {
    for (const method of ['DELETE', 'PUT', 'PATCH']) {
      const preflight = await server.inject({
        method: 'OPTIONS',
        url: `${COLLECTIONS}/x`,
        headers: { host: HOST, origin: 'http://localhost:3000', 'access-control-request-method': method }
      })
      expect(preflight.statusCode, method).toBe(204)
      expect(String(preflight.headers['access-control-allow-methods']), method).toContain(method)
    }
  })

  it('serves the UI files without credentials, same-origin only, with the UI headers', async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'chromadesk-ui-'))
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>ui</title>')
    const withUi = await createServer({
      ctx,
      port: PORT,
      token: TOKEN,
      app: { key: KEY, staticDir },
      allowedOrigins: ['http://localhost:3000']
    })
    try {
      for (const url of ['/', '/index.html']) {
        const page = await withUi.inject({ method: 'GET', url, headers: { host: HOST } })
        expect(page.statusCode, url).toBe(200)
        expect(page.body).toContain('<title>ui</title>')
        expect(page.headers['x-frame-options']).toBe('DENY')
        expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
        expect(page.headers['x-content-type-options']).toBe('nosniff')
      }
      const foreign = await withUi.inject({
        method: 'GET',
        url: '/index.html',
        headers: { host: HOST, origin: 'http://localhost:3000' }
      })
      expect(foreign.statusCode).toBe(403)
    } finally {
      await withUi.close()
      rmSync(staticDir, { recursive: true, force: true })
    }
  })

  it('refuses a text/plain POST (form-post CSRF) before it reaches a handler', async () => {
    const response = await rpc('system.status', { ...withKey, 'content-type': 'text/plain' })
    expect(response.statusCode).toBe(415)
    expect(response.json().message).toBe('Request bodies must be sent as application/json')
    expect((await status()).statusCode).toBe(200)
  })

  it('reads an unlabelled body as JSON, as Chroma does for older Python clients', async () => {
    const response = await server.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: withKey,
      payload: '{}'
    })
    expect(response.statusCode).toBe(200)
  })

  it("Chroma's API takes the token (Bearer or X-Chroma-Token) and leaves Chroma's probes open", async () => {
    const list = (headers: Record<string, string>) =>
      server.inject({ method: 'GET', url: COLLECTIONS, headers: { host: HOST, ...headers } })
    expect((await list({})).statusCode).toBe(401)
    expect((await list({ authorization: 'Bearer wrong' })).statusCode).toBe(403)
    expect((await list({ 'x-chroma-token': 'wrong' })).statusCode).toBe(403)
    expect((await list({ 'x-chroma-token': TOKEN })).statusCode).toBe(200)
    expect((await list({ authorization: `Bearer ${TOKEN}` })).statusCode).toBe(200)
    for (const url of ['/api/v2/heartbeat', '/api/v2/version', '/api/v2/pre-flight-checks', '/api/v1/heartbeat']) {
      const open = await server.inject({ method: 'GET', url, headers: { host: HOST } })
      expect(open.statusCode, url).toBe(200)
    }
  })

  it("the Chroma token does not open the app's surface, and the app key does not open Chroma's API", async () => {
    expect((await rpc('system.status', withToken)).statusCode).toBe(401)
    expect((await rpc('system.status', { ...withToken, [APP_KEY_HEADER]: 'wrong' })).statusCode).toBe(403)
    const events = await server.inject({ method: 'GET', url: '/app/events', headers: withToken })
    expect(events.statusCode).toBe(401)
    const exported = await server.inject({ method: 'GET', url: '/app/export/x', headers: withToken })
    expect(exported.statusCode).toBe(401)
    const list = await server.inject({ method: 'GET', url: COLLECTIONS, headers: withKey })
    expect(list.statusCode).toBe(401)
  })

  it('never answers the desktop-only settings calls over HTTP', async () => {
    for (const channel of ['settings.get', 'settings.setServer', 'settings.setDataDir']) {
      const response = await rpc(channel)
      expect(response.statusCode, channel).toBe(404)
      expect(response.json()).toMatchObject({ ok: false, error: { name: 'NotFoundError' } })
    }
  })

  it("serves no app surface at all without one (the desktop app's REST port)", async () => {
    const chromaOnly = await createServer({ ctx, port: PORT, token: TOKEN })
    try {
      for (const [method, url] of [
        ['POST', '/app/rpc/system.status'],
        ['GET', '/app/events'],
        ['GET', '/index.html']
      ] as const) {
        const response = await chromaOnly.inject({
          method,
          url,
          headers: { ...withToken, 'content-type': 'application/json' },
          ...(method === 'POST' ? { payload: '{}' } : {})
        })
        expect(response.statusCode, url).toBe(404)
      }
    } finally {
      await chromaOnly.close()
    }
  })

  it("answers the app's calls with headers that forbid framing and sniffing", async () => {
    const response = await status()
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(response.headers['x-frame-options']).toBe('DENY')
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    expect(response.headers['referrer-policy']).toBe('no-referrer')
  })

  it('answers an error that declares its status with that status (a missing dialog is a 404)', async () => {
    const response = await rpc('collections.export', withKey, JSON.stringify({ collectionId: 'x' }))
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ ok: false, error: { status: 404 } })
  })

  it('answers an unexpected failure with a generic message and a request id, and logs the detail', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(ctx.client.db, 'listCollections').mockImplementation(() => {
      throw new Error('SQLITE_CORRUPT: /home/someone/secret/path.sqlite3')
    })
    const chroma = await server.inject({ method: 'GET', url: COLLECTIONS, headers: withToken })
    expect(chroma.statusCode).toBe(500)
    const body = chroma.json() as { error: string; message: string }
    expect(body.error).toBe('InternalError')
    expect(body.message).not.toContain('SQLITE')
    expect(body.message).not.toContain('/home/')
    const id = /request ([0-9a-f-]{36})/.exec(body.message)?.[1]
    expect(id).toBeDefined()
    expect(logged.mock.calls.some((args) => String(args[0]).includes(id!) && String(args[1]).includes('SQLITE'))).toBe(
      true
    )
    logged.mockRestore()
  })

  it('answers malformed JSON and unknown routes with JSON errors', async () => {
    const bad = await rpc('system.status', withKey, '{"oops')
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toMatch(/^application\/json/)
    expect(bad.json().error).toBe('InvalidArgumentError')
    const missing = await server.inject({ method: 'GET', url: '/api/v2/nothing-here', headers: withToken })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error).toBe('NotFoundError')
  })

  it('limits body size with a JSON 413', async () => {
    const small = await createServer({ ctx, port: PORT, bodyLimit: 1024, app: { key: KEY } })
    const response = await small.inject({
      method: 'POST',
      url: '/app/rpc/system.status',
      headers: { ...withKey, 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(4096) })
    })
    expect(response.statusCode).toBe(413)
    expect(response.json().error).toBe('PayloadTooLarge')
    await small.close()
  })

  it('will not bind beyond loopback without a token, nor take a short token', async () => {
    await expect(createServer({ ctx, host: '0.0.0.0', port: PORT })).rejects.toThrow(/token is required/)
    await expect(createServer({ ctx, port: PORT, token: 'short' })).rejects.toThrow(/at least 16 characters/)
  })

  it('caps open event streams', async () => {
    const capped = await createServer({ ctx, host: '127.0.0.1', port: 0, app: { key: KEY }, maxEventStreams: 2 })
    await capped.listen({ host: '127.0.0.1', port: 0 })
    const address = capped.server.address()
    if (typeof address !== 'object' || address === null) throw new Error('no port')
    const url = `http://127.0.0.1:${address.port}/app/events`
    const controller = new AbortController()
    try {
      const open = () => fetch(url, { headers: { [APP_KEY_HEADER]: KEY }, signal: controller.signal })
      expect((await open()).status).toBe(200)
      expect((await open()).status).toBe(200)
      const third = await open()
      expect(third.status).toBe(503)
      expect(((await third.json()) as { message: string }).message).toMatch(/Too many open event streams/)
      // A stream that closes gives its place back.
      const leaving = new AbortController()
      controller.abort()
      await expect
        .poll(async () => (await fetch(url, { headers: { [APP_KEY_HEADER]: KEY }, signal: leaving.signal })).status)
        .toBe(200)
      leaving.abort()
    } finally {
      controller.abort()
      await capped.close()
    }
    expect(MAX_EVENT_STREAMS).toBeGreaterThan(2)
  })
})

describe('surfaceOf', () => {
  it("puts Chroma's probes on the public surface and everything else behind a credential", () => {
    expect(surfaceOf({ method: 'GET', url: '/api/v2/heartbeat' })).toBe('public')
    expect(surfaceOf({ method: 'HEAD', url: '/api/v1/version' })).toBe('public')
    expect(surfaceOf({ method: 'POST', url: '/api/v2/heartbeat' })).toBe('chroma')
    expect(surfaceOf({ method: 'GET', url: '/api/v2/tenants/:tenant' })).toBe('chroma')
    expect(surfaceOf({ method: 'POST', url: '/app/rpc/:channel' })).toBe('app')
    expect(surfaceOf({ method: 'GET', url: '/anything-new' })).toBe('app')
    expect(surfaceOf({ method: 'OPTIONS', url: '*' })).toBe('preflight')
  })
})
