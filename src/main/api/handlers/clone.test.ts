// collections.clone through the contract: checked before a job starts, run as an app job with
// progress, cancelled within a second with the half-made clone removed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionSummary, JobStatus, RecordRow } from '../../../shared/contract.js'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import type { Handlers } from '../dispatch.js'
import { createHandlers } from '../handlers.js'
import { contractCaller } from '../testing/handlers.js'

let models: string
let modelA: string
let modelB: string
let ctx: AppContext
let handlers: Handlers

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'clone-handler-models-'))
  modelA = await createTinyModel(models)
  modelB = await createTinyModel(models, { name: 'tiny-bert-48', layers: 1, hiddenSize: 48, heads: 2 })
})
afterAll(() => rmSync(models, { recursive: true, force: true }))

beforeEach(() => {
  ctx = openAppContext({ path: null })
  handlers = createHandlers(ctx)
})
afterEach(async () => closeAppContext(ctx))

const { call, refused } = contractCaller(() => handlers)

async function collection(name: string, embeddingModel: string | null, docs: number): Promise<CollectionSummary> {
  const c = await call<CollectionSummary>('collections.create', { name, embeddingModel })
  for (let s = 0; s < docs; s += 1000) {
    const records = Array.from({ length: Math.min(1000, docs - s) }, (_, k) => ({
      id: `r${s + k}`,
      document: `record ${s + k} about the river and the sea`,
      ...(embeddingModel === null ? { embedding: [s + k + 1, 1, 2] } : {})
    }))
    await call('records.add', { collectionId: c.id, records })
  }
  return call<CollectionSummary>('collections.get', { id: c.id })
}

const byName = async (name: string): Promise<CollectionSummary | undefined> =>
  (await call<CollectionSummary[]>('collections.list', {})).find((c) => c.name === name)

describe('collections.clone', () => {
  it('runs as a clone job and the new collection has the new space and parameters', async () => {
    const source = await collection('vecs', null, 20)
    const job = await call<JobStatus>('collections.clone', {
      collectionId: source.id,
      name: 'vecs-copy',
      space: 'cosine',
      efSearch: 33
    })
    expect(job).toMatchObject({ kind: 'clone', state: 'running', unit: 'records', collectionId: source.id })
    const done = await ctx.jobs.settled(job.jobId)
    expect(done).toMatchObject({ state: 'done', done: 20, total: 20, phase: 'copying' })
    expect(done.result).toMatchObject({ copied: 20, reembedded: 0 })
    const clone = await byName('vecs-copy')
    expect(clone).toMatchObject({ space: 'cosine', count: 20, dimension: 3, embeddingModel: null })
    expect((clone?.configuration.hnsw as { ef_search: number }).ef_search).toBe(33)
    expect(await byName('vecs')).toMatchObject({ space: 'l2', count: 20 })
  })

  it('re-embeds with a newly chosen model, which the clone then uses for text queries', async () => {
    const source = await collection('docs', modelA, 30)
    expect(source.dimension).toBe(32)
    const job = await call<JobStatus>('collections.clone', {
      collectionId: source.id,
      name: 'docs-b',
      embeddingModel: modelB
    })
    const done = await ctx.jobs.settled(job.jobId)
    expect(done).toMatchObject({ state: 'done', done: 30, total: 30, phase: 'writing' })
    expect(done.result).toMatchObject({ reembedded: 30, model: modelB })
    const clone = (await byName('docs-b')) as CollectionSummary
    expect(clone).toMatchObject({ dimension: 48, embeddingModel: modelB, count: 30 })
    const hits = await call<RecordRow[]>('records.query', {
      collectionId: clone.id,
      text: 'record 7 about the river and the sea',
      nResults: 1
    })
    expect(hits[0]?.id).toBe('r7')
  })

  it('refuses before any job starts: taken or invalid name, bad HNSW values, a missing model, a Chroma server', async () => {
    const source = await collection('docs', modelA, 3)
    await collection('taken', null, 0)
    const clone = (input: object) => refused('collections.clone', { collectionId: source.id, ...input })
    expect(await clone({ name: 'taken' })).toMatch(/"taken" already exists/)
    expect(await clone({ name: 'no good' })).toMatch(/Expected a name containing 3-512 characters/)
    expect(await clone({ name: 'docs-2', maxNeighbors: 0 })).toMatch(
      /invalid max_neighbors 0, must be a positive integer/
    )
    expect(await clone({ name: 'docs-2', efConstruction: 1.5 })).toMatch(/invalid ef_construction 1.5/)
    expect(await clone({ name: 'docs-2', embeddingModel: path.join(models, 'missing') })).toMatch(
      /Embedding model folder ".*missing" does not exist/
    )
    expect(await clone({ name: 'docs-2', embeddingModel: 'bad/../id' })).toMatch(/neither a Hugging Face hub id/)
    expect(await clone({ name: 'docs-2', connection: 'some-server' })).toMatch(/this computer's database/)
    expect(ctx.jobs.list()).toEqual([])
    expect((await call<CollectionSummary[]>('collections.list', {})).map((c) => c.name).sort()).toEqual([
      'docs',
      'taken'
    ])
  })

  it('a cancelled clone stops within a second and removes the half-made collection', async () => {
    const source = await collection('many', modelA, 6000)
    const job = await call<JobStatus>('collections.clone', {
      collectionId: source.id,
      name: 'many-b',
      embeddingModel: modelB
    })
    // Cancel once the first batch is written, whichever step of a later batch runs (progress events
    // are throttled, so the phase seen at that moment varies). A job that ends first fails below.
    const midway = new Promise<void>((resolve) => {
      const off = ctx.events.subscribe((e) => {
        if (
          e.type === 'job' &&
          e.status.jobId === job.jobId &&
          (e.status.done > 1000 || e.status.state !== 'running')
        ) {
          off()
          resolve()
        }
      })
    })
    await midway
    const asked = performance.now()
    await call('jobs.cancel', { jobId: job.jobId })
    const ended = await ctx.jobs.settled(job.jobId)
    const ms = performance.now() - asked
    expect(ended.state).toBe('cancelled')
    expect(ended.error).toMatch(/Clone cancelled. "many-b" was removed again/)
    expect(ms).toBeLessThan(1000)
    expect(await byName('many-b')).toBeUndefined()
    expect(await byName('many')).toMatchObject({ count: 6000, dimension: 32 })
  })
})
