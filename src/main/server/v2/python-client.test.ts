// Chroma's Python HttpClient against ours, by replay: testing/python-client-trace.json holds the exact
// requests chromadb 1.0.21 sent to a real Chroma 1.0 server and to ours (docs/python-client-trace.md).
// They are sent again here, byte for byte but for Host and the collection ids in paths, to a fresh
// real Chroma 1.0 and to ours; every answer must agree (differential-compare.ts), and the answers
// that legitimately differ are quirks that state both sides exactly.
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChromaServer, type ChromaServer } from '../../engine/differential/chroma-server.js'
import {
  compareAnswers,
  isCollection,
  notExist,
  TYPO,
  type Answer,
  type Json,
  type Quirk
} from './differential-compare.js'
import { startOurServer, type RunningServer } from './test-server.js'

interface Exchange {
  call: string
  request: { method: string; path: string; headers: string[][]; body: string }
  response: { status: number; body: unknown }
}

const trace = JSON.parse(readFileSync(new URL('../testing/python-client-trace.json', import.meta.url), 'utf8')) as {
  sessions: { server: string; exchanges: Exchange[] }[]
}
const sessions = trace.sessions
const session = (server: string): Exchange[] => {
  const found = sessions.find((s) => s.server === server)
  if (!found) throw new Error(`the trace has no ${server} session`)
  return found.exchanges
}

/** Answers that differ for a reason of their own, by the client call that asked. */
const QUIRKS: Record<string, Quirk> = {
  'HttpClient() (tenant)': {
    why: 'later Chroma adds resource_name (null unless set)',
    chroma: { status: 200, body: { name: 'default_tenant' } },
    ours: { status: 200, body: { name: 'default_tenant', resource_name: null } }
  },
  'add() (pre-flight checks)': {
    why:
      'our batch limit is not SQLite-bound; base64 embeddings (later Chroma) are supported, so the client ' +
      'sends its add, update and upsert embeddings as base64 to ours',
    chroma: { status: 200, body: { max_batch_size: 5461 } },
    ours: { status: 200, body: { max_batch_size: 250000, supports_base64_encoding: true } }
  },
  'delete(ids)': {
    why: 'Chroma 1.0 answers {}; later Chroma reports {"deleted": n}',
    chroma: { status: 200, body: {} },
    ours: { status: 200, body: { deleted: 1 } }
  },
  "delete_collection('pyclient') again": {
    why: TYPO,
    chroma: { status: 404, body: { error: 'NotFoundError', message: 'Collection [pyclient] does not exists' } },
    ours: { status: 404, body: { error: 'NotFoundError', message: notExist('pyclient') } }
  }
}

/** One server, replaying one recorded session: recorded collection ids are mapped to this server's. */
class Replayer {
  private readonly ids = new Map<string, string>()

  constructor(private readonly baseUrl: string) {}

  async send(x: Exchange): Promise<Answer> {
    let path = x.request.path
    for (const [recorded, actual] of this.ids) path = path.replaceAll(recorded, actual)
    const { hostname, port, host } = new URL(this.baseUrl)
    const headers = x.request.headers.flat()
    headers.push('Host', host)
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = request({ hostname, port, method: x.request.method, path, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let body: Json | string = text
          try {
            body = JSON.parse(text) as Json
          } catch {
            // not JSON: compared as text
          }
          resolve({ status: res.statusCode ?? 0, body })
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(Buffer.from(x.request.body, 'utf8'))
    })
    const recorded = x.response.body
    if (isCollection(recorded) && isCollection(answer.body)) {
      this.ids.set(recorded.id as string, answer.body.id as string)
    }
    return answer
  }
}

let chroma: ChromaServer
let ours: RunningServer

beforeAll(async () => {
  ;[chroma, ours] = await Promise.all([startChromaServer(60_000, { allowReset: true }), startOurServer()])
}, 90_000)

afterAll(async () => {
  await Promise.all([chroma?.stop(), ours?.stop()])
})

/** Sends `forChroma[i]` to Chroma and `forOurs[i]` to ours, one call at a time; lists every disagreement. */
async function replay(forChroma: Exchange[], forOurs: Exchange[]): Promise<string[]> {
  expect(forOurs.map((x) => x.call)).toEqual(forChroma.map((x) => x.call))
  const chromaSide = new Replayer(chroma.baseUrl)
  const ourSide = new Replayer(ours.baseUrl)
  const failures: string[] = []
  for (const [i, cx] of forChroma.entries()) {
    const ox = forOurs[i] as Exchange
    const [a, b] = [await chromaSide.send(cx), await ourSide.send(ox)]
    try {
      compareAnswers(a, b, { quirk: QUIRKS[cx.call] })
    } catch (e) {
      failures.push(
        `${cx.call}: ${(e as Error).message}\n    chroma ${a.status} ${JSON.stringify(a.body).slice(0, 300)}\n    ours   ${b.status} ${JSON.stringify(b.body).slice(0, 300)}`
      )
    }
  }
  return failures
}

describe('Python HttpClient 1.0.21, replayed: real Chroma 1.0 vs ours', () => {
  it('the requests it sent to Chroma get the same answers from ours', async () => {
    const failures = await replay(session('chroma-1.0'), session('chroma-1.0'))
    expect(failures, failures.join('\n')).toEqual([])
  }, 60_000)

  it('the requests it sent to ours (base64 embeddings) get the answers Chroma gives the same calls', async () => {
    const failures = await replay(session('chroma-1.0'), session('chromadesk'))
    expect(failures, failures.join('\n')).toEqual([])
  }, 60_000)

  it('holds the requests that failed before: labelled empty bodies, floats written 1.0', () => {
    for (const s of sessions) {
      const sent = new Map(s.exchanges.map((x) => [x.call, x.request]))
      for (const call of ['reset()', "delete_collection('pyclient')"]) {
        const r = sent.get(call)
        const type = r?.headers.find(([k]) => k?.toLowerCase() === 'content-type')?.[1]
        expect([type, r?.body], `${s.server} ${call}`).toEqual(['application/json', ''])
      }
      expect(sent.get('get(where $in [1.0, 2.5])')?.body).toContain('{"$in":[1.0,2.5]}')
    }
  })
})
