// Local transformer embeddings (transformers.js + onnxruntime-node), run off the main thread in the
// shared embedding worker (see embedding-host.ts for how it is found and why there is only one).
// When no worker script is available, or with execution: 'inline', the model runs in this thread:
// same results, but the thread is busy while embedding. `execution` tells which mode was chosen.
import os from 'node:os'
import path from 'node:path'
import { DEFAULT_WORKER_SCRIPT, embeddingHost, findWorkerEntry } from './embedding-host.js'
import { EmbeddingModelNotAllowedError } from './errors.js'
import {
  checkRevision,
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODEL,
  DEFAULT_REVISION,
  modelReference,
  parseModelRef,
  type ModelTrust
} from './model-ref.js'
import { checkModelAvailable, resolveModelSource, type ModelSource } from './model-source.js'
import type { EmbedResult } from './runner.js'
import type {
  EmbeddingFunction,
  EmbeddingProgressEvent,
  EmbedProgress,
  ModelLoadProgress,
  ModelSettings,
  PaddingStrategy
} from './types.js'

export { DEFAULT_MAX_TOKENS, DEFAULT_MODEL }
export const DEFAULT_BATCH_SIZE = 32

export type ExecutionMode = 'auto' | 'worker' | 'inline'

export interface TransformersEmbeddingOptions {
  /** Hub id (`organization/name`) or local folder path (absolute, or ./relative to the working directory). */
  model?: string
  /** A branch or tag name without '/', or a commit hash. Default 'main'. */
  revision?: string
  /** Use onnx/model_quantized.onnx instead of the fp32 onnx/model.onnx Chroma uses. Default false. */
  quantized?: boolean
  maxTokens?: number
  /** Where hub models are cached; the app passes a folder in its data directory. */
  cacheDir?: string
  /** Download hub models that are not cached. Default true. */
  allowRemote?: boolean
  batchSize?: number
  padding?: PaddingStrategy
  execution?: ExecutionMode
  workerScript?: string
  /** Model load/download events and embedding progress of every generate() call. */
  onProgress?: (event: EmbeddingProgressEvent) => void
  /**
   * Loads the model only if this allows it, checked before each load. Functions rebuilt from a
   * collection's configuration always get one (see embeddingFunctionFromConfig); without it, the
   * function loads the model its code names.
   */
  trust?: ModelTrust
}

export interface GenerateOptions {
  signal?: AbortSignal
  onProgress?: (event: EmbedProgress) => void
  padding?: PaddingStrategy
  batchSize?: number
}

interface LoadedModel {
  readonly ready: Promise<void>
  embed(
    texts: string[],
    padding: PaddingStrategy,
    batchSize: number,
    signal: AbortSignal | undefined,
    onDone: (done: number) => void
  ): Promise<EmbedResult>
  close(): void
  /** False once the worker it lives in has died; a new load is needed. */
  usable(): boolean
}

export function defaultCacheDir(): string {
  return path.join(os.homedir(), '.cache', 'chromadesk', 'models')
}

function workerModel(
  entry: NonNullable<ReturnType<typeof findWorkerEntry>>,
  settings: ModelSettings,
  onProgress: ((event: ModelLoadProgress) => void) | undefined
): LoadedModel {
  const host = embeddingHost(entry)
  const { handle, ready } = host.load(settings, onProgress)
  ready.catch(() => undefined)
  return {
    ready,
    async embed(texts, padding, batchSize, signal, onDone) {
      await ready
      return host.embed(handle, texts, padding, batchSize, signal, onDone)
    },
    close: () => host.unload(handle),
    usable: () => host.alive
  }
}

function inlineModel(
  settings: ModelSettings,
  onProgress: ((event: ModelLoadProgress) => void) | undefined
): LoadedModel {
  // transformers.js takes about a second to import: load it only when a model runs in this thread.
  const leased = import('./runner-pool.js').then(({ acquireRunner }) => acquireRunner(settings, onProgress))
  const release = () =>
    void leased.then(
      (lease) => lease.release(),
      () => undefined
    )
  const ready = leased.then((lease) => lease.runner).then(() => undefined)
  ready.catch(release)
  return {
    ready,
    async embed(texts, padding, batchSize, signal, onDone) {
      const runner = await (await leased).runner
      return runner.embed(texts, { padding, batchSize, signal, onBatch: onDone })
    },
    close: release,
    usable: () => true
  }
}

export class TransformersEmbeddingFunction implements EmbeddingFunction {
  readonly name: string
  readonly settings: ModelSettings
  private readonly batchSize: number
  private readonly padding: PaddingStrategy
  private readonly requestedExecution: ExecutionMode
  private readonly workerScript: string | undefined
  private readonly onProgress: ((event: EmbeddingProgressEvent) => void) | undefined
  private readonly trust: ModelTrust | undefined
  private loaded: LoadedModel | null = null
  private mode: 'worker' | 'inline' | null = null

