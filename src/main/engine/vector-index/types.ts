export type Space = 'l2' | 'ip' | 'cosine'

export interface HnswParams {
  space: Space
  M: number
  efConstruction: number
  efSearch: number
}

export interface SearchHit {
  label: number
  distance: number
}

/** What openIndex needs from the store (SQLite is the source of truth; the index is a cache). */
export interface IndexSource {
  dim: number
  params: HnswParams
  /** The collection's latest sequence number in SQLite. */
  currentSeq: number
  /** Every live label (rid) in SQLite. */
  liveLabels(): Iterable<number>
  /** Rows written (inserted or vector-updated) with seq > the given seq. */
  rowsSince(seq: number): Iterable<{ label: number; vector: Float32Array }>
  allRows(): Iterable<{ label: number; vector: Float32Array }>
}

export interface OpenIndexResult {
  index: import('./vector-index.js').VectorIndex
  rebuilt: boolean
  reason?: string
}

export type { IndexStats } from '../../../shared/health.js'
