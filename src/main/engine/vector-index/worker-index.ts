// Write-behind indexing (decision 0015): a collection's HNSW graph lives in a worker thread, which
// inserts committed writes while the main thread goes on serving requests. The main thread keeps
// every change the worker has not confirmed yet (the "tail") and answers a query as the worker's
// HNSW hits over what it has applied, minus labels changed since, merged with an exact scan of the
// tail, so a query sees every acknowledged write. Searches are synchronous calls (Atomics.wait on a
// shared counter, reply read with receiveMessageOnPort), so the database API stays synchronous.
//
// Where the worker script comes from: index-worker.js/.mjs next to this module (a bundle must emit
// src/main/engine/vector-index/index-worker.ts as its own entry there), or index-worker.ts started
// through tsx's loader (sources under vitest/tsx). Without either, indexes stay on the main thread.
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads'
import { findWorkerScript, startWorker, type WorkerEntry } from '../worker-entry.js'
import { distanceAt, normalized, normalizedLikeHnswlib } from './distance.js'
import { writeSnapshot } from './snapshot.js'
import type { HnswParams, SearchHit, Space } from './types.js'
import type { VectorIndex } from './vector-index.js'
import {
  CTRL_APPLIED,
  CTRL_PROGRESS,
  CTRL_REPLIES,
  CTRL_SLOTS,
  CTRL_STOP,
  type OrderedOp,
  type SyncReply,
  type ToIndexWorker
} from './worker-protocol.js'

/** What the database needs from a loaded collection index, wherever its graph lives. */
export interface IndexHandle {
  readonly inWorker: boolean
  search(query: Float32Array, k: number, allowed?: ReadonlySet<number>): SearchHit[]
  /** Applies one committed call: removals first, then upserts (insert or replace). */
  apply(removes: number[], upserts: Map<number, Float32Array>, seq: number): void
  setEfSearch(ef: number): void
  /** Persistent mode: writes (or, in the worker, queues) a snapshot of everything applied so far. */
  snapshot(dir: string, collectionId: string, seq: number): void
  /** Forgets the index; with a collection id, the worker also deletes its snapshot files. */
  release(dir: string | null, collectionId: string | null): void
}

/** The index on the main thread: every change is applied before the write returns. */
export class InlineIndex implements IndexHandle {
  readonly inWorker = false
  constructor(readonly index: VectorIndex) {}

  search(query: Float32Array, k: number, allowed?: ReadonlySet<number>): SearchHit[] {
    return this.index.search(query, k, allowed)
  }

  apply(removes: number[], upserts: Map<number, Float32Array>): void {
    if (removes.length > 0) this.index.remove(removes)
    if (upserts.size > 0) this.index.upsert([...upserts.keys()], [...upserts.values()])
  }

  setEfSearch(ef: number): void {
    this.index.setEfSearch(ef)
  }

  snapshot(dir: string, collectionId: string, seq: number): void {
    writeSnapshot(dir, collectionId, this.index, seq)
  }

  release(): void {}
}

/** How long a synchronous call polls for the worker's reply before blocking. */
// Not on a single core, where spinning would only delay the worker it waits for.
const REPLY_SPIN_MS = availableParallelism() > 1 ? 0.5 : 0

/** The worker failed or stopped answering; the caller falls back to an inline index. */
export class IndexWorkerError extends Error {}

export type IndexWorkerEntry = WorkerEntry

const moduleDir = path.dirname(fileURLToPath(import.meta.url))

/** index-worker.js/.mjs beside this module (bundled), or index-worker.ts through tsx (sources). */
export function findIndexWorkerEntry(explicit?: string): IndexWorkerEntry | null {
  return findWorkerScript(moduleDir, 'index-worker', explicit)
}

/** One worker per database: owns the graphs of its loaded collections. */
export class IndexWorker {
  private readonly worker: Worker
  private readonly ctrl: Int32Array
  private readonly replies: MessagePort
  private nextTicket = 1
  private nextCall = 1
  private nextKey = 1
  private deadReason: string | null = null

  constructor(
    entry: IndexWorkerEntry,
    private readonly timeoutMs: number,
    onDeath: (reason: string) => void
  ) {
    const ctrl = new SharedArrayBuffer(CTRL_SLOTS * 4)
    this.ctrl = new Int32Array(ctrl)
    const channel = new MessageChannel()
    this.replies = channel.port1
    this.replies.unref()
    const workerData = { ctrl, replies: channel.port2 }
    this.worker = startWorker(entry, { workerData, transferList: [channel.port2] })
    // Unfinished indexing never holds the process open: SQLite has every acknowledged write.
    this.worker.unref()
    const die = (reason: string): void => {
      if (this.deadReason !== null) return
      this.deadReason = reason
      onDeath(reason)
    }
    this.worker.on('error', (err) => die(`index worker failed: ${err.message}`))
    this.worker.on('exit', (code) => die(`index worker exited (code ${code})`))
  }

  get dead(): string | null {
    return this.deadReason
  }

  newKey(): number {
    return this.nextKey++
  }

