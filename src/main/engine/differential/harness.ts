// Records what each call of a scenario returned or threw, then compares two recordings
// (Chroma's = the spec, ours) step by step. Where Chroma 1.0 is known to differ from the reference
// document, a step is tagged with an entry of chroma-1.0-divergences.ts (see there).
import { divergence, type DivergenceId } from './chroma-1.0-divergences.js'
import { DiffError, normaliseError, takeJsRejection, type Args, type DiffClient } from './targets.js'

/**
 * How a step is compared:
 * - exact: deep equality (embeddings at float32 precision, distances within tolerance)
 * - query: like exact, but ids may swap where distances tie (HNSW order among equals is arbitrary)
 * - throws: both must throw (message/status not compared; used where Chroma's answer is a
 *   transport artefact such as a JSON deserialisation error, noted at the call)
 * - recall: for searches hard enough that Chroma's own HNSW is approximate (and differs from run to
 *   run: its index is built by several threads), the value is a RecallSummary against brute force;
 *   ours must be as well-formed and its recall may trail Chroma's by at most RECALL_SLACK
 */
export type Mode = 'exact' | 'query' | 'throws' | 'recall'

export type Outcome = { ok: true; value: unknown } | { ok: false; error: DiffError }

/** On a Chroma-side step tagged with a registry entry: what Chroma 1.0 itself answered. */
export interface StepDivergence {
  id: DivergenceId
  raw: Outcome
  /** The entry's `shows` on `raw`; false means the entry is stale for this step. */
  shows: boolean
}

export interface Step {
  label: string
  mode: Mode
  /** On the Chroma side of a tagged step: the reference outcome derived from Chroma's raw one. */
  outcome: Outcome
  /** Why the reference answer is not simply Chroma's (JS-client refusal, oracle). */
  note?: string
  divergence?: StepDivergence
}

/** Tags a step with a known Chroma 1.0 divergence (only the Chroma side acts on it). */
export interface DivergenceTag<T> {
  id: DivergenceId
  /** The request, for entries whose transform depends on it. */
  args?: Args
  /** Reference answer computed from Chroma's own data, for entries that ask for one. */
  oracle?: () => Promise<T>
  /**
   * How the Chroma side gets Chroma 1.0's raw answer when running the call itself would leave its
   * data in a state the reference never reaches (e.g. run it on a probe copy instead).
   */
  chroma?: () => Promise<T>
}

/** Registry entries that some recorded step used, so the suite can check none is dead. */
export const exercisedDivergences = new Set<DivergenceId>()

class ScenarioAborted extends Error {}

export type Side = 'chroma' | 'ours'

export class Recorder {
  readonly steps: Step[] = []

  constructor(readonly side: Side) {}

  /** Runs one call; records its (viewed) value or its error. Returns the raw value, undefined on error. */
  async run<T>(
    label: string,
    fn: () => Promise<T>,
    opts: { mode?: Mode; view?: (value: T) => unknown; divergence?: DivergenceId | DivergenceTag<T> } = {}
  ): Promise<T | undefined> {
    const mode = opts.mode ?? 'exact'
    const view = (value: T): unknown => (opts.view ? opts.view(value) : value)
    const tag = typeof opts.divergence === 'string' ? { id: opts.divergence } : opts.divergence
    const onChroma = tag !== undefined && this.side === 'chroma'
    const step: Step = { label, mode, outcome: { ok: true, value: undefined } }
    let result: T | undefined
    takeJsRejection()
    try {
      result = await (onChroma && tag.chroma ? tag.chroma : fn)()
      const rejected = takeJsRejection()
      step.outcome = { ok: true, value: view(result) }
      if (rejected) {
        step.note = `chromadb JS client refuses this locally (${rejected}); Chroma's server answer is the reference`
      }
    } catch (err) {
      if (err instanceof ScenarioAborted) throw err
      step.outcome = { ok: false, error: normaliseError(err) }
    }
    if (onChroma) {
      const entry = divergence(tag.id)
      const oracle = tag.oracle
      const ctx = { args: tag.args ?? {}, ...(oracle ? { oracle: async () => view(await oracle()) } : {}) }
      step.divergence = { id: tag.id, raw: step.outcome, shows: entry.shows(step.outcome, ctx) }
      step.outcome = await entry.toReference(step.outcome, ctx)
      exercisedDivergences.add(tag.id)
    }
    this.steps.push(step)
    return result
  }

