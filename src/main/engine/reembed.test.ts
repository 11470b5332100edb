// Re-embedding a collection with another model: switch in one step, resume after a restart, cancel
// without a trace, records written meanwhile embedded too, modify refused with a pointer.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTinyModel } from './embedding/testing/tiny-model.js'
import { embeddingConfigFor, type EmbeddingFunction, type ModelTrust } from './embedding/index.js'
import { PersistentClient, type Collection } from './index.js'
import { reembedCollection } from './reembed.js'
import type { EmbeddingFunctionConfig } from './types.js'

const trustAll: ModelTrust = { allows: () => true, howToAllow: '' }
let models: string
let modelA: string
let modelB: string
let root: string
let client: PersistentClient

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'reembed-models-'))
  modelA = await createTinyModel(models)
  modelB = await createTinyModel(models, { name: 'tiny-bert-48', layers: 1, hiddenSize: 48, heads: 2 })
})
afterAll(() => rmSync(models, { recursive: true, force: true }))

const open = (): PersistentClient =>
  new PersistentClient({ path: path.join(root, 'data'), embeddingOptions: { trust: trustAll } })

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'reembed-'))
  client = open()
})
afterEach(async () => {
  await client.close()
  rmSync(root, { recursive: true, force: true })
})

const docs = (n: number): string[] => Array.from({ length: n }, (_, i) => `record ${i} about the river and the sea`)

async function collectionOnA(n: number): Promise<Collection> {
  const c = await client.createCollection({
    name: 'notes',
    configuration: { embedding_function: embeddingConfigFor(modelA) }
  })
  await c.add({ ids: docs(n).map((_, i) => `r${i}`), documents: docs(n) })
  return c
}

/** The target's function, as the app builds it from the configuration. */
function targetB(): { target: EmbeddingFunctionConfig; ef: EmbeddingFunction } {
  const target = embeddingConfigFor(modelB) as EmbeddingFunctionConfig
  return { target, ef: client.embeddingFunctionFor(target)! }
}

