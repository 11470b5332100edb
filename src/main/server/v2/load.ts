// A bounded load generator for the v2 HTTP API (loopback only): N concurrent clients mixing adds and
// queries against one collection until a deadline. Used by the unit test (short) and by
// bench/rest-load.bench.ts (60 s). Every request must succeed, and the final count must equal the
// number of records whose add was acknowledged.

import { Agent, request as httpRequest } from 'node:http'

export interface LoadOptions {
  baseUrl: string
  seconds: number
  clients?: number
  dim?: number
  /** Records per add request. */
  batch?: number
  /** Share of operations that are adds (the rest are queries). */
  addShare?: number
  seed?: number
}

export interface OpStats {
  count: number
  p50: number
  p99: number
  max: number
}

export interface LoadResult {
  seconds: number
  clients: number
  adds: OpStats
  queries: OpStats
  acknowledgedRecords: number
  finalCount: number
  errors: string[]
}

export const V2_COLLECTIONS = '/api/v2/tenants/default_tenant/databases/default_database/collections'

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
}

export function stats(latencies: number[]): OpStats {
  const s = [...latencies].sort((a, b) => a - b)
  return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? 0 }
}

/** Plain HTTP/1.1 keep-alive requests (no client library), one agent per server. */
export interface HttpClient {
  request(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }>
  close(): void
}

export function httpClient(baseUrl: string, sockets = 64): HttpClient {
  const url = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: sockets })
  return {
    request: (method, path, body) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers:
              body === undefined
                ? {}
                : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }))
            res.on('error', reject)
          }
        )
        req.on('error', reject)
        req.end(body)
      }),
    close: () => agent.destroy()
  }
}

export interface MixOptions {
  http: HttpClient
  /** The collection's path, `/api/v2/.../collections/<id>`. */
  collection: string
  seconds: number
  clients: number
  /** Records per add request. */
  batch: number
  /** Share of operations that are adds (the rest are queries); 30% of queries carry a `where`. */
  addShare: number
  seed: number
  /** Unique per run against one collection, so ids never repeat. */
  idPrefix: string
  /** JSON text of a vector to add or query with. */
  vector: (r: () => number) => string
  /** JSON text of a record's metadata and of a filtered query's `where`. */
  metadata: (r: () => number, client: number) => string
  where: (r: () => number, client: number) => string
}

export interface MixResult {
  seconds: number
  addLatencies: number[]
  queryLatencies: number[]
  acknowledgedRecords: number
  errors: string[]
}

/** `clients` concurrent loops of adds and queries until the deadline; every request must succeed. */
export async function runMix(o: MixOptions): Promise<MixResult> {
  const errors: string[] = []
  const addLatencies: number[] = []
  const queryLatencies: number[] = []
  let acknowledged = 0
  const deadline = performance.now() + o.seconds * 1000
  const client = async (w: number): Promise<void> => {
    const r = rng(o.seed * 1000 + w + 1)
    let seq = 0
    while (performance.now() < deadline && errors.length < 10) {
      const t0 = performance.now()
      try {
        if (r() < o.addShare) {
          const ids = Array.from({ length: o.batch }, () => `${o.idPrefix}w${w}-${seq++}`)
          const body =
            `{"ids":${JSON.stringify(ids)},"embeddings":[${ids.map(() => o.vector(r)).join(',')}],` +
            `"metadatas":[${ids.map(() => o.metadata(r, w)).join(',')}],` +
            `"documents":${JSON.stringify(ids.map((x) => `document ${x}`))}}`
          const res = await o.http.request('POST', `${o.collection}/add`, body)
          if (res.status !== 201 && res.status !== 200) throw new Error(`add ${res.status} ${res.text.slice(0, 200)}`)
          acknowledged += ids.length
          addLatencies.push(performance.now() - t0)
        } else {
          const where = r() < 0.3 ? `,"where":${o.where(r, w)}` : ''
          const body = `{"query_embeddings":[${o.vector(r)}],"n_results":10${where},"include":["distances","metadatas"]}`
          const res = await o.http.request('POST', `${o.collection}/query`, body)
          if (res.status !== 200) throw new Error(`query ${res.status} ${res.text.slice(0, 200)}`)
          const parsed = JSON.parse(res.text) as { ids: string[][] }
          if (!Array.isArray(parsed.ids?.[0]) || parsed.ids[0].length === 0) throw new Error('query returned no ids')
          queryLatencies.push(performance.now() - t0)
        }
      } catch (e) {
        errors.push(`client ${w}: ${(e as Error).message}`)
      }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: o.clients }, (_, w) => client(w)))
  return {
    seconds: (performance.now() - started) / 1000,
    addLatencies,
    queryLatencies,
    acknowledgedRecords: acknowledged,
    errors
  }
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const clients = opts.clients ?? 16
  const dim = opts.dim ?? 64
  const http = httpClient(opts.baseUrl)
  try {
    const name = `load-${Date.now()}`
    const created = await http.request('POST', V2_COLLECTIONS, JSON.stringify({ name }))
    if (created.status !== 200) throw new Error(`create collection: ${created.status} ${created.text}`)
    const collection = `${V2_COLLECTIONS}/${(JSON.parse(created.text) as { id: string }).id}`

    // Seed so that the first queries have something to find.
    const seedRand = rng(opts.seed ?? 7)
    const vector = (r: () => number): number[] => Array.from({ length: dim }, () => r() * 2 - 1)
    const seeded = await http.request(
      'POST',
      `${collection}/add`,
      JSON.stringify({
        ids: Array.from({ length: 100 }, (_, i) => `seed-${i}`),
        embeddings: Array.from({ length: 100 }, () => vector(seedRand)),
        metadatas: Array.from({ length: 100 }, (_, i) => ({ worker: -1, i }))
      })
    )
    if (seeded.status !== 201) throw new Error(`seed add: ${seeded.status} ${seeded.text}`)

    const mix = await runMix({
      http,
      collection,
      seconds: opts.seconds,
      clients,
      batch: opts.batch ?? 20,
      addShare: opts.addShare ?? 0.5,
      seed: opts.seed ?? 7,
      idPrefix: '',
      vector: (r) => JSON.stringify(vector(r)),
      metadata: (r, w) => JSON.stringify({ worker: w, i: Math.floor(r() * 1e6) }),
      where: (_, w) => JSON.stringify({ worker: { $ne: w } })
    })
    const countRes = await http.request('GET', `${collection}/count`)
    return {
      seconds: mix.seconds,
      clients,
      adds: stats(mix.addLatencies),
      queries: stats(mix.queryLatencies),
      acknowledgedRecords: 100 + mix.acknowledgedRecords,
      finalCount: Number(countRes.text),
      errors: mix.errors
    }
  } finally {
    http.close()
  }
}

export function formatLoad(r: LoadResult): string {
  const row = (label: string, s: OpStats): string =>
    `${label.padEnd(8)} ${String(s.count).padStart(7)} ${(s.count / r.seconds).toFixed(1).padStart(9)} ` +
    `${s.p50.toFixed(2).padStart(9)} ${s.p99.toFixed(2).padStart(9)} ${s.max.toFixed(2).padStart(9)}`
  return [
    `${r.clients} clients, ${r.seconds.toFixed(1)} s, ${r.errors.length} errors, final count ${r.finalCount} (acknowledged ${r.acknowledgedRecords})`,
    `op         count    req/s   p50 ms    p99 ms    max ms`,
    row('add', r.adds),
    row('query', r.queries)
  ].join('\n')
}