  /**
   * A call Chroma 1.0 cannot answer (its local server panics on `$regex`): on the Chroma side the
   * reference value comes from `oracle` (computed from Chroma's own data), on our side from `fn`.
   */
  async oracle<T>(
    label: string,
    fn: () => Promise<T>,
    oracle: () => Promise<T>,
    opts: { view?: (value: T) => unknown; note: string }
  ): Promise<void> {
    const before = this.steps.length
    await this.run(label, this.side === 'chroma' ? oracle : fn, opts)
    const step = this.steps[before]
    if (step && this.side === 'chroma') step.note = opts.note
  }

  /** A write: only success/failure (and the error) is compared; Chroma 1.0 returns nothing useful. */
  async write(
    label: string,
    fn: () => Promise<unknown>,
    opts: { mode?: Mode; divergence?: DivergenceId | DivergenceTag<unknown> } = {}
  ): Promise<void> {
    await this.run(label, fn, { ...opts, view: () => 'ok' })
  }

  /** A value later steps depend on; when a side failed to produce it, the scenario stops there. */
  need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new ScenarioAborted(`scenario stopped: ${what} unavailable`)
    return value
  }
}

export type Scenario = (client: DiffClient, r: Recorder) => Promise<void>

export async function record(
  side: Side,
  client: DiffClient,
  scenario: Scenario
): Promise<{ steps: Step[]; aborted?: string }> {
  const r = new Recorder(side)
  try {
    await scenario(client, r)
    return { steps: r.steps }
  } catch (err) {
    if (err instanceof ScenarioAborted) return { steps: r.steps, aborted: err.message }
    // A crash of the scenario code itself (e.g. a side returned a malformed value) is a divergence too.
    return {
      steps: r.steps,
      aborted: `scenario crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Views: the comparable part of results.

function pick(v: unknown, keys: string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object') return { notAnObject: v ?? null }
  const o = v as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of keys) out[k] = k in o ? o[k] : '<missing>'
  return out
}

export const getView = (v: unknown): unknown =>
  pick(v, ['ids', 'embeddings', 'documents', 'metadatas', 'uris', 'include'])
export const queryView = (v: unknown): unknown =>
  pick(v, ['ids', 'embeddings', 'documents', 'metadatas', 'uris', 'distances', 'include'])
export const collectionView = (c: { name: string; metadata: unknown; configuration: unknown }): unknown => ({
  name: c.name,
  metadata: c.metadata ?? null,
  configuration: c.configuration
})
/** Collection listings: Chroma orders by random UUID, so compare by name order. */
export const collectionListView = (cs: { name: string; metadata: unknown; configuration: unknown }[]): unknown =>
  cs.map(collectionView).sort((a, b) => ((a as { name: string }).name < (b as { name: string }).name ? -1 : 1))

// ---------------------------------------------------------------------------------------------
// Comparison.

const DIST_ABS = 1e-4
const DIST_REL = 1e-5

function distClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(DIST_ABS, DIST_REL * Math.abs(a))
}

function show(v: unknown): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x))
  if (s === undefined) return 'undefined'
  return s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s
}

function deepDiff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 8) return
  if (typeof a === 'number' && typeof b === 'number') {
    if (/embeddings/.test(path)) {
      // Stored as float32 on both sides; what comes back may be the float32 or its double widening.
      if (Math.fround(a) === Math.fround(b) || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a))) return
    } else if (/distances/.test(path)) {
      if (distClose(a, b)) return
    } else if (Object.is(a, b)) {
      return
    }
    out.push(`${path}: chroma ${show(a)} ours ${show(b)}`)
    return
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path}: chroma ${show(a)} ours ${show(b)} (length ${a.length} vs ${b.length})`)
      return
    }
    a.forEach((x, i) => deepDiff(x, b[i], `${path}[${i}]`, out))
    return
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>
    const bo = b as Record<string, unknown>
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)])
    for (const k of [...keys].sort()) {
      if (!(k in ao)) out.push(`${path}.${k}: chroma <absent> ours ${show(bo[k])}`)
      else if (!(k in bo)) out.push(`${path}.${k}: chroma ${show(ao[k])} ours <absent>`)
      else deepDiff(ao[k], bo[k], `${path}.${k}`, out)
    }
    return
  }
  if (!Object.is(a, b)) out.push(`${path}: chroma ${show(a)} ours ${show(b)}`)
}