  /** Queues an ordered operation; returns its ticket. */
  post(op: DistributiveOmit<OrderedOp, 'ticket'>, transfer?: ArrayBuffer[]): number {
    if (this.deadReason !== null) throw new IndexWorkerError(this.deadReason)
    const ticket = this.nextTicket++
    this.worker.postMessage({ ...op, ticket }, transfer ?? [])
    return ticket
  }

  /** Ticket of the last operation the worker has fully applied. */
  applied(): number {
    return Atomics.load(this.ctrl, CTRL_APPLIED)
  }

  /**
   * Labels inserted of the operation after `applied()` (read after it: if the worker moved on in
   * between, the value belongs to a later operation, and the earlier one is complete anyway).
   */
  progress(): number {
    return Atomics.load(this.ctrl, CTRL_PROGRESS)
  }

  /** Blocks until the applied ticket moves past `seen` (or a timeout); returns the new value. */
  waitApplied(seen: number): number {
    if (this.deadReason !== null) throw new IndexWorkerError(this.deadReason)
    if (Atomics.wait(this.ctrl, CTRL_APPLIED, seen, this.timeoutMs) === 'timed-out' && this.applied() === seen) {
      this.fail('index worker made no progress')
    }
    return this.applied()
  }

  /** A synchronous round trip for an immediate operation. */
  call(op: DistributiveOmit<Exclude<ToIndexWorker, OrderedOp | { op: 'crash' }>, 'call'>): SyncReply {
    if (this.deadReason !== null) throw new IndexWorkerError(this.deadReason)
    const call = this.nextCall++
    let seen = Atomics.load(this.ctrl, CTRL_REPLIES)
    this.worker.postMessage({ ...op, call })
    const deadline = performance.now() + this.timeoutMs
    for (;;) {
      const received = receiveMessageOnPort(this.replies)
      if (received !== undefined) {
        const reply = received.message as SyncReply
        if (reply.call === call) return reply
        continue // a reply to an earlier call that timed out
      }
      // A search takes a fraction of a millisecond: spin for a reply that close before sleeping, since
      // waking a thread from a futex costs about as much again on a VM (measured ~0.09 ms).
      const spinUntil = performance.now() + REPLY_SPIN_MS
      while (Atomics.load(this.ctrl, CTRL_REPLIES) === seen && performance.now() < spinUntil) {
        // spin
      }
      const left = deadline - performance.now()
      if (left <= 0) this.fail('index worker did not answer in time')
      Atomics.wait(this.ctrl, CTRL_REPLIES, seen, left)
      seen = Atomics.load(this.ctrl, CTRL_REPLIES)
    }
  }

  private fail(reason: string): never {
    this.abandon(reason)
    throw new IndexWorkerError(reason)
  }

  /**
   * Stops using the worker. Never terminate(): a thread stopped inside hnswlib-node's addPoint
   * aborts the process. The worker exits by itself at its next safe point (woken by a message if
   * idle); it is unref'd, so it never holds the process open meanwhile.
   */
  private abandon(reason: string): void {
    this.deadReason ??= reason
    Atomics.store(this.ctrl, CTRL_STOP, 1)
    this.worker.postMessage({ op: 'drain', call: 0, close: true })
  }

  /** Finishes queued work (snapshots included), closes the worker's connections; the worker exits. */
  close(): void {
    if (this.deadReason === null) {
      try {
        this.call({ op: 'drain', close: true })
      } catch {
        // abandoned by the failed call
      }
    }
    this.abandon('index worker closed')
  }

