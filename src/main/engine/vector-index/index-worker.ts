// The index worker: owns the HNSW graphs of a database's loaded collections so that insertion (the
// bulk of a write's cost) runs beside the request thread instead of on it. See worker-index.ts for
// the main-thread side and decision 0015 for the design. Ordered operations (open, upsert, remove,
// ef, snapshot, drop) run in arrival order, a few milliseconds at a time, so that a search, which is
// answered as soon as it arrives, never waits long behind a large batch.
import type BetterSqlite3 from 'better-sqlite3'
import { loadNative } from '../native.js'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { decodeEmbedding, readRowsAfter } from '../store/records.js'
import { IndexBuild, inspectRange } from './maintenance.js'
import { deleteSnapshot, openIndex, writeSnapshot } from './snapshot.js'
import type { IndexSource } from './types.js'
import type { VectorIndex } from './vector-index.js'
import {
  CTRL_APPLIED,
  CTRL_BEAT,
  CTRL_PROGRESS,
  CTRL_REPLIES,
  CTRL_STOP,
  type OrderedOp,
  type SyncReply,
  type ToIndexWorker,
  type WorkerReply
} from './worker-protocol.js'

// Through loadNative, so the Electron main process gets its own ABI build (docs/decisions/0011).
const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')

// How long ordered work runs before the worker yields to incoming messages (searches).
const SLICE_MS = 1
// Labels inserted between clock checks inside a batch.
const CHUNK = 1

interface Loaded {
  index: VectorIndex | null
  /** Why the collection's index is unusable here (the main thread then falls back). */
  failed: string | null
  /** Every change with seq <= this is in the graph (valid once opened). */
  seq: number
  /** Differs from its snapshot (rebuilt, or changed since). */
  dirty: boolean
}

const { ctrl: ctrlBuffer, replies } = workerData as { ctrl: SharedArrayBuffer; replies: MessagePort }
const ctrl = new Int32Array(ctrlBuffer)
const collections = new Map<number, Loaded>()
const connections = new Map<string, BetterSqlite3.Database>()
const queue: OrderedOp[] = []
// Position inside queue[0] when it is an upsert processed over several slices.
let cursor = 0
let scheduled = false
// The rebuild at the head of the queue, built over several slices, and rebuilds asked to stop.
let build: IndexBuild | null = null
const cancelled = new Set<number>()
// Rows between progress reports of a rebuild.
const PROGRESS_EVERY = 1000

