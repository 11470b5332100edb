// The attacks on the scripts endpoint, run against the real server process (`npm run serve`'s entry)
// over raw sockets, so no client library normalizes a path before it reaches the server. Each
// spelling of a route must be treated as the route it reaches: refused without its credential.
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_KEY_HEADER } from '../../shared/constants.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const TOKEN = 'attack-test-token-0123456789'
const ORIGIN = 'http://localhost:5199'

interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

let child: ChildProcess
let port = 0
let appKey = ''

/** One HTTP/1.1 request written byte for byte, the answer read until the server closes. */
function raw(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolveAnswer, reject) => {
    const socket = connect(port, '127.0.0.1')
    const lines = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close']
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`)
    if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`)
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', ...rest] = text.split('\r\n\r\n')
      const [statusLine = '', ...headerLines] = head.split('\r\n')
      const status = Number(statusLine.split(' ')[1])
      const parsed: Record<string, string> = {}
      for (const line of headerLines) {
        const i = line.indexOf(':')
        if (i > 0) parsed[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
      }
      resolveAnswer({ status, headers: parsed, body: rest.join('\r\n\r\n') })
    })
  })
}

const json = { 'Content-Type': 'application/json' }
const bearer = { Authorization: `Bearer ${TOKEN}` }
const ok = (status: number) => status >= 200 && status < 300

