// Server-side embedding over Chroma's REST API (decision 0121): documents-only add/upsert/update and
// query_texts, v2 and v1, embedded with the collection's model, the same vectors the app computes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionSummary } from '../../shared/contract.js'
import { createTinyModel } from '../engine/embedding/testing/tiny-model.js'
import { createHandlers } from '../api/handlers.js'
import { contractCaller } from '../api/testing/handlers.js'
import { startOurServer, type RunningServer } from './v2/test-server.js'

let models: string
let tiny: string
let server: RunningServer
const V2 = '/api/v2/tenants/default_tenant/databases/default_database/collections'

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'server-embedding-'))
  tiny = await createTinyModel(models)
  server = await startOurServer()
})
afterAll(async () => {
  await server.stop()
  rmSync(models, { recursive: true, force: true })
})

/** A collection made the way the UI makes it: the user chose the model. */
async function uiCollection(name: string, embeddingModel: string | null): Promise<CollectionSummary> {
  const { call } = contractCaller(() => createHandlers(server.ctx))
  return call<CollectionSummary>('collections.create', { name, embeddingModel })
}

/** What the app's own write path computes for these texts. */
async function appVectors(id: string, texts: string[]): Promise<number[][]> {
  const c = await server.ctx.client.getCollectionById(id)
  return (await c.embedDocuments(texts)) as number[][]
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length)
  actual.forEach((v, i) => v.forEach((x, k) => expect(x).toBeCloseTo(expected[i]![k]!, 5)))
}

