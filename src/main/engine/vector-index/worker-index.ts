// Write-behind indexing (decision 0015): a collection's HNSW graph lives in a worker thread, which
// inserts committed writes while the main thread goes on serving requests. The main thread keeps
// every change the worker has not confirmed yet (the "tail") and answers a query as the worker's
// HNSW hits over what it has applied, minus labels changed since, merged with an exact scan of the
// tail, so a query sees every acknowledged write. Searches are synchronous calls (Atomics.wait on a
// shared counter, reply read with receiveMessageOnPort), so the database API stays synchronous; no
// such wait lasts longer than INDEX_WAIT_MS (decision 0050): a worker that has not answered by then
// is "busy", and the database answers from SQLite instead.
//
// Where the worker script comes from: index-worker.js/.mjs next to this module (a bundle must emit
// src/main/engine/vector-index/index-worker.ts as its own entry there), or index-worker.ts started
// through tsx's loader (sources under vitest/tsx). Without either, indexes stay on the main thread.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads'
import { findWorkerScript, startWorker, type WorkerEntry } from '../worker-entry.js'
import { distanceAt, preparedQuery, storedVector } from './distance.js'
import { writeSnapshot } from './snapshot.js'
import type { HnswParams, SearchHit, Space } from './types.js'
import type { VectorIndex } from './vector-index.js'
import {
  CTRL_APPLIED,
  CTRL_BEAT,
  CTRL_PROGRESS,
  CTRL_REPLIES,
  CTRL_SLOTS,
  CTRL_STOP,
  type ImmediateOp,
  type OrderedOp,
  type SyncReply,
  type WorkerReply
} from './worker-protocol.js'
import { inspectRange, type InspectReply } from './maintenance.js'
import { ReplySpin } from './reply-spin.js'

/** What the database needs from a loaded collection index, wherever its graph lives. */
export interface IndexHandle {
  readonly inWorker: boolean
  /** `deadline` (performance.now() time) bounds any wait on the index worker. */
  search(query: Float32Array, k: number, allowed?: ReadonlySet<number>, deadline?: number): SearchHit[]
  /** Applies one committed call: removals first, then upserts (insert or replace). */
  apply(removes: number[], upserts: Map<number, Float32Array>, seq: number): void
  setEfSearch(ef: number): void
  /**
   * Compares SQLite's live rows with labels in (lo, hi] (`labels` ascending, `vectors` as stored) with
   * the index. Called in the same tick as the rows were read, so both describe the same moment.
   */
  inspect(lo: number, hi: number, labels: Uint32Array, vectors: Float32Array): Promise<InspectReply>
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

  async inspect(lo: number, hi: number, labels: Uint32Array, vectors: Float32Array): Promise<InspectReply> {
    return inspectRange(this.index, lo, hi, labels, vectors)
  }

  release(): void {}
}

/**
 * The longest any main-thread wait on the index worker lasts (decision 0050). A healthy worker answers
 * a search within a few milliseconds (it yields to searches after every millisecond of insertion);
 * what takes longer is one long operation (opening a collection: snapshot load or rebuild; writing a
 * snapshot), seconds for large collections. Those are not waited out: a query is answered by an exact
 * scan of SQLite, a write goes ahead or is refused as busy, a snapshot is left to finish on its own.
 */
export const INDEX_WAIT_MS = 250

/** How often the asynchronous waits (whenApplied, whenAnswered) look at the worker again. */
const POLL_MS = 2

/** The worker failed or stopped making progress; the caller falls back to an inline index. */
export class IndexWorkerError extends Error {}

/** The worker did not answer within INDEX_WAIT_MS, or has not answered an earlier call yet. It is
 * still working (nothing is lost); the caller answers another way. */
export class IndexWorkerBusy extends Error {}

/** Ordered operations posted and not yet applied, and what they carry (decision 0050). */
export interface Backlog {
  ops: number
  /** Labels of upserts and removals. */
  labels: number
  /** Vector bytes of upserts. */
  bytes: number
}

interface PendingOp {
  ticket: number
  labels: number
  bytes: number
}

const NO_WEIGHT = { labels: 0, bytes: 0 }

export type IndexWorkerEntry = WorkerEntry

const moduleDir = path.dirname(fileURLToPath(import.meta.url))

