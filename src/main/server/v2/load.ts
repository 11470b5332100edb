// A bounded load generator for the v2 HTTP API (loopback only): N concurrent clients mixing adds and
// queries against one collection until a deadline. Used by the unit test (short) and by
// bench/rest-load.bench.ts (60 s). Every request must succeed, and the final count must equal the
// number of records whose add was acknowledged.

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

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'

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

function stats(latencies: number[]): OpStats {
  const s = [...latencies].sort((a, b) => a - b)
  return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? 0 }
}

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: res.status, text: await res.text() }
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const clients = opts.clients ?? 16
  const dim = opts.dim ?? 64
  const batch = opts.batch ?? 20
  const addShare = opts.addShare ?? 0.5
  const errors: string[] = []

  const name = `load-${Date.now()}`
  const created = await post(`${opts.baseUrl}${C}`, { name })
  if (created.status !== 200) throw new Error(`create collection: ${created.status} ${created.text}`)
  const id = (JSON.parse(created.text) as { id: string }).id
  const base = `${opts.baseUrl}${C}/${id}`

  // Seed so that the first queries have something to find.
  const seedRand = rng(opts.seed ?? 7)
  const vector = (r: () => number): number[] => Array.from({ length: dim }, () => r() * 2 - 1)
  const seeded = await post(`${base}/add`, {
    ids: Array.from({ length: 100 }, (_, i) => `seed-${i}`),
    embeddings: Array.from({ length: 100 }, () => vector(seedRand)),
    metadatas: Array.from({ length: 100 }, (_, i) => ({ worker: -1, i }))
  })
  if (seeded.status !== 201) throw new Error(`seed add: ${seeded.status} ${seeded.text}`)
  let acknowledged = 100

  const addLatencies: number[] = []
  const queryLatencies: number[] = []
  const deadline = performance.now() + opts.seconds * 1000

  const worker = async (w: number): Promise<void> => {
    const r = rng((opts.seed ?? 7) * 1000 + w + 1)
    let seq = 0
    while (performance.now() < deadline && errors.length < 10) {
      const t0 = performance.now()
      try {
        if (r() < addShare) {
          const ids = Array.from({ length: batch }, () => `w${w}-${seq++}`)
          const res = await post(`${base}/add`, {
            ids,
            embeddings: ids.map(() => vector(r)),
            metadatas: ids.map((_, i) => ({ worker: w, i: seq + i })),
            documents: ids.map((x) => `document ${x}`)
          })
          if (res.status !== 201) throw new Error(`add ${res.status} ${res.text.slice(0, 200)}`)
          acknowledged += ids.length
          addLatencies.push(performance.now() - t0)
        } else {
          const filtered = r() < 0.3
          const res = await post(`${base}/query`, {
            query_embeddings: [vector(r)],
            n_results: 10,
            ...(filtered ? { where: { worker: { $ne: w } } } : {}),
            include: ['distances', 'metadatas']
          })
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
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)))
  const elapsed = (performance.now() - started) / 1000

  const countRes = await fetch(`${base}/count`)
  const finalCount = Number(await countRes.text())
  return {
    seconds: elapsed,
    clients,
    adds: stats(addLatencies),
    queries: stats(queryLatencies),
    acknowledgedRecords: acknowledged,
    finalCount,
    errors
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
