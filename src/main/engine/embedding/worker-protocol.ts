// Messages between the main thread (embedding-host) and the shared embedding worker.
import type { WireError } from './errors.js'
import type { ModelLoadProgress, ModelSettings, PaddingStrategy } from './types.js'

export type ToWorker =
  | { type: 'load'; handle: number; settings: ModelSettings; reportProgress: boolean }
  | { type: 'unload'; handle: number }
  | { type: 'embed'; id: number; handle: number; texts: string[]; padding: PaddingStrategy; batchSize: number }
  | { type: 'cancel'; id: number }

export type FromWorker =
  | { type: 'load-progress'; handle: number; event: ModelLoadProgress }
  | { type: 'loaded'; handle: number }
  | { type: 'load-error'; handle: number; error: WireError }
  | { type: 'embed-progress'; id: number; done: number }
  | { type: 'result'; id: number; data: Float32Array; dimension: number }
  | { type: 'error'; id: number; error: WireError }
