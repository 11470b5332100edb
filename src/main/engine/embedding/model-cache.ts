// The model cache folder as the model manager sees it (docs/models.md, decision 0125): hub models that
// transformers.js downloaded to `<cacheDir>/<organization>/<name>/`, and model folders the user added,
// copied to `<cacheDir>/_local/<name>/` (`_local` can never be a hub organization: hub names start with
// a letter or digit). Every path is built here from checked names and stays inside the cache folder.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import { modelFiles } from './model-source.js'
import { parseModelRef } from './model-ref.js'

export const LOCAL_MODELS = '_local'
// One folder name for an added model: letters, digits, '.', '_', '-', starting with a letter or digit.
const FOLDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/

export interface CachedModel {
  /** As a collection names it: a hub id, or the absolute folder of an added model. */
  model: string
  kind: 'hub' | 'local'
  folder: string
  bytes: number
  /** The files a model needs are there (fp32 or quantized). */
  complete: boolean
}

/** Bytes under a folder (files only; symbolic links are not followed). */
export function folderBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) total += folderBytes(full)
    else if (entry.isFile()) total += statSync(full).size
  }
  return total
}

/** Whether a folder holds what a model needs, fp32 or quantized. */
export function isCompleteModel(folder: string): boolean {
  return [false, true].some((quantized) => modelFiles(quantized).every((f) => existsSync(path.join(folder, f))))
}

function describe(model: string, kind: CachedModel['kind'], folder: string): CachedModel {
  const present = existsSync(folder) && statSync(folder).isDirectory()
  return { model, kind, folder, bytes: present ? folderBytes(folder) : 0, complete: present && isCompleteModel(folder) }
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
}

/** Models in the cache folder, hub ones first, by name. */
export function listModelCache(cacheDir: string): CachedModel[] {
  const hub: CachedModel[] = []
  for (const org of subfolders(cacheDir)) {
    if (org === LOCAL_MODELS) continue
    for (const name of subfolders(path.join(cacheDir, org))) {
      const id = `${org}/${name}`
      try {
        parseModelRef(id)
      } catch {
        continue // not something a hub id names
      }
      hub.push(describe(id, 'hub', path.join(cacheDir, org, name)))
    }
  }
  const local = subfolders(path.join(cacheDir, LOCAL_MODELS)).map((name) => {
    const folder = path.join(cacheDir, LOCAL_MODELS, name)
    return describe(folder, 'local', folder)
  })
  return [...hub, ...local]
}

/** A model outside the cache (a folder the user named), as the manager lists it. */
export function describeModel(model: string, cacheDir: string): CachedModel {
  const ref = parseModelRef(model)
  return ref.kind === 'hub'
    ? describe(ref.id, 'hub', path.join(cacheDir, ref.id))
    : describe(ref.folder, 'local', ref.folder)
}

/** Where an added model folder goes: `<cacheDir>/_local/<name>`, the name checked. */
export function localModelFolder(cacheDir: string, name: string): string {
  if (!FOLDER_NAME.test(name) || name.includes('..')) {
    throw new InvalidArgumentError(
      `Model folder name ${JSON.stringify(name.slice(0, 100))} must be letters, digits, '.', '_' or '-', starting with a letter or digit`
    )
  }
  return path.join(cacheDir, LOCAL_MODELS, name)
}

/**
 * Deletes a model from the cache folder: a hub model's downloaded files, or an added folder. A folder
 * outside the cache (one the user named) is never deleted here.
 */
export function removeCachedModel(cacheDir: string, model: string): void {
  const ref = parseModelRef(model)
  const folder = ref.kind === 'hub' ? path.join(cacheDir, ref.id) : ref.folder
  const localRoot = path.join(cacheDir, LOCAL_MODELS) + path.sep
  // Only a whole added model: a folder directly under the cache's local models, never a part of one.
  if (ref.kind === 'local' && (!folder.startsWith(localRoot) || path.dirname(folder) + path.sep !== localRoot)) {
    throw new InvalidArgumentError(`${model} is not in the model cache; its files stay where they are`)
  }
  if (!existsSync(folder)) throw new InvalidArgumentError(`${model} is not in the model cache`)
  rmSync(folder, { recursive: true, force: true })
}
