// Public surface of the embedding layer (Seam 2 in docs/helpers/ENGINE-PLAN.md).
import { DEFAULT_MODEL_TRUST, parseEmbeddingConfig } from './model-ref.js'
import { DEFAULT_MODEL, TransformersEmbeddingFunction, type TransformersEmbeddingOptions } from './transformers-ef.js'
import type { EmbeddingFunction, StoredEmbeddingFunctionConfig } from './types.js'
import { InvalidArgumentError } from '../errors.js'

export type {
  EmbeddingFunction,
  EmbeddingProgressEvent,
  EmbedProgress,
  ModelLoadProgress,
  PaddingStrategy,
  StoredEmbeddingFunctionConfig
} from './types.js'
export { EmbeddingModelError, EmbeddingModelNotAllowedError, EmbeddingModelUnavailableError } from './errors.js'
export { shutdownEmbeddingWorkers } from './embedding-host.js'
export {
  DEFAULT_MODEL_TRUST,
  embeddingConfigFor,
  modelReference,
  parseEmbeddingConfig,
  parseModelRef,
  type ModelChoice,
  type ModelRef,
  type ModelTrust
} from './model-ref.js'
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

/**
 * Runtime settings that are not part of a stored configuration (where, how, progress, and which
 * models functions rebuilt from configurations may load: `trust`, default DEFAULT_MODEL_TRUST).
 */
export type EmbeddingRuntimeOptions = Pick<
  TransformersEmbeddingOptions,
  'cacheDir' | 'allowRemote' | 'batchSize' | 'padding' | 'execution' | 'workerScript' | 'onProgress' | 'trust'
>

/** Chroma's default: all-MiniLM-L6-v2, mean pooling, L2-normalised, 384 dimensions. */
export function defaultEmbeddingFunction(opts: EmbeddingRuntimeOptions = {}): TransformersEmbeddingFunction {
  return new TransformersEmbeddingFunction({ ...opts, model: DEFAULT_MODEL })
}

/**
 * A configuration that names a model it may not (stored before the check existed, or read from a
 * Chroma server or a file): the collection still opens and lists, and embedding fails with the reason.
 */
class RefusedEmbeddingFunction implements EmbeddingFunction {
  readonly name: string
  constructor(
    private readonly cfg: StoredEmbeddingFunctionConfig,
    private readonly reason: Error
  ) {
    this.name = cfg.name ?? 'transformers'
  }

  getConfig(): Record<string, unknown> {
    return this.cfg.config ?? {}
  }

  async generate(): Promise<number[][]> {
    throw this.reason
  }
}

/**
 * Rebuilds an embedding function from `configuration_json.embedding_function` (parsed by
 * parseEmbeddingConfig). Returns null for null, legacy and unknown functions: the collection then needs
 * explicit embeddings. The function loads its model only if `opts.trust` allows it (default: only
 * all-MiniLM-L6-v2), since anyone who can set a configuration can name a model.
 */
export function embeddingFunctionFromConfig(
  cfg: StoredEmbeddingFunctionConfig | null | undefined,
  opts: EmbeddingRuntimeOptions = {}
): EmbeddingFunction | null {
  let choice: ReturnType<typeof parseEmbeddingConfig>
  try {
    choice = parseEmbeddingConfig(cfg)
  } catch (error) {
    return new RefusedEmbeddingFunction(cfg as StoredEmbeddingFunctionConfig, error as Error)
  }
  if (choice === null) return null
  return new TransformersEmbeddingFunction({ ...opts, ...choice, trust: opts.trust ?? DEFAULT_MODEL_TRUST })
}

/**
 * The function of a model the user has just chosen (a create form, a clone or re-embed, the command
 * line): it may load that model and no other, whatever the runtime's trust. Throws now when its files
 * cannot be there (a missing folder; an uncached hub model while downloads are off), so the mistake is
 * reported where it is made. The caller closes it.
 */
export function chosenModelFunction(
  cfg: StoredEmbeddingFunctionConfig,
  runtime: EmbeddingRuntimeOptions = {}
): TransformersEmbeddingFunction {
  const choice = parseEmbeddingConfig(cfg)
  if (choice === null) throw new InvalidArgumentError('This embedding configuration names no model to embed with')
  const ef = new TransformersEmbeddingFunction({
    ...runtime,
    ...choice,
    trust: { allows: (m) => m === choice.model, howToAllow: '' }
  })
  try {
    ef.checkAvailable()
  } catch (e) {
    void ef.close()
    throw e
  }
  return ef
}

/** One embedding call: cancellable where the function supports it (transformers.js). */
export async function embedCancellable(
  ef: EmbeddingFunction,
  texts: string[],
  signal: AbortSignal
): Promise<number[][]> {
  if (!(ef instanceof TransformersEmbeddingFunction)) return ef.generate(texts)
  return ef.generate(texts, { signal })
}