/** index-worker.js/.mjs beside this module (bundled), or index-worker.ts through tsx (sources). */
export function findIndexWorkerEntry(explicit?: string): IndexWorkerEntry | null {
  return findWorkerScript(moduleDir, 'index-worker', explicit)
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** One worker per database: owns the graphs of its loaded collections. */
export class IndexWorker {
  private readonly worker: Worker
  private readonly ctrl: Int32Array
  private readonly replies: MessagePort
  private readonly spin = new ReplySpin()
  private nextTicket = 1
  private nextCall = 1
  private nextKey = 1
  private deadReason: string | null = null
  private exited = false
  private readonly exit: Promise<void>
  // The backlog: operations posted and not yet applied, oldest first (from pendingHead).
  private readonly pending: PendingOp[] = []
  private pendingHead = 0
  private pendingLabels = 0
  private pendingBytes = 0
  /** A call the worker has not answered yet; no other call is made (or waited for) until it is. */
  private unanswered: number | null = null
  // Liveness: the shared counters as last seen, and when one of them last moved.
  private seenApplied = 0
  private seenProgress = 0
  private seenReplies = 0
  private seenBeat = 0
  private lastMoved = performance.now()
  // Maintenance requests (inspect, rebuild) awaiting their reply on the parent port.
  private nextRequest = 1
  private readonly requests = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (done: number, total: number) => void }
  >()

  /**
   * `livenessMs`: how long the worker may hold work or an unanswered call without moving before it is
   * given up (nothing ever waits that long; it is checked whenever a caller finds the worker busy).
   */
  constructor(
    entry: IndexWorkerEntry,
    private readonly livenessMs: number,
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
      this.failRequests(reason)
      onDeath(reason)
    }
    this.worker.on('message', (message: WorkerReply) => this.onReply(message))
    this.worker.on('error', (err) => die(`index worker failed: ${err.message}`))
    this.exit = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        this.exited = true
        die(`index worker exited (code ${code})`)
        resolve()
      })
    })
  }

  get dead(): string | null {
    return this.deadReason
  }

  /** The thread has ended (a given-up worker ends by itself at its next safe point). */
  get hasExited(): boolean {
    return this.exited
  }

  newKey(): number {
    return this.nextKey++
  }

  /** Queues an ordered operation carrying `weight` (for the backlog); returns its ticket. */
  post(
    op: DistributiveOmit<OrderedOp, 'ticket'>,
    weight: { labels: number; bytes: number } = NO_WEIGHT,
    transfer?: ArrayBuffer[]
  ): number {
    if (this.deadReason !== null) throw new IndexWorkerError(this.deadReason)
    this.observe()
    if (!this.hasWork()) this.lastMoved = performance.now() // idle until now: the liveness clock starts
    const ticket = this.nextTicket++
    this.worker.postMessage({ ...op, ticket }, transfer ?? [])
    this.pending.push({ ticket, labels: weight.labels, bytes: weight.bytes })
    this.pendingLabels += weight.labels
    this.pendingBytes += weight.bytes
    return ticket
  }

  /**
   * Posts a maintenance operation (inspect, rebuild) and resolves with the worker's reply; it runs in
   * queue order, after every operation posted before it. `onRequest` gets the request's number (to
   * cancel it) before anything is posted.
   */
  request<T>(
    op: DistributiveOmit<Extract<OrderedOp, { op: 'inspect' | 'rebuild' }>, 'ticket' | 'request'>,
    options: {
      transfer?: ArrayBuffer[]
      onProgress?: (done: number, total: number) => void
      onRequest?: (request: number) => void
    } = {}
  ): Promise<T> {
    const request = this.nextRequest++
    options.onRequest?.(request)
    return new Promise<T>((resolve, reject) => {
      this.requests.set(request, {
        resolve: resolve as (v: unknown) => void,
        reject,
        ...(options.onProgress ? { onProgress: options.onProgress } : {})
      })
      try {
        this.post({ ...op, request } as DistributiveOmit<OrderedOp, 'ticket'>, NO_WEIGHT, options.transfer)
      } catch (e) {
        this.requests.delete(request)
        reject(e as Error)
      }
    })
  }

  /** Asks the worker to stop a rebuild request at its next slice (it then replies `cancelled`). */
  cancel(request: number): void {
    if (this.deadReason === null) this.worker.postMessage({ op: 'cancel', request })
  }

  private onReply(message: WorkerReply): void {
    const pending = this.requests.get(message.request)
    if (!pending) return
    if (message.type === 'progress') {
      pending.onProgress?.(message.done, message.total)
      return
    }
    this.requests.delete(message.request)
    if (message.ok) pending.resolve(message.value)
    else pending.reject(new IndexWorkerError(message.error))
  }

  private failRequests(reason: string): void {
    for (const pending of this.requests.values()) pending.reject(new IndexWorkerError(reason))
    this.requests.clear()
  }

  /** Ticket of the last operation posted. */
  get lastTicket(): number {
    return this.nextTicket - 1
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

  /** Operations posted and not yet applied, with their labels and vector bytes. */
  backlog(): Backlog {
    const applied = this.observe()
    return { ops: this.lastTicket - applied, labels: this.pendingLabels, bytes: this.pendingBytes }
  }

  /** The worker has answered every call made so far (a search may be sent). */
  get answering(): boolean {
    this.takeReply()
    return this.unanswered === null
  }

  /** Reads the shared counters: notes movement (liveness) and forgets applied operations. */
  private observe(): number {
    const applied = this.applied()
    const progress = this.progress()
    const replies = Atomics.load(this.ctrl, CTRL_REPLIES)
    const beat = Atomics.load(this.ctrl, CTRL_BEAT)
    if (
      applied !== this.seenApplied ||
      progress !== this.seenProgress ||
      replies !== this.seenReplies ||
      beat !== this.seenBeat
    ) {
      this.seenApplied = applied
      this.seenProgress = progress
      this.seenReplies = replies
      this.seenBeat = beat
      this.lastMoved = performance.now()
    }
    while (this.pendingHead < this.pending.length) {
      const op = this.pending[this.pendingHead] as PendingOp
      if (op.ticket > applied) break
      this.pendingLabels -= op.labels
      this.pendingBytes -= op.bytes
      this.pendingHead++
    }
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead)
      this.pendingHead = 0
    }
    return applied
  }

  private hasWork(): boolean {
    return this.lastTicket > this.applied() || this.unanswered !== null
  }

  /**
   * Throws IndexWorkerError (and gives the worker up) when it is dead, or has held work or an
   * unanswered call without moving for the liveness limit.
   */
  checkAlive(): void {
    if (this.deadReason !== null) throw new IndexWorkerError(this.deadReason)
    this.takeReply()
    this.observe()
    if (this.hasWork() && performance.now() - this.lastMoved > this.livenessMs) {
      this.fail(`index worker made no progress for ${this.livenessMs} ms`)
    }
  }

  /**
   * Waits until the applied ticket moves past `seen`, at most until `deadline` and never longer
   * than INDEX_WAIT_MS; returns the applied ticket.
   */
  waitApplied(seen: number, deadline: number): number {
    if (this.deadReason !== null) throw new IndexWorkerError(this.deadReason)
    const ms = Math.min(deadline - performance.now(), INDEX_WAIT_MS)
    if (ms > 0) Atomics.wait(this.ctrl, CTRL_APPLIED, seen, ms)
    return this.observe()
  }

  /** Resolves once the worker has applied operation `ticket` (default: all posted so far). Never
   * blocks the thread; throws IndexWorkerError if the worker dies or stops moving meanwhile. */
  async whenApplied(ticket = this.lastTicket): Promise<void> {
    for (;;) {
      this.checkAlive()
      if (this.observe() >= ticket) return
      await sleep(POLL_MS)
    }
  }

  /**
   * Resolves once the thread has ended, or after the liveness limit. Keeps the process alive until
   * then: a process that exits while the thread is inside hnswlib's addPoint aborts (decision 0015),
   * so whoever ends the process after close() awaits this first.
   */
  async whenExited(): Promise<void> {
    if (this.exited) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.exit, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.livenessMs)))])
    clearTimeout(timer)
  }

  /** Resolves once the worker has answered every call made so far (same failure rule). */
  async whenAnswered(): Promise<void> {
    for (;;) {
      this.checkAlive()
      if (this.unanswered === null) return
      await sleep(POLL_MS)
    }
  }

  /**
   * A synchronous round trip for a search, waiting at most until `deadline` and never longer than
   * INDEX_WAIT_MS. Throws IndexWorkerBusy when no answer came in time, or when an earlier call is
   * still unanswered (the worker handles messages in order, so this one would wait behind it).
   */
  call(op: DistributiveOmit<Extract<ImmediateOp, { op: 'search' }>, 'call'>, deadline: number): SyncReply {
    this.checkAlive()
    if (this.unanswered !== null) throw new IndexWorkerBusy('the index worker has not answered an earlier call yet')
    if (!this.hasWork()) this.lastMoved = performance.now()
    const call = this.nextCall++
    let seen = Atomics.load(this.ctrl, CTRL_REPLIES)
    this.unanswered = call
    this.worker.postMessage({ ...op, call })
    const end = Math.min(deadline, performance.now() + INDEX_WAIT_MS)
    let spinning = true // once per call
    for (;;) {
      const reply = this.takeReply()
      if (reply !== undefined) return reply
      // A search takes a fraction of a millisecond: spin for a reply that close before sleeping, while
      // spinning pays (reply-spin.ts).
      const budget = spinning ? this.spin.budget() : 0
      spinning = false
      if (budget > 0) {
        const spinUntil = Math.min(end, performance.now() + budget)
        while (Atomics.load(this.ctrl, CTRL_REPLIES) === seen && performance.now() < spinUntil) {
          // spin
        }
        this.spin.record(Atomics.load(this.ctrl, CTRL_REPLIES) !== seen)
      }
      const left = end - performance.now()
      if (left <= 0) {
        if (Atomics.load(this.ctrl, CTRL_REPLIES) !== seen) continue // arrived at the last moment
        throw new IndexWorkerBusy(`the index worker did not answer within ${INDEX_WAIT_MS} ms`)
      }
      Atomics.wait(this.ctrl, CTRL_REPLIES, seen, left)
      seen = Atomics.load(this.ctrl, CTRL_REPLIES)
    }
  }

  /** Reads the replies that arrived; returns the answer to the unanswered call if it is among them. */
  private takeReply(): SyncReply | undefined {
    let answer: SyncReply | undefined
    for (;;) {
      const received = receiveMessageOnPort(this.replies)
      if (received === undefined) return answer
      const reply = received.message as SyncReply
      if (reply.call === this.unanswered) {
        this.unanswered = null
        answer = reply
      }
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
    this.failRequests(reason)
    Atomics.store(this.ctrl, CTRL_STOP, 1)
    this.worker.postMessage({ op: 'stop' })
  }

  /**
   * Lets the worker apply what is queued (snapshots included) for at most INDEX_WAIT_MS, then stops
   * it; it exits at its next safe point. What it had not done by then is skipped: snapshots are a
   * cache, the next open replays SQLite. Callers that can wait without blocking use whenApplied first.
   */
  close(): void {
    if (this.deadReason === null) {
      const deadline = performance.now() + INDEX_WAIT_MS
      let applied = this.observe()
      while (applied < this.lastTicket && performance.now() < deadline) applied = this.waitApplied(applied, deadline)
    }
    this.abandon('index worker closed')
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

interface Batch {
  ticket: number
  labels: number[]
  removal: boolean
  /** Leading labels already pruned (an upsert the worker has partly inserted). */
  done: number
  /** The collection's sequence number of the write it carries. */
  seq: number
}

/** The unconfirmed tail of one collection, in entries (for diagnostics and tests). */
export interface TailSizes {
  upserts: number
  removals: number
  /** Operations (batches) not yet confirmed. */
  batches: number
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
  private readonly openTicket: number

  constructor(
    private readonly host: IndexWorker,
    open: { dbFile: string; cid: number; collectionId: string; dir: string | null; seq: number },
    private readonly dim: number,
    params: HnswParams
  ) {
    this.space = params.space
    this.efSearch = params.efSearch
    this.key = host.newKey()
    this.openTicket = host.post({ op: 'open', key: this.key, dim, params, ...open })
  }

  /**
   * The sequence number of the oldest write whose vectors the worker has not confirmed; null when it
   * has confirmed every write posted to it, 'opening' while it still loads the snapshot and replays.
   */
  oldestUnconfirmedSeq(): number | null | 'opening' {
    const applied = this.host.applied()
    if (applied < this.openTicket) return 'opening'
    this.prune(applied, this.host.progress())
    return this.batches[this.batchHead]?.seq ?? null
  }

  private readonly space: Space
  /** The collection's ef_search, sent with each search: the ordered 'ef' op may wait behind a backlog. */
  private efSearch: number

  /** Unconfirmed upserts: what every query scans exactly (the database caps it, decision 0015). */
  get lag(): number {
    this.prune(this.host.applied(), this.host.progress())
    return this.tailVectors.size
  }

  tailSizes(): TailSizes {
    this.prune(this.host.applied(), this.host.progress())
    return {
      upserts: this.tailVectors.size,
      removals: this.tailRemovals.size,
      batches: this.batches.length - this.batchHead
    }
  }

  apply(removes: number[], upserts: Map<number, Float32Array>, seq: number): void {
    if (removes.length > 0) {
      const ticket = this.host.post(
        { op: 'remove', key: this.key, labels: Uint32Array.from(removes), seq },
        { labels: removes.length, bytes: 0 }
      )
      for (const label of removes) {
        this.tailVectors.delete(label)
        this.tailRemovals.set(label, ticket)
      }
      this.batches.push({ ticket, labels: removes, removal: true, done: 0, seq })
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
      const ticket = this.host.post(
        { op: 'upsert', key: this.key, labels, vectors: flat, seq },
        { labels: labels.length, bytes: flat.byteLength },
        [labels.buffer as ArrayBuffer, flat.buffer as ArrayBuffer]
      )
      for (const [label, vector] of upserts) {
        this.tailVectors.set(label, {
          ticket,
          vector: storedVector(this.space, vector)
        })
      }
      this.batches.push({ ticket, labels: [...upserts.keys()], removal: false, done: 0, seq })
    }
    // The tail is bounded before the write, not here (the database's admission, decision 0050): the
    // write is committed, so nothing may fail or wait now.
    this.prune(this.host.applied(), this.host.progress())
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

  /** Throws IndexWorkerBusy when the worker cannot answer by `deadline` (the caller scans SQLite). */
  search(query: Float32Array, k: number, allowed?: ReadonlySet<number>, deadline = Infinity): SearchHit[] {
    const allowedLabels = allowed === undefined ? null : Uint32Array.from(allowed)
    // Labels changed since the graph saw them come back as stale hits: leave room for some at once.
    let kk = this.tailVectors.size + this.tailRemovals.size > 0 ? 2 * k : k
    let hits: SearchHit[]
    for (let attempt = 0; ; attempt++) {
      const reply = this.host.call(
        { op: 'search', key: this.key, query, k: kk, allowed: allowedLabels, ef: this.efSearch },
        deadline
      )
      if (!reply.ok) {
        if (reply.busy === true) throw new IndexWorkerBusy(reply.error ?? 'the index worker is busy')
        throw new IndexWorkerError(reply.error ?? 'index worker search failed')
      }
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
      const prepared = preparedQuery(this.space, query)
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
    this.efSearch = ef
    this.host.post({ op: 'ef', key: this.key, ef })
  }

  inspect(lo: number, hi: number, labels: Uint32Array, vectors: Float32Array): Promise<InspectReply> {
    return this.host.request<InspectReply>(
      { op: 'inspect', key: this.key, lo, hi, labels, vectors },
      { transfer: [labels.buffer as ArrayBuffer, vectors.buffer as ArrayBuffer] }
    )
  }

  /**
   * Rebuilds the graph in the worker from SQLite as of `seq`, a slice at a time (searches are answered
   * by the old graph meanwhile), and swaps it in; `signal` stops it at the next slice, keeping the old.
   */
  async rebuild(
    build: { dbFile: string; cid: number; seq: number; total: number; params: HnswParams },
    signal?: AbortSignal,
    onProgress?: (done: number, total: number) => void
  ): Promise<{ cancelled: boolean; records: number }> {
    let request = 0
    const cancel = (): void => this.host.cancel(request)
    try {
      const reply = this.host.request<{ cancelled: boolean; records: number }>(
        { op: 'rebuild', key: this.key, dim: this.dim, ...build },
        { ...(onProgress ? { onProgress } : {}), onRequest: (r) => (request = r) }
      )
      signal?.addEventListener('abort', cancel, { once: true })
      if (signal?.aborted) cancel()
      return await reply
    } finally {
      signal?.removeEventListener('abort', cancel)
    }
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
