// Test helper: compares one HTTP answer of the real Chroma 1.0 server with ours, after removing what
// legitimately differs (collection and database UUIDs, the heartbeat clock, serde's " at line L column
// C" positions). A known divergence is a quirk that states both sides' exact answers, so a change on
// either side still fails.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

export interface Answer {
  status: number
  body: Json | string
}

export interface Quirk {
  why: string
  chroma: Answer
  ours: Answer
}

export interface CompareOptions {
  /** Compare error messages only up to this many characters (parser wording differs). */
  messagePrefix?: number
  quirk?: Quirk
}

export const notExist = (name: string): string => `Collection [${name}] does not exist`
export const TYPO = 'Chroma 1.0 writes "does not exists" (later versions: "does not exist", which we follow)'

export function isCollection(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'configuration_json' in v && 'id' in v
}

/** Removes what legitimately differs between two servers with the same data. */
export function normalize(v: Json | string, opts: CompareOptions = {}): Json | string {
  if (Array.isArray(v)) {
    const items = v.map((x) => normalize(x, opts) as Json)
    // Collections are listed in UUID order, and UUIDs are random on each side: compare by name.
    if (v.every(isCollection))
      items.sort((a, b) =>
        String((a as Record<string, Json>).name).localeCompare(String((b as Record<string, Json>).name))
      )
    return items
  }
  if (typeof v !== 'object' || v === null) return v
  const out: Record<string, Json> = {}
  for (const [k, x] of Object.entries(v)) {
    if (isCollection(v) && (k === 'id' || k === 'schema')) continue // UUIDs; `schema` is newer than 1.0
    if (k === 'id' && 'tenant' in v && 'name' in v) continue // database UUIDs
    if (k === 'nanosecond heartbeat') {
      out[k] = typeof x === 'number' ? 'ns' : x
      continue
    }
    if (k === 'message' && typeof x === 'string') {
      let m = x.replace(/ at line \d+ column \d+$/, '')
      if (opts.messagePrefix !== undefined) m = m.slice(0, opts.messagePrefix)
      out[k] = m
      continue
    }
    out[k] = normalize(x, opts) as Json
  }
  return out
}

/** Deep equality with float tolerance (distances and embeddings are float32 on both sides). */
export function assertClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > 1e-4 * Math.max(1, Math.abs(expected))) {
      throw new Error(`${where}: ${actual} != ${expected}`)
    }
    return
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      throw new Error(`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`)
    }
    expected.forEach((e, i) => assertClose(actual[i], e, `${where}[${i}]`))
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      throw new Error(`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`)
    }
    const ek = Object.keys(expected).sort()
    const ak = Object.keys(actual).sort()
    if (JSON.stringify(ek) !== JSON.stringify(ak)) throw new Error(`${where}: keys ${ak.join(',')} != ${ek.join(',')}`)
    for (const k of ek)
      assertClose((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${where}.${k}`)
    return
  }
  if (actual !== expected) throw new Error(`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`)
}

/**
 * Throws unless ours answers as Chroma did (same status, equivalent body), or, for a quirk, unless
 * each side gave exactly the answer the quirk states.
 */
export function compareAnswers(chroma: Answer, ours: Answer, opts: CompareOptions = {}): void {
  const { quirk } = opts
  if (quirk) {
    assertClose(normalize(chroma.body, opts), normalize(quirk.chroma.body, opts), 'chroma body')
    assertClose(normalize(ours.body, opts), normalize(quirk.ours.body, opts), 'our body')
    if (chroma.status !== quirk.chroma.status)
      throw new Error(`chroma status ${chroma.status} != ${quirk.chroma.status}`)
    if (ours.status !== quirk.ours.status) throw new Error(`our status ${ours.status} != ${quirk.ours.status}`)
    return
  }
  if (chroma.status !== ours.status) throw new Error(`status: chroma ${chroma.status}, ours ${ours.status}`)
  assertClose(normalize(ours.body, opts), normalize(chroma.body, opts), 'body')
}
