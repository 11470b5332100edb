// Loads a feature-extraction model with transformers.js and embeds texts: tokenize, sort by length,
// batch, run the ONNX model, mean-pool over real tokens, L2-normalise, restore input order.
// Thread-agnostic: the worker runs it, and so does the in-thread fallback.
//
// The tokenizer and model come from transformers' pipeline(), but batching is done here rather than in
// the pipeline's own call, because that pads every batch to its longest input and truncates by cutting
// off the trailing [SEP]; here inputs of similar length share a batch and truncation keeps [SEP] (as
// Hugging Face tokenizers, and so Chroma, do).
import path from 'node:path'
import { env, pipeline, Tensor } from '@xenova/transformers'
import { EmbeddingModelError } from './errors.js'
import { checkModelAvailable, explainHubLoadFailure, resolveModelSource } from './model-source.js'
import type { ModelLoadProgress, ModelSettings, PaddingStrategy } from './types.js'

interface LoadedTokenizer {
  (
    texts: string[],
    options: { padding: boolean; truncation: boolean; return_tensor: false }
  ): {
    input_ids: number[][]
  }
  model_max_length?: number
  pad_token_id?: number
  all_special_ids?: number[]
}

interface LoadedModel {
  (inputs: Record<string, Tensor>): Promise<Record<string, Tensor | undefined>>
  config?: { hidden_size?: number; max_position_embeddings?: number }
  dispose?: () => Promise<unknown>
}

interface FeatureExtractor {
  tokenizer: LoadedTokenizer
  model: LoadedModel
  dispose?: () => Promise<unknown>
}

export interface EmbedOptions {
  padding: PaddingStrategy
  batchSize: number
  signal?: AbortSignal
  /** Called after each batch with the number of texts embedded so far. */
  onBatch?: (done: number) => void
}

export interface EmbedResult {
  /** Row-major, texts.length × dimension, in input order. */
  data: Float32Array
  dimension: number
}

// transformers.js keeps its settings in one module-level `env`, read throughout a load: loads in one
// thread must not interleave.
let loadQueue: Promise<unknown> = Promise.resolve()