describe('reembedCollection', () => {
  it('switches every vector, the configuration and the dimension; queries answer with the new model', async () => {
    const c = await collectionOnA(300)
    const { target, ef } = targetB()
    const phases = new Set<string>()
    const report = await reembedCollection(client.db, c.id, ef, target, {
      batch: 64,
      onProgress: (_d, _t, phase) => phases.add(phase)
    })
    expect(report).toMatchObject({ records: 300, dimension: 48, resumed: 0 })
    expect([...phases]).toEqual(['embedding', 'switching', 'indexing'])
    const model = client.db.getCollectionById(c.id)
    expect(model.configuration_json.embedding_function).toEqual(target)
    const again = await client.getCollectionById(c.id)
    const got = await again.get({ ids: ['r7'], include: ['embeddings'] })
    const expected = (await ef.generate([docs(300)[7]!]))[0]!
    Array.from(got.embeddings![0]!).forEach((x, k) => expect(x).toBeCloseTo(expected[k]!, 5))
    const q = await again.query({ queryTexts: [docs(300)[42]!], nResults: 1 })
    expect(q.ids[0]).toEqual(['r42'])
    expect(client.db.pendingReembeds()).toEqual([])
  })

  it('resumes after a restart with the vectors already made, and embeds records changed meanwhile', async () => {
    const c = await collectionOnA(200)
    const { target, ef } = targetB()
    let calls = 0
    const failing: EmbeddingFunction = {
      name: ef.name,
      getConfig: () => ef.getConfig(),
      generate: async (texts) => {
        if (++calls > 2) throw new Error('the computer went to sleep')
        return ef.generate(texts)
      }
    }
    await expect(reembedCollection(client.db, c.id, failing, target, { batch: 50 })).rejects.toThrow(/sleep/)
    // Not switched: still model A everywhere.
    expect(client.db.getCollectionById(c.id).dimension).toBe(32)
    expect((await c.query({ queryTexts: [docs(200)[3]!], nResults: 1 })).ids[0]).toEqual(['r3'])
    // A record changes while the re-embedding waits: its new vector must come from the new text.
    await c.update({ ids: ['r1'], documents: ['a dog and a cat play in the house'] })

    await client.close()
    client = open()
    expect(client.db.pendingReembeds()).toEqual([{ collectionId: c.id, target }])
    const resumedEf = client.embeddingFunctionFor(target)!
    const report = await reembedCollection(client.db, c.id, resumedEf, target, { batch: 50 })
    expect(report).toMatchObject({ records: 200, dimension: 48, resumed: 99 })
    const r1 = await (await client.getCollectionById(c.id)).get({ ids: ['r1'], include: ['embeddings'] })
    const expected = (await resumedEf.generate(['a dog and a cat play in the house']))[0]!
    Array.from(r1.embeddings![0]!).forEach((x, k) => expect(x).toBeCloseTo(expected[k]!, 5))
  })

  it('a record written during the run is embedded before the switch', async () => {
    const c = await collectionOnA(100)
    const { target, ef } = targetB()
    let wrote = false
    const writing: EmbeddingFunction = {
      name: ef.name,
      getConfig: () => ef.getConfig(),
      generate: async (texts) => {
        if (!wrote) {
          wrote = true
          await c.add({ ids: ['late'], documents: ['computer data model'] })
        }
        return ef.generate(texts)
      }
    }
    await reembedCollection(client.db, c.id, writing, target, { batch: 30 })
    const late = await (await client.getCollectionById(c.id)).get({ ids: ['late'], include: ['embeddings'] })
    expect(late.embeddings![0]).toHaveLength(48)
  })

  it('refuses, during the run, a write that would leave a record without a document; the switch then completes', async () => {
    const c = await collectionOnA(100)
    const { target, ef } = targetB()
    const vector = Array.from({ length: 32 }, () => 0.1)
    const refusals: string[] = []
    let tried = false
    const writing: EmbeddingFunction = {
      name: ef.name,
      getConfig: () => ef.getConfig(),
      generate: async (texts) => {
        if (!tried) {
          tried = true
          for (const write of [
            () =>
              c.add({ ids: ['bare', 'fine'], embeddings: [vector, vector], documents: [null, 'a river'] as string[] }),
            () => c.upsert({ ids: ['r1', 'bare2'], embeddings: [vector, vector] }),
            // A null document in an update keeps the stored one: accepted, re-embedded from it.
            () => c.update({ ids: ['r2'], embeddings: [vector], documents: [null] as unknown as string[] })
          ]) {
            await write().then(
              () => refusals.push('written'),
              (e: Error) => refusals.push(e.message)
            )
          }
          // With a document it goes through, and is embedded with the new model before the switch.
          await c.add({ ids: ['late'], embeddings: [vector], documents: ['computer data model'] })
        }
        return ef.generate(texts)
      }
    }
    await reembedCollection(client.db, c.id, writing, target, { batch: 30 })
    expect(refusals).toEqual([
      expect.stringMatching(/being re-embedded with another model.* bare would have none/),
      expect.stringMatching(/being re-embedded with another model.* bare2 would have none/),
      'written'
    ])
    const after = await (
      await client.getCollectionById(c.id)
    ).get({
      ids: ['bare', 'bare2', 'fine', 'r1', 'r2', 'late'],
      include: ['embeddings', 'documents']
    })
    // The refused writes wrote none of their records; r1 and r2 kept their documents.
    expect(after.ids.sort()).toEqual(['late', 'r1', 'r2'])
    expect(after.documents?.every((d) => typeof d === 'string')).toBe(true)
    for (const e of after.embeddings ?? []) expect(e).toHaveLength(48)
    // Outside a re-embedding a record without a document is written as before.
    await c.add({ ids: ['bare'], embeddings: [Array.from({ length: 48 }, () => 0.1)] })
    expect(await c.count()).toBe(102)
  })

  it('cancel leaves the collection as it was, and nothing staged', async () => {
    const c = await collectionOnA(200)
    const before = await c.get({ ids: ['r5'], include: ['embeddings'] })
    const { target, ef } = targetB()
    const controller = new AbortController()
    await expect(
      reembedCollection(client.db, c.id, ef, target, {
        batch: 40,
        signal: controller.signal,
        onProgress: (done) => done >= 40 && controller.abort()
      })
    ).rejects.toThrow()
    expect(client.db.pendingReembeds()).toEqual([])
    expect(client.db.getCollectionById(c.id).configuration_json.embedding_function).toEqual(embeddingConfigFor(modelA))
    expect(await c.get({ ids: ['r5'], include: ['embeddings'] })).toEqual(before)
  })

  it('refuses records without a document, and a modify that names another model', async () => {
    const c = await collectionOnA(5)
    const { target, ef } = targetB()
    expect(() => client.db.updateCollection(c.id, { new_configuration: { embedding_function: target } })).toThrow(
      /another model needs every record embedded again.*re-embed/
    )
    // The same model named another way is no change.
    expect(() =>
      client.db.updateCollection(c.id, {
        new_configuration: { embedding_function: { type: 'known', name: 'transformers', config: { model: modelA } } }
      })
    ).not.toThrow()
    await c.add({ ids: ['bare'], embeddings: [Array.from({ length: 32 }, () => 0.1)] })
    await expect(reembedCollection(client.db, c.id, ef, target)).rejects.toThrow(/records without a document \(bare\)/)
    expect(client.db.pendingReembeds()).toEqual([])
  })
})
