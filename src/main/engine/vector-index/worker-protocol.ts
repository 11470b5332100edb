// Messages between the main thread (worker-index.ts) and the index worker (index-worker.ts).
import type { HnswParams } from './types.js'

/** Int32 slots of the shared control buffer. */
export const CTRL_REPLIES = 0 // bumped after each synchronous reply is posted
export const CTRL_APPLIED = 1 // ticket of the last ordered operation fully applied
export const CTRL_PROGRESS = 2 // labels of the next operation (an upsert) already inserted
export const CTRL_STOP = 3 // set by the main thread: the worker exits at its next safe point
export const CTRL_BEAT = 4 // bumped while the worker reads rows for an open (liveness, decision 0050)
export const CTRL_SLOTS = 5

/** Applied in arrival order; `ticket` increases by one per operation across all collections. */
export type OrderedOp =
  | {
      op: 'open'
      ticket: number
      key: number
      dbFile: string
      cid: number
      collectionId: string
      /** The collection's seq when the open was asked for: the index opens as of it. */
      seq: number
      dim: number
      params: HnswParams
      dir: string | null
    }
  | { op: 'upsert'; ticket: number; key: number; labels: Uint32Array; vectors: Float32Array; seq: number }
  | { op: 'remove'; ticket: number; key: number; labels: Uint32Array; seq: number }
  | { op: 'ef'; ticket: number; key: number; ef: number }
  | { op: 'snapshot'; ticket: number; key: number; dir: string | null; collectionId: string }
  | { op: 'drop'; ticket: number; key: number; dir: string | null; collectionId: string | null }
  // Index maintenance (docs/index-health.md): answered on the parent port as a WorkerReply.
  /** Compares SQLite's rows with labels in (lo, hi] with the graph (which has applied every earlier op). */
  | {
      op: 'inspect'
      ticket: number
      key: number
      request: number
      lo: number
      hi: number
      labels: Uint32Array
      vectors: Float32Array
    }
  /** Builds a new graph from SQLite as of `seq` in slices, then replaces the old one (kept if cancelled). */
  | {
      op: 'rebuild'
      ticket: number
      key: number
      request: number
      dbFile: string
      cid: number
      seq: number
      total: number
      dim: number
      params: HnswParams
    }

/** Answered at once, with a reply on the reply port. */
export type ImmediateOp =
  | {
      op: 'search'
      call: number
      key: number
      query: Float32Array
      k: number
      allowed: Uint32Array | null
      /** The collection's current ef_search, applied before searching (its ordered op may still be queued). */
      ef: number
    }
  /** Wakes the worker after CTRL_STOP was set: it closes its SQLite connections and exits. */
  | { op: 'stop' }
  /** Cancels the rebuild of that request at its next slice. */
  | { op: 'cancel'; request: number }

export type ToIndexWorker = OrderedOp | ImmediateOp

export interface SyncReply {
  call: number
  ok: boolean
  error?: string
  /** Not a failure: the worker cannot answer yet (the caller scans SQLite instead). */
  busy?: boolean
  /** The applied ticket and progress at the moment of the answer. */
  applied: number
  progress: number
  labels?: Float64Array
  distances?: Float64Array
}

/** What the worker posts on its parent port for maintenance requests (inspect, rebuild). */
export type WorkerReply =
  | { type: 'reply'; request: number; ok: true; value: unknown }
  | { type: 'reply'; request: number; ok: false; error: string }
  | { type: 'progress'; request: number; done: number; total: number }
