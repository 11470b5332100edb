// Large bodies parsed in the JSON worker (decision 0111) give what parsing in place gives: the same
// value, the same syntax error detail, "__proto__" keys dropped; and a server answers them the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJson } from './json-body.js'
import { OFF_THREAD_BYTES, parseOffThread, requestsInFlight, stopJsonWorker } from './json-offload.js'
import { EVENTS_PATH } from '../../shared/constants.js'
import { startOurServer, type RunningServer } from './v2/test-server.js'

const big = (extra: string): string =>
  `{"ids":["a"],"pad":${JSON.stringify('x'.repeat(OFF_THREAD_BYTES))},"embeddings":[[1.5,-0,3e-7]]${extra}}`

describe('parseOffThread', () => {
  it('leaves small bodies, and large ones while no other request waits, to the request thread', () => {
    expect(parseOffThread(Buffer.from('{"a":1}'), true)).toBeNull()
    expect(parseOffThread(Buffer.from(big('')), false)).toBeNull()
    expect(parseOffThread(Buffer.from(big('')))).toBeNull() // no server is handling requests here
  })

  it('parses a large body as parsing in place does', async () => {
    const text = big(',"metadatas":[{"k":"\\u00e9","n":1}]')
    const off = await parseOffThread(Buffer.from(text), true)
    expect(off).toEqual(parseJson(text))
    expect(off).toEqual({ kind: 'value', value: JSON.parse(text) })
    if (off?.kind !== 'value') throw new Error('no value')
    expect(Object.is((off.value as { embeddings: number[][] }).embeddings[0]?.[1], -0)).toBe(true)
  })

  it('reports the same syntax error detail, and drops __proto__ keys', async () => {
    const broken = big(',"oops":}')
    const off = await parseOffThread(Buffer.from(broken), true)
    expect(off?.kind).toBe('error')
    expect(off).toEqual(parseJson(broken))
    const proto = await parseOffThread(Buffer.from(big(',"m":{"__proto__":{"polluted":true},"k":1}')), true)
    expect(proto?.kind).toBe('value')
    const m = (proto as { value: { m: object } }).value.m
    expect(Object.keys(m)).toEqual(['k'])
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype)
  })

  it('sends only the bytes of a view into a larger buffer', async () => {
    const text = big('')
    const backing = Buffer.from(`garbage${text}garbage`)
    const view = backing.subarray(7, 7 + Buffer.byteLength(text))
    expect(await parseOffThread(view, true)).toEqual({ kind: 'value', value: JSON.parse(text) })
  })

  it('rejects what is in flight when stopped (the caller parses in place), then starts a new worker', async () => {
    const text = big('')
    const inFlight = parseOffThread(Buffer.from(text), true)
    stopJsonWorker()
    await expect(inFlight).rejects.toThrow('stopped')
    expect(await parseOffThread(Buffer.from(text), true)).toEqual({ kind: 'value', value: JSON.parse(text) })
    stopJsonWorker()
  })
})

describe('large bodies through the v2 API', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startOurServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('adds a large batch and refuses a malformed large body as a small one is refused', async () => {
    const created = await server.raw('POST', '/api/v2/tenants/default_tenant/databases/default_database/collections', {
      name: 'big-bodies'
    })
    const id = (created.json as { id: string }).id
    const base = `/api/v2/tenants/default_tenant/databases/default_database/collections/${id}`
    const n = 200
    const ids = Array.from({ length: n }, (_, i) => `r${i}`)
    const embeddings = ids.map((_, i) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 64 + j)))
    const half = n / 2
    const first = { ids: ids.slice(0, half), embeddings: embeddings.slice(0, half) }
    const second = { ids: ids.slice(half), embeddings: embeddings.slice(half) }
    expect(JSON.stringify(first).length).toBeGreaterThan(OFF_THREAD_BYTES)
    // Two at once: while one is in flight the other's body goes to the worker.
    const added = await Promise.all([
      server.raw('POST', `${base}/add`, first),
      server.raw('POST', `${base}/add`, second)
    ])
    expect(added.map((r) => r.status)).toEqual([201, 201])
    expect((await server.raw('GET', `${base}/count`)).json).toBe(n)

    const send = async (text: string): Promise<{ status: number; json: unknown }> => {
      const res = await fetch(`${server.baseUrl}${base}/add`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text
      })
      return { status: res.status, json: await res.json() }
    }
    const large = await send(`{"ids":["x"],"pad":"${'y'.repeat(OFF_THREAD_BYTES)}",}`)
    expect(large.status).toBe(400)
    expect((large.json as { message: string }).message).toMatch(/^Failed to parse the request body as JSON: /)
    expect((large.json as { message: string }).message).toBe(
      `Failed to parse the request body as JSON: ${(parseJson(`{"ids":["x"],"pad":"${'y'.repeat(OFF_THREAD_BYTES)}",}`) as { detail: string }).detail}`
    )
    expect((await server.raw('GET', `${base}/count`)).json).toBe(n)
  })

  it("the app's open event stream is not a request in flight, and each request is counted once", async () => {
    const controller = new AbortController()
    const stream = await fetch(`${server.baseUrl}${EVENTS_PATH}`, {
      headers: server.appHeaders,
      signal: controller.signal
    })
    expect(stream.status).toBe(200)
    await server.raw('GET', '/api/v2/heartbeat')
    expect(requestsInFlight()).toBe(0)
    controller.abort()
  })
})