  constructor(options: TransformersEmbeddingOptions = {}) {
    // Checked here so that a bad model or revision fails at once, never on its way to a path or URL.
    const model = modelReference(options.model ?? DEFAULT_MODEL)
    parseModelRef(model)
    this.settings = {
      model,
      revision: checkRevision(options.revision ?? DEFAULT_REVISION),
      quantized: options.quantized ?? false,
      maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
      cacheDir: path.resolve(options.cacheDir ?? defaultCacheDir()),
      allowRemote: options.allowRemote ?? true
    }
    if (!Number.isInteger(this.settings.maxTokens) || this.settings.maxTokens < 2) {
      throw new RangeError(`maxTokens must be an integer of at least 2, got ${String(options.maxTokens)}`)
    }
    // 'default' is Chroma's name for all-MiniLM-L6-v2; anything else is ours, so other clients skip it.
    this.name = this.settings.model === DEFAULT_MODEL ? 'default' : 'transformers'
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
    this.padding = options.padding ?? 'dynamic'
    this.requestedExecution = options.execution ?? 'auto'
    this.workerScript = options.workerScript
    this.onProgress = options.onProgress
    this.trust = options.trust
  }

  /** Same keys as Chroma's JS default embedding function (model, revision, dtype), plus max_tokens. */
  getConfig(): Record<string, unknown> {
    return {
      model: this.settings.model,
      revision: this.settings.revision,
      dtype: this.settings.quantized ? 'q8' : 'fp32',
      max_tokens: this.settings.maxTokens
    }
  }

  /** 'worker' or 'inline' once started; null before the first load. */
  get execution(): 'worker' | 'inline' | null {
    return this.mode
  }

  /**
   * Loads the model (or waits for it); generate() does this on first use. An abort stops the wait,
   * not a download under way (transformers.js cannot stop one): it finishes in the background.
   */
  async load(options: { signal?: AbortSignal } = {}): Promise<void> {
    await raceAbort(this.ensureLoaded().ready, options.signal)
  }

  async generate(texts: string[], options: GenerateOptions = {}): Promise<number[][]> {
    const { signal } = options
    signal?.throwIfAborted()
    if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
      throw new TypeError('generate() expects an array of strings')
    }
    if (texts.length === 0) return []
    const total = texts.length
    const onDone = (done: number): void => {
      const event: EmbedProgress = { type: 'embed', done, total }
      options.onProgress?.(event)
      this.onProgress?.(event)
    }
    const model = this.ensureLoaded()
    const result = await raceAbort(
      model.embed(texts, options.padding ?? this.padding, options.batchSize ?? this.batchSize, signal, onDone),
      signal
    )
    const vectors: number[][] = new Array(total)
    for (let i = 0; i < total; i++) {
      vectors[i] = Array.from(result.data.subarray(i * result.dimension, (i + 1) * result.dimension))
    }
    return vectors
  }

  /**
   * Where the model's files are, once the trust option allows the model (else
   * EmbeddingModelNotAllowedError, before any file is looked at). Callers that read the files
   * themselves (the chunker's tokenizer) go through here too.
   */
  source(): ModelSource {
    const { model } = this.settings
    if (this.trust !== undefined && !this.trust.allows(model)) {
      const what = parseModelRef(model).kind === 'local' ? 'Embedding model folder' : 'Embedding model'
      throw new EmbeddingModelNotAllowedError(
        model,
        `${what} "${model}" is not allowed here: it is named by the collection's configuration, which any ` +
          `client can set, and the user did not choose it, so it is neither loaded nor downloaded. ` +
          this.trust.howToAllow
      )
    }
    return resolveModelSource(this.settings)
  }

  /**
   * Throws now when the model may not load (trust) or its files cannot be there (a missing folder, an
   * uncached model while downloads are off); a model still to be downloaded passes.
   */
  checkAvailable(): void {
    checkModelAvailable(this.settings, this.source())
  }

  /** Releases this function's hold on the model (freed when no other function uses it). */
  async close(): Promise<void> {
    const loaded = this.loaded
    this.loaded = null
    this.mode = null
    loaded?.close()
  }

  private ensureLoaded(): LoadedModel {
    if (this.loaded !== null && this.loaded.usable()) return this.loaded
    this.source()
    const onLoadProgress =
      this.onProgress === undefined ? undefined : (event: ModelLoadProgress) => this.onProgress?.(event)
    const entry = this.requestedExecution === 'inline' ? null : findWorkerEntry(this.workerScript)
    if (entry === null && this.requestedExecution === 'worker') {
      throw new Error(`No embedding worker script found (looked for ${this.workerScript ?? DEFAULT_WORKER_SCRIPT})`)
    }
    const created =
      entry !== null ? workerModel(entry, this.settings, onLoadProgress) : inlineModel(this.settings, onLoadProgress)
    this.mode = entry !== null ? 'worker' : 'inline'
    this.loaded = created
    // A failed load is forgotten so the next call retries (e.g. after the model folder was fixed).
    created.ready.catch(() => {
      if (this.loaded === created) {
        this.loaded = null
        this.mode = null
      }
    })
    return created
  }
}

/** Rejects as soon as the signal aborts, with its reason (an AbortError DOMException by default). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error as Error)
      }
    )
  })
}
