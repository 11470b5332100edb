// Runs a layout in the layout worker (layout-worker.ts, found as engine/worker-entry.ts describes), so
// neither the app's main thread nor the renderer computes it. Cancel terminates the worker: it stops
// within milliseconds, whatever step it is in.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { findWorkerScript, startWorker } from '../engine/worker-entry.js'
import type { RowSource } from './read-rows.js'

export type LayoutTask = (
  | { vectors: Float32Array; n: number; dim: number }
  /** The worker reads the rows from the database file itself (read-rows.ts) and posts their ids. */
  | { rows: RowSource }
) & {
  space: 'l2' | 'cosine' | 'ip'
  /** False: the PCA layout only. */
  umap: boolean
}

export type LayoutMessage =
  | { type: 'rows'; ids: string[]; total: number }
  | { type: 'pca' | 'umap'; coords: Float32Array }
  | { type: 'progress'; phase: 'reading' | 'neighbours' | 'umap'; done: number; total: number }
  | { type: 'done' }
  | { type: 'error'; message: string }

export interface LayoutCallbacks {
  signal: AbortSignal
  /** The rows the worker read (a task with `rows`), before any layout. */
  onRows?(ids: string[], total: number): void
  onLayout(stage: 'pca' | 'umap', coords: Float32Array): void
  onProgress(phase: 'reading' | 'neighbours' | 'umap', done: number, total: number): void
}

const moduleDir = path.dirname(fileURLToPath(import.meta.url))

export async function runLayout(task: LayoutTask, cb: LayoutCallbacks): Promise<void> {
  const entry = findWorkerScript(moduleDir, 'layout-worker')
  if (entry === null) throw new Error('The map layout worker is missing from this build')
  cb.signal.throwIfAborted()
  // The vectors move to the worker (transferred, not copied).
  const worker = startWorker(entry, {
    workerData: task,
    transferList: 'vectors' in task ? [task.vectors.buffer as ArrayBuffer] : []
  })
  try {
    await new Promise<void>((resolve, reject) => {
      const abort = (): void => reject(new Error('Map layout cancelled'))
      cb.signal.addEventListener('abort', abort, { once: true })
      worker.on('message', (m: LayoutMessage) => {
        if (m.type === 'rows') cb.onRows?.(m.ids, m.total)
        else if (m.type === 'pca' || m.type === 'umap') cb.onLayout(m.type, m.coords)
        else if (m.type === 'progress') cb.onProgress(m.phase, m.done, m.total)
        else if (m.type === 'done') resolve()
        else if (m.type === 'error') reject(new Error(`Map layout failed: ${m.message}`))
      })
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`Map layout worker exited (code ${code})`)))
    })
  } finally {
    await worker.terminate()
  }
}
