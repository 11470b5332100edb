// Where a model's files come from (hub cache or a local folder), checked before transformers.js runs,
// so a missing model produces one clear, actionable error instead of transformers' internal messages.
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { EmbeddingModelUnavailableError } from './errors.js'
import { checkRevision, parseModelRef } from './model-ref.js'
import type { ModelSettings } from './types.js'

export type ModelSource = { kind: 'local'; folder: string } | { kind: 'hub'; id: string; cachedFolder: string }

export function modelFiles(quantized: boolean): string[] {
  return [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    `onnx/${quantized ? 'model_quantized' : 'model'}.onnx`
  ]
}

export function resolveModelSource(settings: ModelSettings): ModelSource {
  // Checked again where paths are built: settings also arrive here over the worker boundary.
  const ref = parseModelRef(settings.model)
  const revision = checkRevision(settings.revision)
  if (ref.kind === 'local') return ref
  // transformers' file cache keeps `main` revisions at <cacheDir>/<id>/<file>, other revisions under <id>/<revision>/.
  const cachedFolder =
    revision === 'main' ? path.join(settings.cacheDir, ref.id) : path.join(settings.cacheDir, ref.id, revision)
  return { kind: 'hub', id: ref.id, cachedFolder }
}

function missingFiles(folder: string, quantized: boolean): string[] {
  return modelFiles(quantized).filter((file) => !existsSync(path.join(folder, file)))
}

function howToFix(settings: ModelSettings, cachedFolder?: string): string {
  const files = modelFiles(settings.quantized).join(', ')
  const placeInCache = cachedFolder === undefined ? '' : ` or copy those files into ${cachedFolder}${path.sep}`
  return (
    `To use a local copy, download the model folder (${files}) on a connected machine and set the ` +
    `embedding model to that folder's absolute path${placeInCache}.`
  )
}

/** Throws EmbeddingModelUnavailableError when the files cannot possibly be found. */
export function checkModelAvailable(settings: ModelSettings, source: ModelSource): void {
  if (source.kind === 'local') {
    if (!existsSync(source.folder) || !statSync(source.folder).isDirectory()) {
      throw new EmbeddingModelUnavailableError(
        settings.model,
        `Embedding model folder "${source.folder}" does not exist. ${howToFix(settings)}`
      )
    }
    const missing = missingFiles(source.folder, settings.quantized)
    if (missing.length > 0) {
      throw new EmbeddingModelUnavailableError(
        settings.model,
        `Embedding model folder "${source.folder}" is missing ${missing.join(', ')}. ${howToFix(settings)}`
      )
    }
    return
  }
  if (!settings.allowRemote && missingFiles(source.cachedFolder, settings.quantized).length > 0) {
    throw new EmbeddingModelUnavailableError(
      settings.model,
      `Embedding model "${settings.model}" is not available offline: it is not in the model cache ` +
        `(${source.cachedFolder}) and downloading models is turned off. ${howToFix(settings, source.cachedFolder)}`
    )
  }
}

const NETWORK_FAILURE = /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|network/i
const FILE_MISSING = /Could not locate file|not found locally|Unauthorized access|Forbidden access/i

/** Maps a transformers.js load failure for a hub model to the same clear error. */
export function explainHubLoadFailure(settings: ModelSettings, source: ModelSource, error: unknown): Error | null {
  if (source.kind !== 'hub' || !(error instanceof Error)) return null
  const cause = error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message
  if (NETWORK_FAILURE.test(cause)) {
    return new EmbeddingModelUnavailableError(
      settings.model,
      `Embedding model "${settings.model}" could not be downloaded (${cause}) and is not in the model cache ` +
        `(${source.cachedFolder}). ${howToFix(settings, source.cachedFolder)}`,
      { cause: error }
    )
  }
  if (FILE_MISSING.test(cause)) {
    return new EmbeddingModelUnavailableError(
      settings.model,
      `Embedding model "${settings.model}" could not be loaded: ${cause}. ${howToFix(settings, source.cachedFolder)}`,
      { cause: error }
    )
  }
  return null
}