describe('documents without embeddings over REST v2', () => {
  it('add, upsert and update embed the documents with the collection model; query_texts finds them', async () => {
    const c = await uiCollection('scripts-v2', tiny)
    const docs = ['the river runs to the sea', 'a dog and a cat play in the house', 'computer data model']
    const add = await server.raw('POST', `${V2}/${c.id}/add`, {
      ids: ['a', 'b', 'c'],
      documents: docs,
      metadatas: [{ n: 1 }, { n: 2 }, { n: 3 }]
    })
    expect(add.status).toBe(201)
    const got = (await server.raw('POST', `${V2}/${c.id}/get`, { include: ['embeddings', 'documents'] })).json as {
      ids: string[]
      embeddings: number[][]
    }
    expect(got.ids).toEqual(['a', 'b', 'c'])
    expectClose(got.embeddings, await appVectors(c.id, docs))
    expect(got.embeddings[0]).toHaveLength(32)

    const query = await server.raw('POST', `${V2}/${c.id}/query`, {
      query_texts: ['the river runs to the sea', 'a dog and a cat play in a house'],
      n_results: 1,
      include: ['documents', 'distances']
    })
    expect(query.status).toBe(200)
    expect((query.json as { ids: string[][] }).ids).toEqual([['a'], ['b']])

    expect(
      (await server.raw('POST', `${V2}/${c.id}/upsert`, { ids: ['c', 'd'], documents: ['new words', 'the sea'] }))
        .status
    ).toBe(200)
    // update: the null document keeps its record's embedding.
    expect(
      (await server.raw('POST', `${V2}/${c.id}/update`, { ids: ['a', 'b'], documents: ['the moon', null] })).status
    ).toBe(200)
    const after = (
      await server.raw('POST', `${V2}/${c.id}/get`, { ids: ['a', 'b', 'c', 'd'], include: ['embeddings'] })
    ).json as { embeddings: number[][] }
    expectClose(after.embeddings, await appVectors(c.id, ['the moon', docs[1]!, 'new words', 'the sea']))
  })

  it('refuses what it cannot embed, clearly', async () => {
    const c = await uiCollection('scripts-none', null)
    // Without a function the server answers as Chroma does: the add lacks its embeddings (422), and
    // an update's documents replace the text and keep the embedding.
    const noFunction = await server.raw('POST', `${V2}/${c.id}/add`, { ids: ['a'], documents: ['x'] })
    expect(noFunction.status).toBe(422)
    expect((noFunction.json as { message: string }).message).toMatch(/missing field `embeddings`/)
    await server.raw('POST', `${V2}/${c.id}/add`, { ids: ['a'], documents: ['x'], embeddings: [[1, 2]] })
    expect((await server.raw('POST', `${V2}/${c.id}/update`, { ids: ['a'], documents: ['y'] })).status).toBe(200)
    const kept = await server.raw('POST', `${V2}/${c.id}/get`, { ids: ['a'], include: ['documents', 'embeddings'] })
    expect(kept.json).toMatchObject({ documents: ['y'], embeddings: [[1, 2]] })
    const noQueryFunction = await server.raw('POST', `${V2}/${c.id}/query`, { query_texts: ['x'] })
    expect(noQueryFunction.status).toBe(400)

    const t = await uiCollection('scripts-nulls', tiny)
    const nullDoc = await server.raw('POST', `${V2}/${t.id}/add`, { ids: ['a', 'b'], documents: ['x', null] })
    expect(nullDoc.status).toBe(400)
    expect((nullDoc.json as { message: string }).message).toMatch(/documents\[1\] is null/)
    // Neither embeddings nor documents: Chroma's own 422, unchanged.
    const neither = await server.raw('POST', `${V2}/${t.id}/add`, { ids: ['a'] })
    expect(neither.status).toBe(422)
    expect((neither.json as { message: string }).message).toMatch(/missing field `embeddings`/)
    const noQuery = await server.raw('POST', `${V2}/${t.id}/query`, {})
    expect((noQuery.json as { message: string }).message).toMatch(/missing field `query_embeddings`/)
    const badTexts = await server.raw('POST', `${V2}/${t.id}/query`, { query_texts: [3] })
    expect(badTexts.status).toBe(422)
    expect(await server.ctx.client.getCollectionById(t.id).then((x) => x.count())).toBe(0)
  })

  it('a model the user did not choose is not loaded for a script', async () => {
    // Created over REST naming a folder: no one chose it in the app (decision 0040).
    const created = await server.raw('POST', V2, {
      name: 'scripts-untrusted',
      configuration: { embedding_function: { type: 'known', name: 'transformers', config: { model: models + '/x' } } }
    })
    const id = (created.json as { id: string }).id
    const r = await server.raw('POST', `${V2}/${id}/add`, { ids: ['a'], documents: ['x'] })
    expect(r.status).toBe(403)
    expect((r.json as { message: string }).message).toMatch(/not allowed here/)
  })
})

describe('documents without embeddings over REST v1', () => {
  it('add embeds on the server and query_texts answers', async () => {
    const c = await uiCollection('scripts-v1', tiny)
    const add = await server.raw('POST', `/api/v1/collections/${c.id}/add`, {
      ids: ['a', 'b'],
      documents: ['the river runs to the sea', 'computer data model']
    })
    expect(add.status).toBe(201)
    const q = await server.raw('POST', `/api/v1/collections/${c.id}/query`, {
      query_texts: ['computer data model'],
      n_results: 1
    })
    expect(q.status).toBe(200)
    expect((q.json as { ids: string[][] }).ids).toEqual([['b']])
    const upsert = await server.raw('POST', `/api/v1/collections/${c.id}/upsert`, {
      ids: ['b'],
      documents: ['the sea']
    })
    expect(upsert.status).toBe(200)
    const update = await server.raw('POST', `/api/v1/collections/${c.id}/update`, {
      ids: ['a'],
      documents: ['the moon']
    })
    expect(update.status).toBe(200)
    const got = (await server.raw('POST', `/api/v1/collections/${c.id}/get`, { include: ['embeddings'] })).json as {
      embeddings: number[][]
    }
    expectClose(got.embeddings, await appVectors(c.id, ['the moon', 'the sea']))
  })
})
