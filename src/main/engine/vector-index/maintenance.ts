// Index maintenance that runs where the index lives (the index worker, or the main thread for inline
// indexes): comparing a page of SQLite rows with the index (verification), and building a new index
// from SQLite a slice at a time (rebuild). See docs/index-health.md.
import type { LabelledVector } from '../store/records.js'
import { storedVector } from './distance.js'
import type { HnswParams, IndexStats } from './types.js'
import { VectorIndex } from './vector-index.js'

export { MAX_LABEL } from './vector-index.js'

/** Labels found wrong in one range of labels. */
export interface InspectResult {
  /** Live in SQLite, not live in the index (absent, or marked deleted). */
  missing: number[]
  /** Live in the index, not in SQLite. */
  extra: number[]
  /** In both, but the index's vector (its copy or its graph's) differs from SQLite's as prepared for the space. */
  stale: number[]
}

export interface InspectReply {
  result: InspectResult
  stats: IndexStats
}

/**
 * Absolute tolerance per component for cosine, whose stored vectors are normalised (by hnswlib for
 * its graph, by us for our copy): both are computed like hnswlib does, so they agree bit for bit
 * today, but a different float order elsewhere must not read as damage. Other spaces store the
 * float32 values as given, so they compare exactly.
 */
const COSINE_TOLERANCE = 1e-6

function differs(a: ArrayLike<number>, b: Float32Array, tolerance: number): boolean {
  if (a.length !== b.length) return true
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number))
    if (!(d <= tolerance)) return true // NaN counts as different
  }
  return false
}

/**
 * Compares the index with SQLite's live rows whose labels lie in (lo, hi]: `labels` (ascending) and
 * their `vectors` (dim floats each, as stored in SQLite). Both must describe the same moment, which
 * the callers arrange (same tick inline; an ordered operation in the worker).
 */
export function inspectRange(
  index: VectorIndex,
  lo: number,
  hi: number,
  labels: ArrayLike<number>,
  vectors: Float32Array
): InspectReply {
  const { dim } = index
  const space = index.params.space
  const tolerance = space === 'cosine' ? COSINE_TOLERANCE : 0
  const result: InspectResult = { missing: [], extra: [], stale: [] }
  const inSqlite = new Set<number>()
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number
    inSqlite.add(label)
    if (!index.has(label)) {
      result.missing.push(label)
      continue
    }
    const expected = storedVector(space, vectors.subarray(i * dim, (i + 1) * dim))
    const copy = index.storedVector(label) as Float32Array
    // The copy answers distances; the graph's own vector steers the search: both must match.
    if (differs(copy, expected, tolerance) || differs(index.native().getPoint(label), expected, tolerance)) {
      result.stale.push(label)
    }
  }
  if (hi > lo) {
    for (const label of index.labels()) {
      if (label > lo && label <= hi && !inSqlite.has(label)) result.extra.push(label)
    }
    result.extra.sort((a, b) => a - b)
  }
  return { result, stats: index.stats() }
}

/** Rows of a page read: up to `limit` rows with labels above `after`, ascending. */
export type PageReader = (after: number, limit: number) => LabelledVector[]

const PAGE = 1000

/**
 * A new index built from SQLite in slices (`step`), so the thread that builds it keeps serving between
 * slices and can stop: the old index stays in use until the caller swaps in `index`.
 */
export class IndexBuild {
  readonly index: VectorIndex
  /** Rows inserted so far. */
  done = 0
  private page: LabelledVector[] = []
  private pos = 0
  private after = 0
  private exhausted = false

  constructor(
    dim: number,
    params: HnswParams,
    private readonly read: PageReader,
    /** Rows expected in all (for progress). */
    readonly total: number
  ) {
    this.index = new VectorIndex(dim, params, Math.max(1, total))
  }

  /** Inserts rows until `deadline` (performance.now() time); true once every row is in. */
  step(deadline: number): boolean {
    for (;;) {
      if (this.pos >= this.page.length) {
        if (this.exhausted) return true
        this.page = this.read(this.after, PAGE)
        this.pos = 0
        if (this.page.length < PAGE) this.exhausted = true
        if (this.page.length === 0) return true
        this.after = (this.page[this.page.length - 1] as LabelledVector).label
      }
      const row = this.page[this.pos++] as LabelledVector
      this.index.upsert([row.label], [row.vector])
      this.done++
      if (performance.now() >= deadline) return this.pos >= this.page.length && this.exhausted
    }
  }
}
