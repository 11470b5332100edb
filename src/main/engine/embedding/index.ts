// Public surface of the embedding layer (Seam 2 in docs/helpers/ENGINE-PLAN.md).
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODEL,
  TransformersEmbeddingFunction,
  type TransformersEmbeddingOptions
} from './transformers-ef.js'
import type { EmbeddingFunction, StoredEmbeddingFunctionConfig } from './types.js'

export type {
  EmbeddingFunction,
  EmbeddingProgressEvent,
  EmbedProgress,
  ModelLoadProgress,
  PaddingStrategy,
  StoredEmbeddingFunctionConfig
} from './types.js'
export { EmbeddingModelError, EmbeddingModelUnavailableError } from './errors.js'
export { shutdownEmbeddingWorkers } from './embedding-host.js'
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODEL,
  defaultCacheDir,
  TransformersEmbeddingFunction,
  type ExecutionMode,
  type GenerateOptions,
  type TransformersEmbeddingOptions
} from './transformers-ef.js'

/** Runtime settings that are not part of a stored configuration (where, how, progress). */
export type EmbeddingRuntimeOptions = Pick<
  TransformersEmbeddingOptions,
  'cacheDir' | 'allowRemote' | 'batchSize' | 'padding' | 'execution' | 'workerScript' | 'onProgress'
>

/** Chroma's default: all-MiniLM-L6-v2, mean pooling, L2-normalised, 384 dimensions. */
export function defaultEmbeddingFunction(opts: EmbeddingRuntimeOptions = {}): TransformersEmbeddingFunction {
  return new TransformersEmbeddingFunction({ ...opts, model: DEFAULT_MODEL })
}

const QUANTIZED_DTYPES = new Set(['q8', 'int8', 'uint8'])

/**
 * Rebuilds an embedding function from `configuration_json.embedding_function`. Known names:
 * 'default' (config may be empty, as Chroma's own clients store it) and 'transformers' (needs a model).
 * Returns null for null, legacy and unknown functions: the collection then needs explicit embeddings.
 */
export function embeddingFunctionFromConfig(
  cfg: StoredEmbeddingFunctionConfig | null | undefined,
  opts: EmbeddingRuntimeOptions = {}
): EmbeddingFunction | null {
  if (cfg === null || cfg === undefined || cfg.type !== 'known') return null
  const config = cfg.config ?? {}
  const stored = {
    revision: typeof config.revision === 'string' ? config.revision : undefined,
    quantized: typeof config.dtype === 'string' ? QUANTIZED_DTYPES.has(config.dtype) : undefined,
    maxTokens:
      typeof config.max_tokens === 'number' && Number.isInteger(config.max_tokens) && config.max_tokens >= 2
        ? config.max_tokens
        : DEFAULT_MAX_TOKENS
  }
  if (cfg.name === 'default') {
    const model = typeof config.model === 'string' && config.model.length > 0 ? config.model : DEFAULT_MODEL
    return new TransformersEmbeddingFunction({ ...opts, ...stored, model })
  }
  if (cfg.name === 'transformers') {
    if (typeof config.model !== 'string' || config.model.length === 0) return null
    return new TransformersEmbeddingFunction({ ...opts, ...stored, model: config.model })
  }
  return null
}