/**
 * Query results: distances must agree position by position; ids must agree wherever the distance is
 * separated from its neighbours (ties may come back in any order); per-record fields are compared by id.
 */
function queryDiff(a: unknown, b: unknown, path: string, out: string[]): void {
  const ao = a as Record<string, unknown[][] | null>
  const bo = b as Record<string, unknown[][] | null>
  const aIds = ao.ids
  const bIds = bo.ids
  const aD = ao.distances
  if (!Array.isArray(aIds) || !Array.isArray(bIds) || !Array.isArray(aD) || aIds.length !== bIds.length) {
    deepDiff(a, b, path, out)
    return
  }
  deepDiff(ao.include, bo.include, `${path}.include`, out)
  deepDiff(ao.distances, bo.distances, `${path}.distances`, out)
  for (const field of ['embeddings', 'documents', 'metadatas', 'uris']) {
    if (ao[field] === null || bo[field] === null) deepDiff(ao[field], bo[field], `${path}.${field}`, out)
  }
  aIds.forEach((row, q) => {
    const other = bIds[q]
    const dist = aD[q] as number[]
    if (!Array.isArray(other) || other.length !== row.length) {
      out.push(`${path}.ids[${q}]: chroma ${show(row)} ours ${show(other)}`)
      return
    }
    const byId = (side: Record<string, unknown[][] | null>, ids: unknown[], id: unknown, field: string): unknown => {
      const rowVals = side[field]?.[q]
      return rowVals ? rowVals[ids.indexOf(id)] : null
    }
    row.forEach((id, i) => {
      const d = dist[i] ?? 0
      const tiedBefore = i > 0 && distClose(d, dist[i - 1] ?? Infinity)
      const tiedAfter = i + 1 < dist.length && distClose(d, dist[i + 1] ?? Infinity)
      if (!tiedBefore && !tiedAfter && other[i] !== id) {
        out.push(`${path}.ids[${q}][${i}]: chroma ${show(id)} (d=${d}) ours ${show(other[i])}`)
      }
      if (other.includes(id)) {
        for (const field of ['embeddings', 'documents', 'metadatas', 'uris']) {
          if (ao[field] === null || bo[field] === null) continue
          deepDiff(
            byId(ao, row, id, field),
            byId(bo, other, id, field),
            `${path}.${field}[${q}](id ${String(id)})`,
            out
          )
        }
      }
    })
  })
}

/** Rust's JSON errors end with the position in the request body, which only exists over HTTP. */
function sameMessage(message: string): string {
  return message.replace(/ at line \d+ column \d+$/, '')
}

// Chroma's own recall at 2000 x 48, k = 50 varies between 0.9925 and 1.0 from run to run; ours
// measured 0.985. A tighter slack would make the test fail at random.
export const RECALL_SLACK = 0.02

export interface RecallSummary {
  /** Number of hits per query. */
  lengths: number[]
  /** Every returned distance equals the exact distance of that id, and hits are in ascending order. */
  wellFormed: boolean
  /** Mean over queries of |returned ∩ exact top k| / |exact top k|. */
  recall: number
}

function recallDiff(a: RecallSummary, b: RecallSummary, out: string[]): void {
  deepDiff(a.lengths, b.lengths, 'result.lengths', out)
  if (!a.wellFormed)
    out.push('[harness] Chroma result disagrees with the brute-force distances: the scenario oracle is wrong')
  if (!b.wellFormed)
    out.push('result: ours returns distances that are not the exact distances of its ids, or out of order')
  if (b.recall < a.recall - RECALL_SLACK) {
    out.push(`result.recall: chroma ${a.recall.toFixed(4)} ours ${b.recall.toFixed(4)} (slack ${RECALL_SLACK})`)
  }
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.ok && b.ok) {
    const diffs: string[] = []
    deepDiff(a.value, b.value, 'result', diffs)
    return diffs.length === 0
  }
  if (!a.ok && !b.ok) {
    return (
      a.error.status === b.error.status &&
      a.error.errorName === b.error.errorName &&
      sameMessage(a.error.message) === sameMessage(b.error.message)
    )
  }
  return false
}

function showOutcome(o: Outcome): string {
  return o.ok ? show(o.value) : `THROWS ${o.error.status} ${o.error.errorName} ${show(o.error.message)}`
}

