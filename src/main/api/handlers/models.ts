// The model manager (Settings → Models, docs/models.md, decision 0125): what is in the model cache
// folder and what the user chose or collections name, with sizes; downloads as jobs with byte progress;
// model folders added as uploads (bytes, never a path the UI names), copied into the cache once they
// load and embed; removal from the cache.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import type { ModelInfo, ModelsOverview } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import {
  chosenModelFunction,
  defaultCacheDir,
  embeddingConfigFor,
  parseModelRef,
  TransformersEmbeddingFunction,
  type ModelLoadProgress
} from '../../engine/embedding/index.js'
import {
  describeModel,
  listModelCache,
  localModelFolder,
  removeCachedModel,
  type CachedModel
} from '../../engine/embedding/model-cache.js'
import { InvalidArgumentError } from '../../engine/index.js'
import { embeddingModelOf } from './collections.js'

export function modelHandlers(
  ctx: AppContext
): Pick<Handlers, 'models.list' | 'models.download' | 'models.addFolder' | 'models.remove'> {
  const cacheDir = ctx.connections.embeddingOptions.cacheDir ?? defaultCacheDir()

  /** Collection names of the current database by the model they embed with. */
  async function usage(): Promise<Map<string, string[]>> {
    const byModel = new Map<string, string[]>()
    for (const c of await ctx.connections.backend(undefined).list()) {
      const model = embeddingModelOf((c.configuration ?? {}) as Parameters<typeof embeddingModelOf>[0])
      if (model !== null) byModel.set(model, [...(byModel.get(model) ?? []), c.name])
    }
    return byModel
  }

  function info(entry: CachedModel, inCache: boolean, users: Map<string, string[]>): ModelInfo {
    return { ...entry, inCache, collections: users.get(entry.model) ?? [] }
  }

  async function overview(): Promise<ModelsOverview> {
    const users = await usage()
    const cached = listModelCache(cacheDir)
    const seen = new Set(cached.map((m) => m.model))
    const models = cached.map((m) => info(m, true, users))
    for (const model of [...ctx.client.db.trustedModels(), ...users.keys()]) {
      if (seen.has(model)) continue
      seen.add(model)
      try {
        const entry = describeModel(model, cacheDir)
        // A chosen hub model not downloaded yet is worth listing (Download); a folder gone is not.
        if (entry.kind === 'local' && entry.bytes === 0 && !users.has(model)) continue
        models.push(info(entry, false, users))
      } catch {
        // A name no model could have (stored before checks existed): nothing to show or manage.
      }
    }
    return { cacheDir, models }
  }

  return {
    'models.list': overview,

    'models.download': async ({ model }) => {
      const ref = parseModelRef(model)
      if (ref.kind !== 'hub') throw new InvalidArgumentError('Only Hugging Face models (organization/name) download')
      const files = new Map<string, { loaded: number; total: number }>()
      return ctx.jobs.start({
        kind: 'model-download',
        title: `Download ${ref.id}`,
        unit: 'bytes',
        run: async ({ signal, progress }) => {
          // Byte progress summed over the model's files, as transformers.js reports each one.
          const onProgress = (event: ModelLoadProgress): void => {
            if (event.file === undefined || event.total === undefined || event.loaded === undefined) return
            files.set(event.file, { loaded: event.loaded, total: event.total })
            const sum = [...files.values()].reduce(
              (a, f) => ({ loaded: a.loaded + f.loaded, total: a.total + f.total }),
              {
                loaded: 0,
                total: 0
              }
            )
            progress(sum.loaded, sum.total, 'downloading')
          }
          const loading = new TransformersEmbeddingFunction({
            model: ref.id,
            cacheDir,
            allowRemote: true,
            trust: { allows: (m) => m === ref.id, howToAllow: '' },
            onProgress: (event) => {
              if (event.type === 'load') onProgress(event)
            }
          })
          try {
            await loading.load({ signal })
            // Chosen by the user: collections may load it (decision 0040).
            ctx.modelTrust.allow(ref.id)
            return { model: ref.id, bytes: describeModel(ref.id, cacheDir).bytes }
          } finally {
            await loading.close()
          }
        }
      })
    },

    'models.addFolder': async ({ uploadId, folder, files }) => {
      const target = localModelFolder(cacheDir, folder)
      if (existsSync(target)) throw new InvalidArgumentError(`A model folder named ${folder} is already in the cache`)
      const prefix = `${folder}/`
      if (files.some((f) => !f.startsWith(prefix))) {
        throw new InvalidArgumentError(`Every file of the upload must be inside ${folder}/`)
      }
      try {
        for (const name of files) {
          const dest = path.join(target, ...name.slice(prefix.length).split('/'))
          mkdirSync(path.dirname(dest), { recursive: true })
          copyFileSync(ctx.ingest.stagedFile(uploadId, name), dest)
        }
        // Loadable and able to embed, or not added.
        const ef = chosenModelFunction(embeddingConfigFor(target), ctx.connections.embeddingOptions)
        try {
          await ef.generate(['a short test sentence'])
        } finally {
          await ef.close()
        }
      } catch (error) {
        rmSync(target, { recursive: true, force: true })
        throw new InvalidArgumentError(`${folder} is not a model this app can load: ${(error as Error).message}`)
      }
      ctx.ingest.discard(uploadId)
      ctx.modelTrust.allow(target)
      return info(describeModel(target, cacheDir), true, await usage())
    },

    'models.remove': async ({ model }) => {
      const users = (await usage()).get(model) ?? []
      if (users.length > 0) {
        throw new InvalidArgumentError(
          `${model} is the model of ${users.map((n) => `"${n}"`).join(', ')}: change their model or delete them first`
        )
      }
      removeCachedModel(cacheDir, model)
      return overview()
    }
  }
}
