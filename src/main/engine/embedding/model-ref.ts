// What a collection's `configuration.embedding_function` may name, and who may have named it.
//
// Configurations come from anywhere: any client of Chroma's HTTP API, a Chroma server we connect to,
// an imported file. So the model and revision they name are checked here, at the one place a stored
// embedding configuration is read (collection create/modify and every rebuild of its function), before
// they can reach transformers.js, a URL or the file system. And a valid model is loaded only when the
// caller's ModelTrust allows it: the app allows the default model and the ones its user chose.
// No transformers.js import here: the engine's configuration code uses this module.
import path from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import type { StoredEmbeddingFunctionConfig } from './types.js'

export const DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2'
/** Chroma's default embedding truncates (and, there, pads) to 256 tokens. */
export const DEFAULT_MAX_TOKENS = 256
export const DEFAULT_REVISION = 'main'

// One part of a hub id, as the Hugging Face hub names them: letters, digits, '.', '_', '-', starting
// and ending with a letter or digit, at most 96 characters. `..` is refused separately.
const HUB_PART = '[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?'
const HUB_ID = new RegExp(`^${HUB_PART}/${HUB_PART}$`)
/** A branch or tag name without `/`, or a commit hash: one path segment, never `.` or `..`. */
const REVISION = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/
const MAX_FOLDER_LENGTH = 1024
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** A model a configuration may name: a hub id or a local folder (absolute and normalized). */
export type ModelRef = { kind: 'hub'; id: string } | { kind: 'local'; folder: string }

/** Whether a model string is meant as a folder: absolute, or relative with a leading `.`. */
export function isLocalModelPath(model: string): boolean {
  return path.isAbsolute(model) || model.startsWith('.')
}

/**
 * What a person typed as a model (in the app, on the command line, in code) as it is stored: a hub id
 * stays as it is, a folder becomes absolute (relative to the working directory).
 */
export function modelReference(input: string): string {
  return isLocalModelPath(input) ? path.resolve(input) : input
}

/** A value for a message: quoted, and cut short if long. */
function shown(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value)
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid embedding_function configuration: ${message}`)
}

/**
 * Checks a stored model: a hub id `organization/name`, or an absolute, normalized folder path
 * (no `.` or `..` segments, no control characters, bounded length). Throws InvalidArgumentError.
 */
export function parseModelRef(model: string): ModelRef {
  if (isLocalModelPath(model)) {
    if (
      !path.isAbsolute(model) ||
      path.resolve(model) !== model ||
      CONTROL.test(model) ||
      model.length > MAX_FOLDER_LENGTH
    ) {
      throw invalid(
        `model folder ${shown(model)} must be an absolute path without '.' or '..' segments or control characters, ` +
          `at most ${MAX_FOLDER_LENGTH} characters`
      )
    }
    return { kind: 'local', folder: model }
  }
  if (!HUB_ID.test(model) || model.includes('..')) {
    throw invalid(
      `model ${shown(model)} is neither a Hugging Face hub id ("organization/name": letters, digits, '.', '_' ` +
        `or '-', starting and ending with a letter or digit, no '..') nor an absolute folder path`
    )
  }
  return { kind: 'hub', id: model }
}

/** Checks a revision: a branch or tag name without '/', or a commit hash. Throws InvalidArgumentError. */
export function checkRevision(revision: string): string {
  if (!REVISION.test(revision) || revision.includes('..')) {
    throw invalid(
      `revision ${shown(revision)} is not a branch, tag or commit name (letters, digits, '.', '_' or '-', ` +
        `starting and ending with a letter or digit, no '/' or '..', at most 128 characters)`
    )
  }
  return revision
}

/** The model settings a stored configuration names, checked. */
export interface ModelChoice {
  model: string
  revision: string
  quantized: boolean
  maxTokens: number
}

const QUANTIZED_DTYPES = new Set(['q8', 'int8', 'uint8'])

function optionalString(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${key} must be a non-empty string`)
  return value
}

/**
 * Reads `configuration_json.embedding_function`: the one place its model settings are parsed. Known
 * names: 'default' (config may be empty, as Chroma's own clients store it; then all-MiniLM-L6-v2) and
 * 'transformers' (needs a model). Returns null for null, legacy and unknown functions, and for a
 * 'transformers' one without a model: those embed nothing here. Throws InvalidArgumentError for a model
 * or revision that is not allowed as a value (see parseModelRef and checkRevision).
 */
export function parseEmbeddingConfig(cfg: StoredEmbeddingFunctionConfig | null | undefined): ModelChoice | null {
  if (cfg === null || cfg === undefined || cfg.type !== 'known') return null
  if (cfg.name !== 'default' && cfg.name !== 'transformers') return null
  const config = cfg.config ?? {}
  // Chroma's JS DefaultEmbeddingFunction stores its model as `model_name`.
  const named = optionalString(config, 'model') ?? optionalString(config, 'model_name')
  if (named !== undefined) parseModelRef(named)
  const revision = optionalString(config, 'revision')
  if (revision !== undefined) checkRevision(revision)
  if (named === undefined && cfg.name === 'transformers') return null
  return {
    model: named ?? DEFAULT_MODEL,
    revision: revision ?? DEFAULT_REVISION,
    quantized: typeof config.dtype === 'string' && QUANTIZED_DTYPES.has(config.dtype),
    maxTokens:
      typeof config.max_tokens === 'number' && Number.isInteger(config.max_tokens) && config.max_tokens >= 2
        ? config.max_tokens
        : DEFAULT_MAX_TOKENS
  }
}

/**
 * The stored embedding function for a model a person chose (hub id or folder, checked). The default
 * model is stored exactly as Chroma stores its own default, `{"name":"default","config":{}}`, so the
 * official clients rebuild it as their DefaultEmbeddingFunction (same model, same vectors); any other
 * model is 'transformers' with the model named (decision 0120).
 */
export function embeddingConfigFor(model: string): StoredEmbeddingFunctionConfig {
  const reference = modelReference(model)
  parseModelRef(reference)
  if (reference === DEFAULT_MODEL) return { type: 'known', name: 'default', config: {} }
  return { type: 'known', name: 'transformers', config: { model: reference } }
}

/**
 * Which models a function rebuilt from a configuration may load (and, for hub models, download).
 * A configuration only names a model; whoever runs the engine decides whether it is wanted.
 */
export interface ModelTrust {
  /** `model` is a checked hub id or absolute folder (see parseModelRef). */
  allows(model: string): boolean
  /** One sentence for the error message: how the user allows a refused model. */
  readonly howToAllow: string
}

/** Without a ModelTrust option: only Chroma's default model is loaded from a configuration. */
export const DEFAULT_MODEL_TRUST: ModelTrust = {
  allows: (model) => model === DEFAULT_MODEL,
  howToAllow: 'To load it, pass a `trust` embedding option that allows it.'
}
