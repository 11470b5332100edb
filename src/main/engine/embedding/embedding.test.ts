import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { env, pipeline } from '@xenova/transformers'
import { getEventListeners } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import {
  DEFAULT_MODEL,
  defaultEmbeddingFunction,
  EmbeddingModelNotAllowedError,
  EmbeddingModelUnavailableError,
  embeddingFunctionFromConfig,
  TransformersEmbeddingFunction,
  type EmbeddingFunction,
  type EmbeddingProgressEvent,
  type ModelTrust
} from './index.js'
import { createTinyModel, TINY_HIDDEN_SIZE } from './testing/tiny-model.js'

let root = ''
let modelDir = ''
let ef: TransformersEmbeddingFunction
const closeLater: TransformersEmbeddingFunction[] = []
const track = (fn: TransformersEmbeddingFunction): TransformersEmbeddingFunction => {
  closeLater.push(fn)
  return fn
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'embedding-test-'))
  modelDir = await createTinyModel(root)
  ef = track(new TransformersEmbeddingFunction({ model: modelDir, cacheDir: path.join(root, 'cache'), batchSize: 4 }))
})

afterAll(async () => {
  await Promise.all(closeLater.map((fn) => fn.close()))
  rmSync(root, { recursive: true, force: true })
})

const norm = (v: number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0))
const cosine = (a: number[], b: number[]): number =>
  a.reduce((sum, x, i) => sum + x * (b[i] as number), 0) / (norm(a) * norm(b))
const maxAbsDiff = (a: number[], b: number[]): number => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))))

const SENTENCES = [
  'the cat sat on the mat',
  'water',
  'a much longer sentence about the database and the vector search of many documents in a large city',
  'I think the children will learn music at school tomorrow morning',
  'ok',
  'the old man and the sea, a story about a fish',
  'four five six',
  'the quick brown dog ran across the green field before the rain began to fall on the farm near the river'
]