/** A tagged step must still need its registry entry: checked against Chroma's raw answer (and ours). */
function staleDivergence(c: Step, o: Step): string | null {
  const d = c.divergence
  if (!d) return null
  const stale = `registry entry "${d.id}" is stale here`
  if (!d.shows) return `${stale}: Chroma 1.0 no longer shows it (its raw answer: ${showOutcome(d.raw)})`
  if (divergence(d.id).message === 'prefix') {
    const theirs = d.raw
    const ours = o.outcome
    if (!theirs.ok && !ours.ok && sameOutcome(theirs, ours)) {
      return `${stale}: ours now gives Chroma's exact answer, so compare this step strictly`
    }
    return null
  }
  if (sameOutcome(d.raw, c.outcome)) return `${stale}: its transform leaves Chroma's answer unchanged`
  return null
}

export function compareRecordings(
  chroma: { steps: Step[]; aborted?: string },
  ours: { steps: Step[]; aborted?: string }
): string[] {
  const problems: string[] = []
  if (chroma.aborted) problems.push(`[harness] the Chroma run itself stopped: ${chroma.aborted}`)
  const n = Math.max(chroma.steps.length, ours.steps.length)
  for (let i = 0; i < n; i++) {
    const c = chroma.steps[i]
    const o = ours.steps[i]
    if (!c || !o) {
      const s = (c ?? o) as Step
      problems.push(
        `#${i} ${s.label}: only ${c ? 'chroma' : 'ours'} reached this step${ours.aborted ? ` (${ours.aborted})` : ''}`
      )
      break
    }
    if (c.label !== o.label) {
      problems.push(`#${i}: step order differs (${c.label} vs ${o.label})`)
      break
    }
    const tag = c.divergence ? ` [reference via Chroma 1.0 divergence ${c.divergence.id}]` : ''
    const label = `#${i} ${c.label}${c.note ? ` [${c.note}]` : ''}${tag}`
    const stale = staleDivergence(c, o)
    if (stale) problems.push(`${label}: ${stale}`)
    const messagePrefixOnly = c.divergence ? divergence(c.divergence.id).message === 'prefix' : false
    const co = c.outcome
    const oo = o.outcome
    if (co.ok && oo.ok) {
      const diffs: string[] = []
      if (c.mode === 'query') queryDiff(co.value, oo.value, 'result', diffs)
      else if (c.mode === 'recall') recallDiff(co.value as RecallSummary, oo.value as RecallSummary, diffs)
      else deepDiff(co.value, oo.value, 'result', diffs)
      for (const d of diffs) problems.push(`${label}: ${d}`)
    } else if (!co.ok && !oo.ok) {
      if (c.mode === 'throws') continue
      const ce = co.error
      const oe = oo.error
      const messageOk = messagePrefixOnly
        ? oe.message.startsWith(ce.message)
        : sameMessage(ce.message) === sameMessage(oe.message)
      if (ce.status !== oe.status || ce.errorName !== oe.errorName || !messageOk) {
        problems.push(
          `${label}: both throw, but chroma ${ce.status} ${ce.errorName} ${show(ce.message)}${messagePrefixOnly ? ' (prefix)' : ''} ours ${oe.status} ${oe.errorName} ${show(oe.message)}`
        )
      }
    } else if (!co.ok && oo.ok) {
      problems.push(
        `${label}: chroma throws ${co.error.status} ${co.error.errorName} ${show(co.error.message)}${co.error.jsClientRejection ? ` [js client: ${co.error.jsClientRejection}]` : ''}; ours returns ${show(oo.value)}`
      )
    } else if (co.ok && !oo.ok) {
      problems.push(
        `${label}: chroma returns ${show(co.value)}; ours throws ${oo.error.status} ${oo.error.errorName} ${show(oo.error.message)}`
      )
    }
  }
  if (ours.aborted && ours.steps.length >= chroma.steps.length && !chroma.aborted) {
    problems.push(`[ours] ${ours.aborted}`)
  }
  return problems
}

/** Human-readable transcript of one recording (used when debugging a scenario). */
export function describeRecording(rec: { steps: Step[]; aborted?: string }): string {
  return rec.steps
    .map((s, i) => {
      const d = s.divergence
      const raw = d ? ` (divergence ${d.id}; Chroma 1.0 raw: ${showOutcome(d.raw)})` : ''
      return `#${i} ${s.label}${s.note ? ` [${s.note}]` : ''} => ${showOutcome(s.outcome)}${raw}`
    })
    .concat(rec.aborted ? [rec.aborted] : [])
    .join('\n')
}
