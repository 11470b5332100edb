// One loaded model per distinct settings per thread, shared by every embedding function that asks for
// it (core may build a function per collection handle; each must not load its own copy of the model).
import { EmbeddingRunner } from './runner.js'
import type { ModelLoadProgress, ModelSettings } from './types.js'

interface PoolEntry {
  runner: Promise<EmbeddingRunner>
  refs: number
  listeners: Set<(event: ModelLoadProgress) => void>
}

const pool = new Map<string, PoolEntry>()

export interface RunnerLease {
  readonly runner: Promise<EmbeddingRunner>
  /** Drops this user's claim; the model is freed when nobody holds it. Idempotent. */
  release(): void
}

export function settingsKey(settings: ModelSettings): string {
  return JSON.stringify([
    settings.model,
    settings.revision,
    settings.quantized,
    settings.maxTokens,
    settings.cacheDir,
    settings.allowRemote
  ])
}

/** Load events reach every user waiting on the load, not only the one that started it. */
export function acquireRunner(settings: ModelSettings, onProgress?: (event: ModelLoadProgress) => void): RunnerLease {
  const key = settingsKey(settings)
  let entry = pool.get(key)
  if (entry === undefined) {
    const listeners = new Set<(event: ModelLoadProgress) => void>()
    const created: PoolEntry = {
      runner: EmbeddingRunner.load(settings, (event) => {
        for (const listener of listeners) listener(event)
      }),
      refs: 0,
      listeners
    }
    // A failed load is not kept: the next request tries again (e.g. after the model folder was fixed).
    created.runner.then(
      () => created.listeners.clear(),
      () => {
        if (pool.get(key) === created) pool.delete(key)
      }
    )
    pool.set(key, created)
    entry = created
  }
  const held = entry
  held.refs++
  if (onProgress !== undefined) held.listeners.add(onProgress)
  let released = false
  return {
    runner: held.runner,
    release() {
      if (released) return
      released = true
      if (onProgress !== undefined) held.listeners.delete(onProgress)
      held.refs--
      if (held.refs === 0 && pool.get(key) === held) {
        pool.delete(key)
        held.runner.then((runner) => runner.dispose()).catch(() => undefined)
      }
    }
  }
}