/** The same path in every spelling a router, a proxy or a guard might read differently. */
function spellings(path: string): string[] {
  const [, first = '', ...rest] = path.split('/')
  const tail = rest.join('/')
  const encodedFirst = [...first].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')
  return [
    path,
    `/%${first.charCodeAt(0).toString(16)}${first.slice(1)}/${tail}`,
    `/${encodedFirst}/${tail}`,
    `/${first}%2F${tail}`,
    `/${first}%2f${tail}`,
    `/${path.slice(1, -1)}%${path.charCodeAt(path.length - 1).toString(16)}`,
    `/${path}`,
    `/.${path}`,
    `/x/..${path}`,
    `/x/%2e%2e${path}`,
    `/${first.toUpperCase()}/${tail}`,
    `/${first[0]?.toUpperCase()}${first.slice(1)}/${tail.toUpperCase()}`,
    `${path}/`,
    `${path};a=b`,
    `${path}?x=1`,
    `${path}%00`,
    `${path}%20`,
    `/${'a/'.repeat(10_000)}..${path}`
  ]
}

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/main/cli/serve.ts',
      '--in-memory',
      '--port',
      '0',
      '--token',
      TOKEN,
      '--cors-origin',
      ORIGIN
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let output = ''
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not start:\n${output}`)), 60_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const api = /Chroma API at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      const ui = /UI at http:\/\/127\.0\.0\.1:\d+\/#key=([\w-]+)/.exec(output)
      if (api?.[1] && ui?.[1]) {
        port = Number(api[1])
        appKey = ui[1]
        clearTimeout(timer)
        ready()
      }
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', read)
    child.once('exit', (code) => fail(new Error(`the server exited with ${code}:\n${output}`)))
  })
}, 90_000)

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
})

async function collectionNames(): Promise<string[]> {
  const list = await raw('GET', '/api/v2/tenants/default_tenant/databases/default_database/collections', bearer)
  expect(list.status).toBe(200)
  return (JSON.parse(list.body) as { name: string }[]).map((c) => c.name)
}

describe('the scripts endpoint under attack (real server process, raw requests)', () => {
  it('binds a free port with --port 0 and answers on it (the Host check follows the bound port)', async () => {
    expect(port).toBeGreaterThan(0)
    expect((await raw('GET', '/api/v2/heartbeat')).status).toBe(200)
  })

  it("treats every spelling of Chroma's create-collection route as that route: no token, no collection", async () => {
    const path = '/api/v2/tenants/default_tenant/databases/default_database/collections'
    const reached: string[] = []
    for (const [i, target] of spellings(path).entries()) {
      const anonymous = await raw('POST', target, json, JSON.stringify({ name: `pwned-${i}` }))
      expect(ok(anonymous.status), `${target} answered ${anonymous.status} without a token`).toBe(false)
      const authorized = await raw('POST', target, { ...json, ...bearer }, JSON.stringify({ name: `allowed-${i}` }))
      if (ok(authorized.status)) {
        reached.push(target)
        // A spelling that reaches the route with the token is refused without it exactly as the route is.
        expect(anonymous.status, target).toBe(401)
      }
      const wrong = await raw(
        'POST',
        target,
        { ...json, Authorization: 'Bearer wrong-token-wrong-token' },
        JSON.stringify({ name: `wrong-${i}` })
      )
      expect(ok(wrong.status), `${target} answered ${wrong.status} with a wrong token`).toBe(false)
      // A form post (text/plain) reaches no handler in any spelling, token or not.
      const form = await raw(
        'POST',
        target,
        { 'Content-Type': 'text/plain', ...bearer },
        JSON.stringify({ name: `form-${i}` })
      )
      expect(ok(form.status), `${target} took a text/plain body`).toBe(false)
    }
    expect(reached).toContain(path)
    const names = await collectionNames()
    expect(names.filter((n) => /^(pwned|wrong|form)-/.test(n))).toEqual([])
  })

  it("treats every spelling of the app's contract as the contract: the Chroma token does not open it", async () => {
    const path = '/app/rpc/collections.create'
    const reached: string[] = []
    for (const [i, target] of spellings(path).entries()) {
      const body = JSON.stringify({ name: `app-pwned-${i}`, embeddingModel: null })
      const withToken = await raw('POST', target, { ...json, ...bearer }, body)
      expect(ok(withToken.status), `${target} answered ${withToken.status} to the Chroma token`).toBe(false)
      const withKey = await raw(
        'POST',
        target,
        { ...json, [APP_KEY_HEADER]: appKey },
        JSON.stringify({ name: `app-allowed-${i}`, embeddingModel: null })
      )
      if (ok(withKey.status)) {
        reached.push(target)
        expect(withToken.status, target).toBe(401)
      }
    }
    expect(reached).toContain(path)
    expect((await collectionNames()).filter((n) => n.startsWith('app-pwned-'))).toEqual([])
  })

  it('never returns the settings (and their secrets) over HTTP, in any spelling, even with the app key', async () => {
    for (const target of spellings('/app/rpc/settings.get')) {
      const answer = await raw('POST', target, { ...json, [APP_KEY_HEADER]: appKey }, '{}')
      expect(ok(answer.status), target).toBe(false)
      expect(answer.body).not.toContain(TOKEN)
    }
  })

  it("answers an allowed origin's preflight without a token, and refuses other origins", async () => {
    const path = '/api/v2/tenants/default_tenant/databases/default_database/collections'
    const preflight = await raw('OPTIONS', path, {
      Origin: ORIGIN,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type'
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN)
    const foreign = await raw('OPTIONS', path, {
      Origin: 'http://evil.example',
      'Access-Control-Request-Method': 'POST'
    })
    expect(foreign.status).toBe(403)
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('serves the UI with headers that forbid framing', async () => {
    const page = await raw('GET', '/api/v2/heartbeat')
    expect(page.headers['x-frame-options']).toBeUndefined()
    const call = await raw('POST', '/app/rpc/system.status', { ...json, [APP_KEY_HEADER]: appKey }, '{}')
    expect(call.status).toBe(200)
    expect(call.headers['x-frame-options']).toBe('DENY')
    expect(call.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  })

  it("refuses a rebinding Host header on Chroma's API and the app", async () => {
    for (const target of ['/api/v2/heartbeat', '/app/rpc/system.status']) {
      const answer = await new Promise<number>((done, fail) => {
        const socket = connect(port, '127.0.0.1')
        socket.write(`GET ${target} HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`)
        let text = ''
        socket.on('data', (c: Buffer) => (text += c.toString()))
        socket.on('error', fail)
        socket.on('close', () => done(Number(text.split(' ')[1])))
      })
      expect(answer, target).toBe(403)
    }
  })
})