const TOKENIZE_CHUNK = 256
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class EmbeddingRunner {
  private constructor(
    private readonly extractor: FeatureExtractor,
    readonly settings: ModelSettings,
    /** Effective truncation length: maxTokens capped by what the tokenizer and model accept. */
    readonly maxLength: number
  ) {}

  static load(settings: ModelSettings, onProgress?: (event: ModelLoadProgress) => void): Promise<EmbeddingRunner> {
    const run = loadQueue.then(() => EmbeddingRunner.loadNow(settings, onProgress))
    loadQueue = run.catch(() => undefined)
    return run
  }

  private static async loadNow(
    settings: ModelSettings,
    onProgress?: (event: ModelLoadProgress) => void
  ): Promise<EmbeddingRunner> {
    const source = resolveModelSource(settings)
    checkModelAvailable(settings, source)

    let modelName: string
    if (source.kind === 'local') {
      // transformers joins localModelPath + model name; an absolute name alone would resolve under /models/.
      env.localModelPath = path.dirname(source.folder) + path.sep
      modelName = path.basename(source.folder)
      env.allowLocalModels = true
      env.allowRemoteModels = false
      // No file cache: a cached hub model named like the folder must not shadow it.
      env.useFSCache = false
    } else {
      modelName = source.id
      env.cacheDir = settings.cacheDir
      env.useFSCache = true
      env.allowRemoteModels = settings.allowRemote
      // Local lookups would only find what the cache already holds, and warn on every miss before
      // a download; they are needed only when offline (transformers refuses "neither local nor remote").
      env.allowLocalModels = !settings.allowRemote
      env.localModelPath = settings.cacheDir + path.sep
    }

    let extractor: FeatureExtractor
    try {
      extractor = (await pipeline('feature-extraction', modelName, {
        quantized: settings.quantized,
        revision: settings.revision,
        cache_dir: settings.cacheDir,
        local_files_only: source.kind === 'local' || !settings.allowRemote,
        progress_callback: onProgress === undefined ? undefined : (data: unknown) => onProgress(toLoadProgress(data))
      })) as unknown as FeatureExtractor
    } catch (error) {
      const explained = explainHubLoadFailure(settings, source, error)
      if (explained !== null) throw explained
      const reason = error instanceof Error ? error.message : String(error)
      throw new EmbeddingModelError(settings.model, `Failed to load embedding model "${settings.model}": ${reason}`, {
        cause: error
      })
    }

    const limits = [
      settings.maxTokens,
      extractor.tokenizer.model_max_length,
      extractor.model.config?.max_position_embeddings
    ].filter((limit): limit is number => typeof limit === 'number' && Number.isFinite(limit) && limit > 0)
    return new EmbeddingRunner(extractor, settings, Math.min(...limits))
  }

  /** Token ids per text, with special tokens, truncated to maxLength keeping the final [SEP]. */
  private async tokenize(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const specialIds = new Set(this.extractor.tokenizer.all_special_ids ?? [])
    const result: number[][] = []
    for (let start = 0; start < texts.length; start += TOKENIZE_CHUNK) {
      signal?.throwIfAborted()
      const chunk = texts.slice(start, start + TOKENIZE_CHUNK)
      const { input_ids } = this.extractor.tokenizer(chunk, { padding: false, truncation: false, return_tensor: false })
      for (const ids of input_ids) {
        if (ids.length <= this.maxLength) {
          result.push(ids)
        } else {
          const last = ids[ids.length - 1] as number
          result.push(specialIds.has(last) ? [...ids.slice(0, this.maxLength - 1), last] : ids.slice(0, this.maxLength))
        }
      }
      if (start + TOKENIZE_CHUNK < texts.length) await yieldToEventLoop()
    }
    return result
  }

  async embed(texts: string[], options: EmbedOptions): Promise<EmbedResult> {
    const { signal } = options
    signal?.throwIfAborted()
    if (texts.length === 0)
      return { data: new Float32Array(0), dimension: this.extractor.model.config?.hidden_size ?? 0 }

    const tokenIds = await this.tokenize(texts, signal)
    // Longest first, so the first batch shows the peak memory; stable for equal lengths.
    const order = tokenIds
      .map((_, index) => index)
      .sort((a, b) => (tokenIds[b]?.length ?? 0) - (tokenIds[a]?.length ?? 0))
    const batchSize = Math.max(1, Math.floor(options.batchSize))
    const padId = BigInt(this.extractor.tokenizer.pad_token_id ?? 0)

    let output: Float32Array | null = null
    let dimension = 0
    let done = 0
    for (let start = 0; start < order.length; start += batchSize) {
      signal?.throwIfAborted()
      const batch = order.slice(start, start + batchSize)
      const width =
        options.padding === 'fixed' ? this.maxLength : Math.max(...batch.map((index) => tokenIds[index]?.length ?? 0))
      const ids = new BigInt64Array(batch.length * width).fill(padId)
      const mask = new BigInt64Array(batch.length * width)
      batch.forEach((textIndex, row) => {
        const tokens = tokenIds[textIndex] ?? []
        for (let j = 0; j < tokens.length; j++) {
          ids[row * width + j] = BigInt(tokens[j] as number)
          mask[row * width + j] = 1n
        }
      })
      const dims = [batch.length, width]
      let hidden: Tensor | undefined
      try {
        const outputs = await this.extractor.model({
          input_ids: new Tensor('int64', ids, dims),
          attention_mask: new Tensor('int64', mask, dims)
        })
        hidden = outputs.last_hidden_state ?? outputs.token_embeddings ?? outputs.logits
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        throw new EmbeddingModelError(
          this.settings.model,
          `Embedding model "${this.settings.model}" failed: ${reason}`,
          {
            cause: error
          }
        )
      }
      if (hidden === undefined || hidden.dims.length !== 3) {
        throw new EmbeddingModelError(
          this.settings.model,
          `Embedding model "${this.settings.model}" has no last_hidden_state output of shape [batch, tokens, hidden]`
        )
      }
      const hiddenData = hidden.data as Float32Array
      const seq = hidden.dims[1] as number
      if (output === null) {
        dimension = hidden.dims[2] as number
        output = new Float32Array(texts.length * dimension)
      }
      batch.forEach((textIndex, row) => {
        meanPoolNormalized(
          hiddenData,
          row,
          seq,
          dimension,
          tokenIds[textIndex]?.length ?? 0,
          output as Float32Array,
          textIndex
        )
      })
      done += batch.length
      options.onBatch?.(done)
      // Lets a cancel message (worker) or other work (in-thread) through between batches.
      await yieldToEventLoop()
    }
    return { data: output ?? new Float32Array(0), dimension }
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose?.()
  }
}

/**
 * Mean over the first `tokens` positions of one row (the real tokens: padding is on the right),
 * then L2 normalisation; accumulates in double precision and writes float32 to out[target].
 */
function meanPoolNormalized(
  hidden: Float32Array,
  row: number,
  seq: number,
  dimension: number,
  tokens: number,
  out: Float32Array,
  target: number
): void {
  const sums = new Float64Array(dimension)
  const rowOffset = row * seq * dimension
  for (let t = 0; t < tokens; t++) {
    const offset = rowOffset + t * dimension
    for (let k = 0; k < dimension; k++) sums[k] = (sums[k] as number) + (hidden[offset + k] as number)
  }
  let squared = 0
  for (let k = 0; k < dimension; k++) {
    const mean = (sums[k] as number) / Math.max(tokens, 1)
    sums[k] = mean
    squared += mean * mean
  }
  const norm = Math.max(Math.sqrt(squared), 1e-12)
  const outOffset = target * dimension
  for (let k = 0; k < dimension; k++) out[outOffset + k] = (sums[k] as number) / norm
}

function toLoadProgress(data: unknown): ModelLoadProgress {
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
  const event: ModelLoadProgress = {
    type: 'load',
    status: typeof record.status === 'string' ? record.status : 'unknown'
  }
  if (typeof record.file === 'string') event.file = record.file
  if (typeof record.progress === 'number') event.progress = record.progress
  if (typeof record.loaded === 'number') event.loaded = record.loaded
  if (typeof record.total === 'number') event.total = record.total
  return event
}
