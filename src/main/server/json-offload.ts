// Large JSON request bodies are parsed in a worker thread (decision 0111): decoding and parsing an add
// of 20 x 384 numbers (150 KB) holds the request thread for about 2 ms, receiving the parsed value
// from the worker about 0.25 ms, and queries arriving meanwhile are served in between.
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Worker } from 'node:worker_threads'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { findWorkerScript, startWorker } from '../engine/worker-entry.js'
import type { JsonOutcome } from './json-body.js'

/** Smaller bodies are parsed in place: handing them over would cost more than it saves. */
export const OFF_THREAD_BYTES = 64 * 1024

const moduleDir = dirname(fileURLToPath(import.meta.url))

interface Reply {
  id: number
  outcome: JsonOutcome
}

/** Requests the servers of this process are handling (trackRequests), each counted once. */
const inFlight = new Set<FastifyRequest>()

/** Counts a server's requests in flight: a large body goes to the worker only when others are waiting. */
export function trackRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    inFlight.add(req)
  })
  app.addHook('onResponse', async (req) => {
    inFlight.delete(req)
  })
  app.addHook('onRequestAbort', async (req) => {
    inFlight.delete(req)
  })
}

/**
 * A hijacked reply (the app's event stream, open for the page's life) never reaches onResponse and
 * waits for nothing: it must not count as a request in flight.
 */
export function untrackRequest(req: FastifyRequest): void {
  inFlight.delete(req)
}

/** How many requests are in flight now (what parseOffThread weighs). */
export function requestsInFlight(): number {
  return inFlight.size
}

/** undefined: not started yet; null: unavailable (no script, or it failed): parse in place. */
let worker: Worker | null | undefined
let nextId = 0
const pending = new Map<number, { resolve: (o: JsonOutcome) => void; reject: (e: Error) => void }>()

function parser(): Worker | null {
  if (worker !== undefined) return worker
  const entry = findWorkerScript(moduleDir, 'json-worker')
  if (entry === null) return (worker = null)
  const w = startWorker(entry)
  w.unref() // never holds the process open
  w.on('message', (reply: Reply) => {
    const p = pending.get(reply.id)
    pending.delete(reply.id)
    p?.resolve(reply.outcome)
  })
  const fail = (reason: string): void => {
    if (worker !== w) return // stopped on purpose
    worker = null
    rejectPending(reason)
  }
  w.on('error', (e) => fail(e.message))
  w.on('exit', () => fail('the JSON worker exited'))
  return (worker = w)
}

function rejectPending(reason: string): void {
  for (const p of pending.values()) p.reject(new Error(reason))
  pending.clear()
}

/**
 * Stops the worker (when a server closes; a thread started through tsx's loader would otherwise keep
 * the process alive). Bodies in flight are parsed in place; the next large one starts a new worker.
 */
export function stopJsonWorker(): void {
  const w = worker
  if (w === undefined || w === null) return
  worker = undefined
  rejectPending('the JSON worker was stopped')
  void w.terminate()
}

/**
 * The body parsed by the worker, or null when it is small, no other request is in flight, or no
 * worker is available. A rejected
 * promise (the worker failed) means: parse it in place.
 */
export function parseOffThread(raw: Buffer, othersWaiting = inFlight.size > 1): Promise<JsonOutcome> | null {
  // Alone, the request would only wait longer for the hand-over (a client adding batch after batch).
  if (raw.length < OFF_THREAD_BYTES || !othersWaiting) return null
  const w = parser()
  if (w === null) return null
  const id = nextId++
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    // A view of a larger pooled buffer would be cloned whole: send just its bytes.
    const bytes = raw.byteLength === raw.buffer.byteLength ? raw : new Uint8Array(raw)
    w.postMessage({ id, bytes })
  })
}