describe('TransformersEmbeddingFunction with the tiny model', () => {
  it('embeds through transformers.js in a worker thread', async () => {
    const vectors = await ef.generate(['hello world', 'the database'])
    expect(ef.execution).toBe('worker')
    expect(vectors).toHaveLength(2)
    for (const v of vectors) {
      expect(v).toHaveLength(TINY_HIDDEN_SIZE)
      expect(v.every((x) => Number.isFinite(x))).toBe(true)
    }
    expect(maxAbsDiff(vectors[0] as number[], vectors[1] as number[])).toBeGreaterThan(1e-3)
  })

  it("matches transformers.js' own feature-extraction pipeline (mean pooling, normalize)", async () => {
    env.allowRemoteModels = false
    env.localModelPath = path.dirname(modelDir) + path.sep
    const extractor = await pipeline('feature-extraction', path.basename(modelDir), {
      quantized: false,
      local_files_only: true
    })
    const reference = (await extractor(SENTENCES, { pooling: 'mean', normalize: true })).tolist() as number[][]
    const ours = await ef.generate(SENTENCES)
    ours.forEach((v, i) => expect(maxAbsDiff(v, reference[i] as number[])).toBeLessThan(1e-5))
    await extractor.dispose()
  })

  it('returns L2-normalised vectors', async () => {
    for (const v of await ef.generate(SENTENCES)) expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5)
  })

  it('is deterministic, across calls and between worker and in-thread execution', async () => {
    const first = await ef.generate(SENTENCES)
    const second = await ef.generate(SENTENCES)
    expect(second).toEqual(first)
    const inline = track(new TransformersEmbeddingFunction({ model: modelDir, execution: 'inline' }))
    const third = await inline.generate(SENTENCES)
    expect(inline.execution).toBe('inline')
    third.forEach((v, i) => expect(maxAbsDiff(v, first[i] as number[])).toBeLessThan(1e-6))
  })

  it('gives the same vector alone as in a padded batch, with dynamic and fixed padding', async () => {
    const alone = await Promise.all(SENTENCES.map(async (s) => (await ef.generate([s]))[0] as number[]))
    // One batch of all lengths: short inputs are padded to the longest.
    const oneBatch = await ef.generate(SENTENCES, { batchSize: 64 })
    const fixed = await ef.generate(SENTENCES, { padding: 'fixed' })
    SENTENCES.forEach((_, i) => {
      expect(maxAbsDiff(oneBatch[i] as number[], alone[i] as number[])).toBeLessThan(1e-5)
      expect(maxAbsDiff(fixed[i] as number[], alone[i] as number[])).toBeLessThan(1e-5)
    })
  })

  it('restores input order after sorting by token length', async () => {
    const texts = Array.from({ length: 23 }, (_, i) => `${'the '.repeat((i * 7) % 13)}word number ${i} water`)
    const alone = await Promise.all(texts.map(async (s) => (await ef.generate([s]))[0] as number[]))
    const batched = await ef.generate(texts, { batchSize: 3 })
    expect(batched).toHaveLength(texts.length)
    batched.forEach((v, i) => {
      expect(maxAbsDiff(v, alone[i] as number[])).toBeLessThan(1e-5)
      // and it is not some other text's vector
      const j = (i + 1) % texts.length
      expect(maxAbsDiff(v, alone[j] as number[])).toBeGreaterThan(1e-4)
    })
  })

  it('puts strongly overlapping sentences closer than unrelated ones', async () => {
    const pairs: [string, string, string][] = [
      [
        'the cat sat on the mat near the door',
        'the cat sat on the mat near the window',
        'music and science are taught at school every morning'
      ],
      [
        'my father will drive the car to the city',
        'my father will drive the red car to the city',
        'the bird can fly over the ocean and the island'
      ],
      [
        'vector search over a database of documents',
        'a vector search over the database of many documents',
        'ten children ran across the cold field'
      ]
    ]
    for (const [a, b, unrelated] of pairs) {
      const [va, vb, vu] = (await ef.generate([a, b, unrelated])) as [number[], number[], number[]]
      expect(cosine(va, vb)).toBeGreaterThan(cosine(va, vu))
      expect(cosine(va, vb)).toBeGreaterThan(0.8)
    }
  })

  it('truncates to maxTokens keeping [SEP], identically for dynamic and fixed padding', async () => {
    const short = track(new TransformersEmbeddingFunction({ model: modelDir, maxTokens: 8, execution: 'inline' }))
    const [a, b, c] = await short.generate([
      'one two three four five six seven eight nine ten',
      'one two three four five six seven car house tree',
      'one two three four five six'
    ])
    // [CLS] + 6 words + [SEP]: words after the sixth are cut, so the first two agree.
    expect(maxAbsDiff(a as number[], b as number[])).toBeLessThan(1e-6)
    expect(maxAbsDiff(a as number[], c as number[])).toBeLessThan(1e-6)
    const fixed = await short.generate(['one two three four five six seven car house tree'], { padding: 'fixed' })
    expect(maxAbsDiff(fixed[0] as number[], b as number[])).toBeLessThan(1e-5)
  })

  it('reports load progress and embedding progress', async () => {
    const events: EmbeddingProgressEvent[] = []
    const perCall: number[] = []
    const fn = track(
      new TransformersEmbeddingFunction({ model: modelDir, batchSize: 2, onProgress: (e) => events.push(e) })
    )
    await fn.generate(SENTENCES.slice(0, 5), { onProgress: (e) => perCall.push(e.done) })
    const loadStatuses = events.filter((e) => e.type === 'load').map((e) => e.status)
    expect(loadStatuses).toContain('initiate')
    expect(loadStatuses).toContain('done')
    expect(loadStatuses).toContain('ready')
    const loadFiles = new Set(events.flatMap((e) => (e.type === 'load' && e.file !== undefined ? [e.file] : [])))
    expect(loadFiles).toContain('onnx/model.onnx')
    expect(perCall).toEqual([2, 4, 5])
    expect(events.filter((e) => e.type === 'embed')).toEqual([
      { type: 'embed', done: 2, total: 5 },
      { type: 'embed', done: 4, total: 5 },
      { type: 'embed', done: 5, total: 5 }
    ])
  })

  it('cancels with an AbortError and stays usable', async () => {
    const texts = Array.from({ length: 4000 }, (_, i) => `sentence ${i} about the water and the city and the river`)
    const controller = new AbortController()
    let progressCalls = 0
    const started = Date.now()
    const pending = ef.generate(texts, {
      batchSize: 8,
      signal: controller.signal,
      onProgress: () => {
        progressCalls++
        if (progressCalls === 1) controller.abort()
      }
    })
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    expect(progressCalls).toBeLessThan(texts.length / 8)
    expect(Date.now() - started).toBeLessThan(10_000)

    const aborted = new AbortController()
    aborted.abort()
    await expect(ef.generate(['x'], { signal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' })

    const after = await ef.generate(['the cat sat on the mat'])
    expect(after[0]).toHaveLength(TINY_HIDDEN_SIZE)
  })

  it('cancels while the model is still loading, and the next call loads it', async () => {
    const fn = track(new TransformersEmbeddingFunction({ model: modelDir, maxTokens: 64 }))
    const controller = new AbortController()
    const pending = fn.generate(['the cat sat on the mat'], { signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    const [vector] = await fn.generate(['the cat sat on the mat'])
    const [reference] = await ef.generate(['the cat sat on the mat'])
    expect(maxAbsDiff(vector as number[], reference as number[])).toBeLessThan(1e-6)
  })

  it('leaves no abort listener behind on a signal shared by many calls', async () => {
    const controller = new AbortController()
    for (let i = 0; i < 12; i++) await ef.generate([`call ${i}`], { signal: controller.signal })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('embeds empty and whitespace-only texts as [CLS] [SEP]', async () => {
    const [empty, spaces] = await ef.generate(['', '   '])
    expect(Math.abs(norm(empty as number[]) - 1)).toBeLessThan(1e-5)
    expect(maxAbsDiff(empty as number[], spaces as number[])).toBeLessThan(1e-6)
  })

  it('returns [] for no texts and rejects non-strings', async () => {
    expect(await ef.generate([])).toEqual([])
    await expect(ef.generate([1 as unknown as string])).rejects.toThrow(TypeError)
  })
})

describe('offline and local models', () => {
  it('names the model and explains how to use a local folder when a hub model is not cached and downloads are off', async () => {
    const fn = track(defaultEmbeddingFunction({ cacheDir: path.join(root, 'empty-cache'), allowRemote: false }))
    const error = await fn.generate(['hello']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmbeddingModelUnavailableError)
    const message = (error as Error).message
    expect(message).toContain(DEFAULT_MODEL)
    expect(message).toContain('downloading models is turned off')
    expect(message).toContain("folder's absolute path")
    expect(message).toContain(path.join(root, 'empty-cache', 'Xenova', 'all-MiniLM-L6-v2'))
  })

  it('gives the same clear error when a download fails instead of falling back', async () => {
    // No such repository: offline this fails in fetch, online with 401/404; both are explained.
    const fn = track(
      new TransformersEmbeddingFunction({
        model: 'chromadesk-test/no-such-model',
        cacheDir: path.join(root, 'empty-cache-2')
      })
    )
    const error = await fn.generate(['hello']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmbeddingModelUnavailableError)
    expect((error as Error).message).toContain('chromadesk-test/no-such-model')
    expect((error as Error).message).toContain("folder's absolute path")
  })

  it('reports a missing local folder or file clearly, and recovers once the folder exists', async () => {
    const folder = path.join(root, 'later', 'model')
    const fn = track(new TransformersEmbeddingFunction({ model: folder }))
    await expect(fn.generate(['x'])).rejects.toThrow(/does not exist/)
    mkdirSync(folder, { recursive: true })
    cpSync(path.join(modelDir, 'config.json'), path.join(folder, 'config.json'))
    await expect(fn.generate(['x'])).rejects.toThrow(
      /is missing tokenizer\.json, tokenizer_config\.json, onnx\/model\.onnx/
    )
    cpSync(modelDir, folder, { recursive: true })
    expect((await fn.generate(['x']))[0]).toHaveLength(TINY_HIDDEN_SIZE)
  })

  it('finds a hub model copied into the cache folder with downloads off', async () => {
    const cacheDir = path.join(root, 'copied-cache')
    cpSync(modelDir, path.join(cacheDir, 'local-org', 'tiny-bert'), { recursive: true })
    const fn = track(new TransformersEmbeddingFunction({ model: 'local-org/tiny-bert', cacheDir, allowRemote: false }))
    const [fromCache] = await fn.generate(['the cat sat on the mat'])
    const [fromFolder] = await ef.generate(['the cat sat on the mat'])
    expect(maxAbsDiff(fromCache as number[], fromFolder as number[])).toBeLessThan(1e-6)
  })
})

describe('configuration', () => {
  it("calls all-MiniLM-L6-v2 'default' and records what rebuilds it", () => {
    const fn = defaultEmbeddingFunction()
    expect(fn.name).toBe('default')
    expect(fn.getConfig()).toEqual({ model: DEFAULT_MODEL, revision: 'main', dtype: 'fp32', max_tokens: 256 })
    expect(ef.name).toBe('transformers')
    expect(ef.getConfig()).toMatchObject({ model: modelDir, dtype: 'fp32' })
  })

  it('rebuilds known functions and returns null for null, legacy and unknown ones', async () => {
    expect(embeddingFunctionFromConfig(null)).toBeNull()
    expect(embeddingFunctionFromConfig({ type: 'legacy' })).toBeNull()
    expect(embeddingFunctionFromConfig({ type: 'known', name: 'openai', config: { model_name: 'x' } })).toBeNull()
    expect(embeddingFunctionFromConfig({ type: 'known', name: 'transformers', config: {} })).toBeNull()

    // What Chroma's own clients store for their default.
    const chromaDefault = embeddingFunctionFromConfig({ type: 'known', name: 'default', config: {} })
    expect(chromaDefault?.name).toBe('default')
    expect(chromaDefault?.getConfig()).toEqual(defaultEmbeddingFunction().getConfig())

    const quantized = embeddingFunctionFromConfig({
      type: 'known',
      name: 'default',
      config: { model: DEFAULT_MODEL, dtype: 'q8' }
    })
    expect(quantized?.getConfig()).toMatchObject({ dtype: 'q8' })

    const rebuilt = embeddingFunctionFromConfig(
      { type: 'known', name: ef.name, config: ef.getConfig() },
      { execution: 'inline', trust: allowing(modelDir) }
    )
    expect(rebuilt).toBeInstanceOf(TransformersEmbeddingFunction)
    track(rebuilt as TransformersEmbeddingFunction)
    expect(rebuilt?.getConfig()).toEqual(ef.getConfig())
    const [a] = (await rebuilt?.generate(['the old man and the sea'])) ?? []
    const [b] = await ef.generate(['the old man and the sea'])
    expect(maxAbsDiff(a as number[], b as number[])).toBeLessThan(1e-6)
  })
})

/** A trust that allows these models (and, as the app's, can allow more later). */
function allowing(...models: string[]): ModelTrust & { allowed: Set<string> } {
  const allowed = new Set(models)
  return { allowed, allows: (model) => allowed.has(model), howToAllow: 'Allow it in the test.' }
}

async function refusal(fn: EmbeddingFunction | null): Promise<Error> {
  const error = await fn?.generate(['the cat sat on the mat']).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

describe('models named by a configuration', () => {
  const config = (model: string, revision?: string) => ({
    type: 'known',
    name: 'transformers',
    config: { model, ...(revision === undefined ? {} : { revision }) }
  })

  it('refuses a local folder the trust does not allow, before looking at it', async () => {
    // The folder holds a working model: anything that read it would have embedded.
    const fn = embeddingFunctionFromConfig(config(modelDir))
    const error = await refusal(fn)
    expect(error).toBeInstanceOf(EmbeddingModelNotAllowedError)
    expect(error.message).toBe(
      `Embedding model folder "${modelDir}" is not allowed here: it is named by the collection's configuration, ` +
        'which any client can set, and the user did not choose it, so it is neither loaded nor downloaded. ' +
        'To load it, pass a `trust` embedding option that allows it.'
    )
    expect(() => (fn as TransformersEmbeddingFunction).source()).toThrow(EmbeddingModelNotAllowedError)
    // A folder that does not exist gets the same answer, not "does not exist": the disk was not asked.
    const missing = await refusal(embeddingFunctionFromConfig(config(path.join(root, 'no-such-folder'))))
    expect(missing).toBeInstanceOf(EmbeddingModelNotAllowedError)
  })

  it('refuses a hub model the trust does not allow, cached or not, without a download', async () => {
    const cacheDir = path.join(root, 'trust-cache')
    cpSync(modelDir, path.join(cacheDir, 'local-org', 'tiny-bert'), { recursive: true })
    const cached = await refusal(embeddingFunctionFromConfig(config('local-org/tiny-bert'), { cacheDir }))
    expect(cached).toBeInstanceOf(EmbeddingModelNotAllowedError)
    expect(cached.message).toMatch(/^Embedding model "local-org\/tiny-bert" is not allowed here/)
    // Downloads on and no network here: a download attempt would fail as EmbeddingModelUnavailableError.
    const remote = await refusal(
      embeddingFunctionFromConfig(config('chromadesk-test/no-such-model'), { cacheDir, allowRemote: true })
    )
    expect(remote).toBeInstanceOf(EmbeddingModelNotAllowedError)
    expect((remote as EmbeddingModelNotAllowedError).model).toBe('chromadesk-test/no-such-model')
  })

  it('loads what the trust allows, and asks again at each load, so a model allowed later works', async () => {
    const cacheDir = path.join(root, 'trust-cache-2')
    cpSync(modelDir, path.join(cacheDir, 'local-org', 'tiny-bert'), { recursive: true })
    const trust = allowing()
    const fromFolder = embeddingFunctionFromConfig(config(modelDir), { trust })
    const fromHub = embeddingFunctionFromConfig(config('local-org/tiny-bert'), { trust, cacheDir, allowRemote: false })
    expect(await refusal(fromFolder)).toBeInstanceOf(EmbeddingModelNotAllowedError)
    expect(await refusal(fromHub)).toBeInstanceOf(EmbeddingModelNotAllowedError)
    trust.allowed.add(modelDir)
    trust.allowed.add('local-org/tiny-bert')
    const [reference] = await ef.generate(['the cat sat on the mat'])
    for (const fn of [fromFolder, fromHub]) {
      track(fn as TransformersEmbeddingFunction)
      const [vector] = (await fn?.generate(['the cat sat on the mat'])) ?? []
      expect(maxAbsDiff(vector as number[], reference as number[])).toBeLessThan(1e-6)
    }
  })

  it('keeps the default model allowed without a trust option', () => {
    const fn = embeddingFunctionFromConfig({ type: 'known', name: 'default', config: {} }, { allowRemote: false })
    expect(() => (fn as TransformersEmbeddingFunction).source()).not.toThrow()
  })

  it('opens a stored configuration with a bad model or revision, and refuses to embed with it', async () => {
    for (const [cfg, message] of [
      [config(DEFAULT_MODEL, '../../x'), /revision "\.\.\/\.\.\/x" is not a branch, tag or commit name/],
      [config('../../models/x'), /model folder "\.\.\/\.\.\/models\/x" must be an absolute path/],
      [config('org/../../x'), /model "org\/\.\.\/\.\.\/x" is neither a Hugging Face hub id/]
    ] as const) {
      // The trust allows everything: the check of the value itself still refuses.
      const fn = embeddingFunctionFromConfig(cfg, { trust: { allows: () => true, howToAllow: '' } })
      expect(fn).not.toBeInstanceOf(TransformersEmbeddingFunction)
      expect(fn?.name).toBe('transformers')
      expect(fn?.getConfig()).toEqual(cfg.config)
      const error = await refusal(fn)
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error.message).toMatch(message)
    }
  })

  it('refuses a bad model or revision given in code', () => {
    expect(() => new TransformersEmbeddingFunction({ model: 'org/../x' })).toThrow(InvalidArgumentError)
    expect(() => new TransformersEmbeddingFunction({ model: 'not a model' })).toThrow(InvalidArgumentError)
    expect(() => new TransformersEmbeddingFunction({ model: modelDir, revision: '../../x' })).toThrow(
      InvalidArgumentError
    )
    expect(() => new TransformersEmbeddingFunction({ model: DEFAULT_MODEL, revision: 'refs/pr/1' })).toThrow(
      InvalidArgumentError
    )
  })
})
