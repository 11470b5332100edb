// The main-thread side of the shared embedding worker.
//
// One worker per process, started on first use and kept for the life of the process (unref'd while
// idle, so it never holds the process open). Not one worker per embedding function: onnxruntime-node
// 1.14 (pinned by transformers.js 2.17) corrupts the heap when several workers load and unload its
// native binding over time (seen here as "free(): invalid pointer" a few runs in ten; upstream
// microsoft/onnxruntime#13086). A single long-lived worker never does that.
//
// The worker script is found as src/main/engine/worker-entry.ts describes (explicit path:
// TransformersEmbeddingOptions.workerScript); without one, the caller runs the model in its own thread.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Worker } from 'node:worker_threads'
import { findWorkerScript, startWorker, type WorkerEntry } from '../worker-entry.js'
import { fromWireError } from './errors.js'
import type { EmbedResult } from './runner.js'
import type { ModelLoadProgress, ModelSettings, PaddingStrategy } from './types.js'
import type { FromWorker, ToWorker } from './worker-protocol.js'

const moduleDir = path.dirname(fileURLToPath(import.meta.url))

export const DEFAULT_WORKER_SCRIPT = path.join(moduleDir, 'embedding-worker.js')

export function findWorkerEntry(explicit?: string): WorkerEntry | null {
  return findWorkerScript(moduleDir, 'embedding-worker', explicit)
}

interface PendingLoad {
  resolve: () => void
  reject: (error: Error) => void
  onProgress?: (event: ModelLoadProgress) => void
}

interface PendingJob {
  resolve: (result: EmbedResult) => void
  reject: (error: Error) => void
  onDone: (done: number) => void
}

export class EmbeddingHost {
  private readonly worker: Worker
  private readonly loads = new Map<number, PendingLoad>()
  private readonly jobs = new Map<number, PendingJob>()
  private nextId = 1
  private dead: Error | null = null

  constructor(
    entry: WorkerEntry,
    private readonly onDeath: () => void
  ) {
    this.worker = startWorker(entry)
    this.worker.unref()
    this.worker.on('message', (message: FromWorker) => this.receive(message))
    this.worker.on('error', (error) => this.die(error))
    this.worker.on('exit', (code) => this.die(new Error(`Embedding worker stopped (exit code ${code})`)))
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'load-progress':
        this.loads.get(message.handle)?.onProgress?.(message.event)
        return
      case 'loaded':
      case 'load-error': {
        const load = this.loads.get(message.handle)
        this.loads.delete(message.handle)
        this.updateRef()
        if (message.type === 'loaded') load?.resolve()
        else load?.reject(fromWireError(message.error))
        return
      }
      case 'embed-progress':
        this.jobs.get(message.id)?.onDone(message.done)
        return
      case 'result':
      case 'error': {
        const job = this.jobs.get(message.id)
        this.jobs.delete(message.id)
        this.updateRef()
        if (message.type === 'result') job?.resolve({ data: message.data, dimension: message.dimension })
        else job?.reject(fromWireError(message.error))
        return
      }
    }
  }

  private die(error: Error): void {
    if (this.dead !== null) return
    this.dead = error
    for (const load of this.loads.values()) load.reject(error)
    for (const job of this.jobs.values()) job.reject(error)
    this.loads.clear()
    this.jobs.clear()
    this.onDeath()
  }

  // Hold the process open only while a load or a job is outstanding.
  get alive(): boolean {
    return this.dead === null
  }

  private updateRef(): void {
    if (this.loads.size > 0 || this.jobs.size > 0) this.worker.ref()
    else this.worker.unref()
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message)
  }

  /** Loads (or shares) a model in the worker; resolves with a handle once it is ready. */
  load(
    settings: ModelSettings,
    onProgress?: (event: ModelLoadProgress) => void
  ): { handle: number; ready: Promise<void> } {
    const handle = this.nextId++
    if (this.dead !== null) return { handle, ready: Promise.reject(this.dead) }
    const ready = new Promise<void>((resolve, reject) => {
      this.loads.set(handle, { resolve, reject, onProgress })
    })
    this.updateRef()
    this.send({ type: 'load', handle, settings, reportProgress: onProgress !== undefined })
    return { handle, ready }
  }

  unload(handle: number): void {
    if (this.dead === null) this.send({ type: 'unload', handle })
  }

  embed(
    handle: number,
    texts: string[],
    padding: PaddingStrategy,
    batchSize: number,
    signal: AbortSignal | undefined,
    onDone: (done: number) => void
  ): Promise<EmbedResult> {
    if (this.dead !== null) return Promise.reject(this.dead)
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error)
    const id = this.nextId++
    const onAbort = () => {
      const job = this.jobs.get(id)
      if (!job || !this.jobs.delete(id)) return
      this.updateRef()
      this.send({ type: 'cancel', id })
      job.reject(signal?.reason as Error)
    }
    const pending = new Promise<EmbedResult>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, onDone })
      this.updateRef()
      this.send({ type: 'embed', id, handle, texts, padding, batchSize })
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    // A long-lived signal shared by many calls must not collect one listener per call.
    const detach = () => signal?.removeEventListener('abort', onAbort)
    pending.then(detach, detach)
    return pending
  }

  /** Stops the worker; pending work is rejected. For app shutdown only (see the note above). */
  async terminate(): Promise<void> {
    this.die(new Error('Embedding worker was shut down'))
    await this.worker.terminate()
  }
}

const hosts = new Map<string, EmbeddingHost>()

/** The process-wide host for a worker script (normally exactly one). */
export function embeddingHost(entry: WorkerEntry): EmbeddingHost {
  let host = hosts.get(entry.file)
  if (host === undefined) {
    const created: EmbeddingHost = new EmbeddingHost(entry, () => {
      if (hosts.get(entry.file) === created) hosts.delete(entry.file)
    })
    hosts.set(entry.file, created)
    host = created
  }
  return host
}

/** Stops every embedding worker, e.g. when the app quits. Later use starts a new one. */
export async function shutdownEmbeddingWorkers(): Promise<void> {
  const all = [...hosts.values()]
  hosts.clear()
  await Promise.all(all.map((host) => host.terminate()))
}
