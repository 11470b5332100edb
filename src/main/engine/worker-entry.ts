// Where a worker thread's script comes from, for the engine's two workers (embedding, index):
//   1. an explicit path;
//   2. `<name>.js` (or .mjs) beside the calling module: the bundled app, whose bundler emits the worker
//      as its own entry there (electron-vite: build.rollupOptions.input of the main build);
//   3. `<name>.ts` beside it, started through tsx's loader: sources under vitest/tsx;
//   4. none: the caller does the work on its own thread.
// Paths are built with path.join rather than `new URL(..., import.meta.url)` so no bundler rewrites them.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

export type WorkerEntry = { kind: 'js'; file: string } | { kind: 'ts'; file: string; tsxApi: string }

function tsxApiUrl(): string | null {
  try {
    // The ESM build of tsx's API: the CommonJS one cannot register loader hooks from a worker.
    if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api')
  } catch {
    // fall through to require-based resolution
  }
  try {
    const esm = createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs')
    return existsSync(esm) ? pathToFileURL(esm).href : null
  } catch {
    return null
  }
}

/** The first usable script among `explicit`, or `<dir>/<name>.js|.mjs|.ts`. */
export function findWorkerScript(dir: string, name: string, explicit?: string): WorkerEntry | null {
  const candidates =
    explicit !== undefined ? [path.resolve(explicit)] : ['.js', '.mjs', '.ts'].map((ext) => path.join(dir, name + ext))
  for (const file of candidates) {
    if (!existsSync(file)) continue
    if (!file.endsWith('.ts')) return { kind: 'js', file }
    const tsxApi = tsxApiUrl()
    if (tsxApi !== null) return { kind: 'ts', file, tsxApi }
  }
  return null
}

/** Starts the worker; a .ts entry registers tsx's loader inside the worker first. */
export function startWorker(entry: WorkerEntry, options: WorkerOptions = {}): Worker {
  if (entry.kind === 'js') return new Worker(entry.file, options)
  const bootstrap =
    `import(${JSON.stringify(entry.tsxApi)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(pathToFileURL(entry.file).href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
