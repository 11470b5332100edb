// The seam between the embedding layer and core (see docs/helpers/ENGINE-PLAN.md, Seam 2).

export interface EmbeddingFunction {
  /** Chroma's registry name: 'default' for all-MiniLM-L6-v2 via transformers.js. */
  readonly name: string
  /** Stored in configuration_json.embedding_function.config; enough to rebuild the function. */
  getConfig(): Record<string, unknown>
  generate(texts: string[]): Promise<number[][]>
}

/** Stored form, as Chroma writes it: `{"type":"known","name":...,"config":{...}}` or `{"type":"legacy"}`. */
export interface StoredEmbeddingFunctionConfig {
  type: string
  name?: string
  config?: Record<string, unknown>
}

/** A file event from transformers.js while the model loads (or downloads). */
export interface ModelLoadProgress {
  type: 'load'
  /** 'initiate' | 'download' | 'progress' | 'done' | 'ready' */
  status: string
  file?: string
  /** Percent of `file`, 0-100, for 'progress' events. */
  progress?: number
  loaded?: number
  total?: number
}

/** Texts embedded so far in one generate() call. */
export interface EmbedProgress {
  type: 'embed'
  done: number
  total: number
}

export type EmbeddingProgressEvent = ModelLoadProgress | EmbedProgress

/**
 * 'dynamic': sort by token length and pad each batch only to its longest input.
 * 'fixed': pad every input to maxTokens, as Chroma's ONNX default does (kept for comparison).
 */
export type PaddingStrategy = 'dynamic' | 'fixed'

/** What identifies a model and decides its vectors; shared by the main thread and the worker. */
export interface ModelSettings {
  /** Hugging Face hub id (e.g. 'Xenova/all-MiniLM-L6-v2') or an absolute local folder path. */
  model: string
  revision: string
  /** false: onnx/model.onnx (fp32, what Chroma uses); true: onnx/model_quantized.onnx. */
  quantized: boolean
  /** Inputs are truncated to this many tokens, special tokens included (Chroma: 256). */
  maxTokens: number
  /** Where hub models are downloaded to and looked up in. */
  cacheDir: string
  allowRemote: boolean
}