  /** Test hook: makes the worker die of an uncaught error. */
  crashForTest(): void {
    this.worker.postMessage({ op: 'crash' })
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

interface Batch {
  ticket: number
  labels: number[]
  removal: boolean
  /** Leading labels already pruned (an upsert the worker has partly inserted). */
  done: number
}

export interface WorkerIndexOptions {
  /** Unindexed upserts a collection may accumulate before writes wait for the worker. */
  maxLag: number
}

/** A collection whose graph lives in the worker, plus the main thread's unconfirmed tail. */
export class WorkerIndex implements IndexHandle {
  readonly inWorker = true
  private readonly key: number
  // Latest unconfirmed vector (normalised for cosine, as the worker stores it) and removal of each
  // label, with the ticket of the operation that carries it.
  private readonly tailVectors = new Map<number, { ticket: number; vector: Float32Array }>()
  private readonly tailRemovals = new Map<number, number>()
  private readonly batches: Batch[] = []
  private batchHead = 0

  constructor(
    private readonly host: IndexWorker,
    open: { dbFile: string; cid: number; collectionId: string; dir: string | null; seq: number },
    private readonly dim: number,
    params: HnswParams,
    private readonly options: WorkerIndexOptions
  ) {
    this.space = params.space
    this.key = host.newKey()
    host.post({ op: 'open', key: this.key, dim, params, ...open })
  }

  private readonly space: Space

  /** Unconfirmed upserts (for tests and diagnostics). */
  get lag(): number {
    const applied = this.host.applied()
    this.prune(applied, this.host.progress())
    return this.tailVectors.size
  }

  apply(removes: number[], upserts: Map<number, Float32Array>, seq: number): void {
    if (removes.length > 0) {
      const ticket = this.host.post({ op: 'remove', key: this.key, labels: Uint32Array.from(removes), seq })
      for (const label of removes) {
        this.tailVectors.delete(label)
        this.tailRemovals.set(label, ticket)
      }
      this.batches.push({ ticket, labels: removes, removal: true, done: 0 })
    }
    if (upserts.size > 0) {
      const labels = new Uint32Array(upserts.size)
      const flat = new Float32Array(upserts.size * this.dim)
      let i = 0
      for (const [label, vector] of upserts) {
        labels[i] = label
        flat.set(vector, i * this.dim)
        i++
      }
      const ticket = this.host.post({ op: 'upsert', key: this.key, labels, vectors: flat, seq }, [
        labels.buffer as ArrayBuffer,
        flat.buffer as ArrayBuffer
      ])
      for (const [label, vector] of upserts) {
        this.tailVectors.set(label, {
          ticket,
          vector: this.space === 'cosine' ? normalizedLikeHnswlib(vector) : vector
        })
      }
      this.batches.push({ ticket, labels: [...upserts.keys()], removal: false, done: 0 })
    }
    // Bounded lag: the tail costs every query an exact scan and holds vectors twice.
    let applied = this.host.applied()
    this.prune(applied, this.host.progress())
    while (this.tailVectors.size > this.options.maxLag) {
      applied = this.host.waitApplied(applied)
      this.prune(applied, this.host.progress())
    }
  }

  /** Drops tail entries the worker has confirmed: operations up to `applied`, and the first
   * `progress` labels of the upsert right after it. */
  private prune(applied: number, progress: number): void {
    while (this.batchHead < this.batches.length) {
      const batch = this.batches[this.batchHead] as Batch
      if (batch.ticket > applied) break
      for (const label of batch.labels.slice(batch.done)) {
        if (batch.removal) {
          if (this.tailRemovals.get(label) === batch.ticket) this.tailRemovals.delete(label)
        } else if (this.tailVectors.get(label)?.ticket === batch.ticket) {
          this.tailVectors.delete(label)
        }
      }
      this.batchHead++
    }
    const next = this.batches[this.batchHead]
    if (next !== undefined && next.ticket === applied + 1 && !next.removal && progress > next.done) {
      const upTo = Math.min(progress, next.labels.length)
      for (let i = next.done; i < upTo; i++) {
        const label = next.labels[i] as number
        if (this.tailVectors.get(label)?.ticket === next.ticket) this.tailVectors.delete(label)
      }
      next.done = upTo
    }
    if (this.batchHead > 64 && this.batchHead * 2 > this.batches.length) {
      this.batches.splice(0, this.batchHead)
      this.batchHead = 0
    }
  }

  search(query: Float32Array, k: number, allowed?: ReadonlySet<number>): SearchHit[] {
    const allowedLabels = allowed === undefined ? null : Uint32Array.from(allowed)
    // Labels changed since the graph saw them come back as stale hits: leave room for some at once.
    let kk = this.tailVectors.size + this.tailRemovals.size > 0 ? 2 * k : k
    let hits: SearchHit[]
    for (let attempt = 0; ; attempt++) {
      const reply = this.host.call({ op: 'search', key: this.key, query, k: kk, allowed: allowedLabels })
      if (!reply.ok) throw new IndexWorkerError(reply.error ?? 'index worker search failed')
      // The graph reflects at least every operation up to reply.applied (maybe part of the next).
      this.prune(reply.applied, reply.progress)
      const labels = reply.labels as Float64Array
      const distances = reply.distances as Float64Array
      hits = []
      let stale = 0
      for (let i = 0; i < labels.length; i++) {
        const label = labels[i] as number
        // Changed since the graph saw it: the tail has its current vector, or it is gone.
        if (this.tailVectors.has(label) || this.tailRemovals.has(label)) stale++
        else hits.push({ label, distance: distances[i] as number })
      }
      // Stale hits took places among the k nearest: ask for more until k current ones (or all).
      if (stale === 0 || labels.length < kk || hits.length >= k || attempt >= 4) break
      kk += Math.max(stale, k)
    }
    if (this.tailVectors.size > 0) {
      const prepared = this.space === 'cosine' ? normalized(query) : Float64Array.from(query)
      for (const [label, entry] of this.tailVectors) {
        if (allowed !== undefined && !allowed.has(label)) continue
        hits.push({ label, distance: distanceAt(this.space, prepared, entry.vector, 0, this.dim) })
      }
    }
    hits.sort((a, b) => a.distance - b.distance || a.label - b.label)
    if (hits.length > k) hits.length = k
    return hits
  }

  setEfSearch(ef: number): void {
    this.host.post({ op: 'ef', key: this.key, ef })
  }

  snapshot(dir: string, collectionId: string): void {
    this.host.post({ op: 'snapshot', key: this.key, dir, collectionId })
  }

  release(dir: string | null, collectionId: string | null): void {
    if (this.host.dead !== null) return
    try {
      this.host.post({ op: 'drop', key: this.key, dir, collectionId })
    } catch {
      // a dead worker has nothing left to drop
    }
  }
}