function post(message: WorkerReply): void {
  parentPort?.postMessage(message)
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Runs part of a rebuild (queue[0]); true when it is finished, whichever way. */
function rebuildStep(op: Extract<OrderedOp, { op: 'rebuild' }>, loaded: Loaded | undefined, deadline: number): boolean {
  if (!loaded) {
    post({ type: 'reply', request: op.request, ok: false, error: 'index not loaded' })
    return true
  }
  try {
    if (cancelled.delete(op.request)) {
      build = null
      post({ type: 'reply', request: op.request, ok: true, value: { cancelled: true, records: 0 } })
      return true
    }
    const db = connection(op.dbFile)
    build ??= new IndexBuild(
      op.dim,
      op.params,
      (after, limit) => readRowsAfter(db, op.cid, after, op.seq, limit),
      op.total
    )
    const before = build.done
    const finished = build.step(deadline)
    Atomics.add(ctrl, CTRL_BEAT, 1) // a long rebuild is progress, not a hang
    if (Math.floor(build.done / PROGRESS_EVERY) !== Math.floor(before / PROGRESS_EVERY) || finished) {
      post({ type: 'progress', request: op.request, done: build.done, total: op.total })
    }
    if (!finished) return false
    // The swap: later ops of this collection (queued after this one) apply to the new graph.
    const index = build.index
    build = null
    index.setEfSearch(loaded.index?.params.efSearch ?? op.params.efSearch)
    loaded.index = index
    loaded.failed = null
    loaded.seq = op.seq
    loaded.dirty = true
    post({ type: 'reply', request: op.request, ok: true, value: { cancelled: false, records: index.size } })
  } catch (err) {
    build = null
    post({ type: 'reply', request: op.request, ok: false, error: errorText(err) })
  }
  return true
}

function connection(file: string): BetterSqlite3.Database {
  let db = connections.get(file)
  if (!db) {
    db = new Database(file, { readonly: true, fileMustExist: true })
    connections.set(file, db)
  }
  return db
}

function open(op: Extract<OrderedOp, { op: 'open' }>): void {
  const loaded: Loaded = { index: null, failed: null, seq: 0, dirty: false }
  collections.set(op.key, loaded)
  try {
    const db = connection(op.dbFile)
    // The index opens as of op.seq, the collection's seq when the main thread asked: later writes
    // follow as queued operations. Rows written after op.seq are left out here (SQLite may already
    // hold them when this runs); a row updated after op.seq is dropped here and re-added by the
    // queued upsert. One read transaction, so live set and rows describe the same moment.
    db.transaction(() => {
      const rowsSince = function* (seq: number): Generator<{ label: number; vector: Float32Array }> {
        const stmt = db.prepare<[number, number, number], { rid: number; embedding: Buffer }>(
          'SELECT rid, embedding FROM records WHERE cid = ? AND seq > ? AND seq <= ? ORDER BY rid'
        )
        let rows = 0
        for (const r of stmt.iterate(op.cid, seq, op.seq)) {
          // A safe point between rows: a given-up worker leaves a long rebuild or replay here.
          stopIfAsked()
          // A long rebuild is progress, not a hang.
          if ((++rows & 255) === 0) Atomics.add(ctrl, CTRL_BEAT, 1)
          yield { label: r.rid, vector: decodeEmbedding(r.embedding) }
        }
      }
      const source: IndexSource = {
        dim: op.dim,
        params: op.params,
        currentSeq: op.seq,
        liveLabels: () =>
          db
            .prepare<[number, number], number>('SELECT rid FROM records WHERE cid = ? AND seq <= ? ORDER BY rid')
            .pluck()
            .iterate(op.cid, op.seq) as IterableIterator<number>,
        rowsSince,
        allRows: () => rowsSince(-1)
      }
      const { index, rebuilt } = openIndex(op.dir, op.collectionId, source)
      index.setEfSearch(op.params.efSearch)
      loaded.index = index
      loaded.seq = op.seq
      loaded.dirty = rebuilt
    })()
  } catch (err) {
    loaded.failed = err instanceof Error ? err.message : String(err)
    loaded.index = null
  }
}

/** Runs queue[0] (or the next part of it); returns true when it is finished. */
function step(deadline: number): boolean {
  const op = queue[0] as OrderedOp
  if (op.op === 'open') {
    open(op)
    return true
  }
  const loaded = collections.get(op.key)
  if (op.op === 'drop') {
    collections.delete(op.key)
    if (op.dir !== null && op.collectionId !== null) {
      try {
        deleteSnapshot(op.dir, op.collectionId)
      } catch {
        // Stale files are ignored by the next open (the collection id is gone from SQLite).
      }
    }
    return true
  }
  if (op.op === 'rebuild') return rebuildStep(op, loaded, deadline)
  if (op.op === 'inspect') {
    if (!loaded || loaded.index === null) {
      post({ type: 'reply', request: op.request, ok: false, error: loaded?.failed ?? 'index not loaded' })
    } else {
      try {
        const value = inspectRange(loaded.index, op.lo, op.hi, op.labels, op.vectors)
        post({ type: 'reply', request: op.request, ok: true, value })
      } catch (err) {
        post({ type: 'reply', request: op.request, ok: false, error: errorText(err) })
      }
    }
    return true
  }
  if (!loaded || loaded.index === null) return true
  const index = loaded.index
  try {
    switch (op.op) {
      case 'upsert': {
        const dim = index.dim
        while (cursor < op.labels.length) {
          const end = Math.min(op.labels.length, cursor + CHUNK)
          const labels: number[] = []
          const vectors: Float32Array[] = []
          for (let i = cursor; i < end; i++) {
            labels.push(op.labels[i] as number)
            vectors.push(op.vectors.subarray(i * dim, (i + 1) * dim))
          }
          stopIfAsked()
          index.upsert(labels, vectors)
          cursor = end
          Atomics.store(ctrl, CTRL_PROGRESS, cursor)
          if (cursor < op.labels.length && performance.now() >= deadline) return false
        }
        loaded.seq = Math.max(loaded.seq, op.seq)
        loaded.dirty = true
        return true
      }
      case 'remove':
        index.remove(Array.from(op.labels))
        loaded.seq = Math.max(loaded.seq, op.seq)
        loaded.dirty = true
        return true
      case 'ef':
        index.setEfSearch(op.ef)
        return true
      case 'snapshot':
        if (op.dir !== null && loaded.dirty) {
          try {
            writeSnapshot(op.dir, op.collectionId, index, loaded.seq)
            loaded.dirty = false
          } catch {
            // Not fatal: the previous snapshot stays valid and SQLite replays the difference on open.
          }
        }
        return true
    }
  } catch (err) {
    loaded.failed = err instanceof Error ? err.message : String(err)
    loaded.index = null
    return true
  }
}

function finish(op: OrderedOp): void {
  queue.shift()
  cursor = 0
  Atomics.store(ctrl, CTRL_APPLIED, op.ticket)
  Atomics.store(ctrl, CTRL_PROGRESS, 0)
  Atomics.notify(ctrl, CTRL_APPLIED)
}

/**
 * Ends the worker if the main thread gave up on it. Called only between native calls: terminating
 * a thread inside hnswlib-node's addPoint aborts the whole process (its argument conversion turns
 * the termination into a fatal napi_throw), so the main thread never calls terminate() on a busy
 * worker and sets CTRL_STOP instead.
 */
function stopIfAsked(): void {
  if (Atomics.load(ctrl, CTRL_STOP) === 0) return
  queue.length = 0
  for (const db of connections.values()) {
    try {
      db.close()
    } catch {
      // busy (stopped in the middle of reading rows): the thread's end closes it
    }
  }
  process.exit(0)
}

function run(budgetMs: number): void {
  const deadline = performance.now() + budgetMs
  while (queue.length > 0) {
    stopIfAsked()
    const op = queue[0] as OrderedOp
    if (!step(deadline)) break
    finish(op)
    if (performance.now() >= deadline) break
  }
}

function pump(): void {
  scheduled = false
  run(SLICE_MS)
  schedule()
}

function schedule(): void {
  if (scheduled || queue.length === 0) return
  scheduled = true
  setImmediate(pump)
}

function reply(message: SyncReply): void {
  replies.postMessage(message)
  Atomics.add(ctrl, CTRL_REPLIES, 1)
  Atomics.notify(ctrl, CTRL_REPLIES)
}

function search(message: Extract<ToIndexWorker, { op: 'search' }>): void {
  // The collection must have been opened; its open may still be queued behind other work.
  // (ops of other collections ahead of it run first; order is kept).
  while (!collections.has(message.key) && queue.some((op) => op.op === 'open' && op.key === message.key)) {
    const op = queue[0] as OrderedOp
    if (op.op === 'rebuild') {
      // A rebuild runs in slices between messages, so its cancel is heard: it is never run to its
      // end here. The caller answers from SQLite meanwhile (IndexWorkerBusy).
      const at = { applied: Atomics.load(ctrl, CTRL_APPLIED), progress: Atomics.load(ctrl, CTRL_PROGRESS) }
      reply({ call: message.call, ok: false, busy: true, error: 'an index rebuild runs ahead of this index', ...at })
      return
    }
    if (step(Number.POSITIVE_INFINITY)) finish(op)
  }
  const loaded = collections.get(message.key)
  const applied = Atomics.load(ctrl, CTRL_APPLIED)
  const progress = Atomics.load(ctrl, CTRL_PROGRESS)
  if (!loaded || loaded.index === null) {
    reply({ call: message.call, ok: false, error: loaded?.failed ?? 'index not loaded', applied, progress })
    return
  }
  try {
    const allowed = message.allowed === null ? undefined : new Set(message.allowed)
    if (loaded.index.params.efSearch !== message.ef) loaded.index.setEfSearch(message.ef)
    const hits = loaded.index.search(message.query, message.k, allowed)
    const labels = new Float64Array(hits.length)
    const distances = new Float64Array(hits.length)
    hits.forEach((h, i) => {
      labels[i] = h.label
      distances[i] = h.distance
    })
    reply({ call: message.call, ok: true, labels, distances, applied, progress })
  } catch (err) {
    reply({ call: message.call, ok: false, error: err instanceof Error ? err.message : String(err), applied, progress })
  }
}

parentPort?.on('message', (message: ToIndexWorker) => {
  stopIfAsked()
  switch (message.op) {
    case 'search':
      search(message)
      return
    case 'cancel':
      cancelled.add(message.request)
      return
    case 'stop':
      // Idle here (between slices), so ending is safe (see stopIfAsked).
      Atomics.store(ctrl, CTRL_STOP, 1)
      stopIfAsked()
      return
    default:
      queue.push(message)
      schedule()
  }
})
