// The model manager's calls: list with sizes and users, add a folder (uploaded as bytes, copied into
// the cache once it loads), remove, and a download that fails offline with a clear message.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionSummary, JobStatus, ModelInfo, ModelsOverview } from '../../../shared/contract.js'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import { createHandlers } from '../handlers.js'
import { contractCaller } from '../testing/handlers.js'

let root: string
let tiny: string
let cacheDir: string
let ctx: AppContext

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'models-handler-'))
  tiny = await createTinyModel(path.join(root, 'elsewhere'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))
beforeEach(() => {
  cacheDir = mkdtempSync(path.join(root, 'cache-'))
  ctx = openAppContext({ path: null, modelsDir: cacheDir })
})
afterEach(async () => closeAppContext(ctx))

const { call, refused } = contractCaller(() => createHandlers(ctx))

/** The files of a model folder as the UI uploads a dropped folder: `<folder>/<relative path>`, base64. */
function folderUpload(dir: string, folder: string): { name: string; data: string }[] {
  const out: { name: string; data: string }[] = []
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel))) {
      const relative = rel ? `${rel}/${entry}` : entry
      if (statSync(path.join(dir, relative)).isDirectory()) walk(relative)
      else out.push({ name: `${folder}/${relative}`, data: readFileSync(path.join(dir, relative)).toString('base64') })
    }
  }
  walk('')
  return out
}

describe('models', () => {
  it('lists the models collections use, with size and users, and adds an uploaded folder to the cache', async () => {
    await call<CollectionSummary>('collections.create', { name: 'notes', embeddingModel: tiny })
    let list = await call<ModelsOverview>('models.list', {})
    expect(list.cacheDir).toBe(cacheDir)
    const used = list.models.find((m) => m.model === tiny)
    expect(used).toMatchObject({ kind: 'local', inCache: false, complete: true, collections: ['notes'] })
    expect(used!.bytes).toBeGreaterThan(50_000)

    const files = folderUpload(tiny, 'my-model')
    const { uploadId } = await call<{ uploadId: string }>('ingest.upload', { files })
    const added = await call<ModelInfo>('models.addFolder', {
      uploadId,
      folder: 'my-model',
      files: files.map((f) => f.name)
    })
    expect(added).toMatchObject({ model: path.join(cacheDir, '_local', 'my-model'), inCache: true, complete: true })
    expect(added.bytes).toBe(used!.bytes)
    list = await call<ModelsOverview>('models.list', {})
    expect(list.models.map((m) => m.model)).toContain(added.model)
    // Chosen by the user: a collection may use it.
    const c = await call<CollectionSummary>('collections.create', { name: 'copied', embeddingModel: added.model })
    await call('records.add', { collectionId: c.id, records: [{ id: 'a', document: 'the river' }] })
    expect((await call<CollectionSummary>('collections.get', { id: c.id })).dimension).toBe(32)

    expect(await refused('models.remove', { model: added.model })).toMatch(/is the model of "copied"/)
    await call('collections.delete', { id: c.id })
    const after = await call<ModelsOverview>('models.remove', { model: added.model })
    expect(after.models.map((m) => m.model)).not.toContain(added.model)
    expect(readdirSync(path.join(cacheDir, '_local'))).toEqual([])
    // A folder outside the cache is never deleted from here.
    await call('collections.delete', { id: (await call<CollectionSummary[]>('collections.list', {}))[0]!.id })
    expect(await refused('models.remove', { model: tiny })).toMatch(/not in the model cache/)
  })

  it('refuses a folder that is not a loadable model, leaving nothing in the cache', async () => {
    const files = folderUpload(tiny, 'broken').filter((f) => !f.name.endsWith('.onnx'))
    const { uploadId } = await call<{ uploadId: string }>('ingest.upload', { files })
    expect(await refused('models.addFolder', { uploadId, folder: 'broken', files: files.map((f) => f.name) })).toMatch(
      /broken is not a model this app can load: .*missing onnx\/model/
    )
    expect(await refused('models.addFolder', { uploadId, folder: '../up', files: ['../up/x'] })).toMatch(
      /must be letters, digits/
    )
    expect((await call<ModelsOverview>('models.list', {})).models.filter((m) => m.inCache)).toEqual([])
  })

  it('a download runs as a job; offline it fails saying so', async () => {
    expect(await refused('models.download', { model: tiny })).toMatch(/Only Hugging Face models/)
    const job = await call<JobStatus>('models.download', { model: 'Xenova/not-here-offline' })
    expect(job).toMatchObject({ kind: 'model-download', unit: 'bytes', state: 'running' })
    const done = await ctx.jobs.settled(job.jobId)
    expect(done.state).toBe('failed')
    expect(done.error).toMatch(/could not be (downloaded|loaded)/)
  })
})
