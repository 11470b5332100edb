// collections.reembed through the contract: checked before the job starts, run as a 'reembed' app job,
// kept when the app quits mid-way and resumed at the next start; Cancel leaves the collection as it was.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionSummary, JobStatus } from '../../../shared/contract.js'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import { createHandlers } from '../handlers.js'
import { contractCaller } from '../testing/handlers.js'
import { resumeReembeds } from './reembed.js'

let models: string
let modelA: string
let modelB: string
let root: string

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'reembed-handler-models-'))
  modelA = await createTinyModel(models)
  modelB = await createTinyModel(models, { name: 'tiny-bert-48', layers: 1, hiddenSize: 48, heads: 2 })
  root = mkdtempSync(path.join(tmpdir(), 'reembed-handler-'))
})
afterAll(() => {
  rmSync(models, { recursive: true, force: true })
  rmSync(root, { recursive: true, force: true })
})

async function withContext<T>(dataPath: string | null, run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = openAppContext({ path: dataPath })
  try {
    return await run(ctx)
  } finally {
    await closeAppContext(ctx)
  }
}

async function notes(ctx: AppContext, n: number): Promise<CollectionSummary> {
  const { call } = contractCaller(() => createHandlers(ctx))
  const c = await call<CollectionSummary>('collections.create', { name: 'notes', embeddingModel: modelA })
  for (let s = 0; s < n; s += 1000) {
    const records = Array.from({ length: Math.min(1000, n - s) }, (_, k) => ({
      id: `r${s + k}`,
      document: `note ${s + k} about the river and the sea`
    }))
    await call('records.add', { collectionId: c.id, records })
  }
  return c
}

describe('collections.reembed', () => {
  it('runs as a reembed job and switches the collection to the new model', async () => {
    await withContext(null, async (ctx) => {
      const { call } = contractCaller(() => createHandlers(ctx))
      const c = await notes(ctx, 120)
      const job = await call<JobStatus>('collections.reembed', { collectionId: c.id, embeddingModel: modelB })
      expect(job).toMatchObject({ kind: 'reembed', state: 'running', unit: 'records', collectionId: c.id })
      const done = await ctx.jobs.settled(job.jobId)
      expect(done).toMatchObject({ state: 'done', result: { records: 120, dimension: 48 } })
      expect(await call<CollectionSummary>('collections.get', { id: c.id })).toMatchObject({
        dimension: 48,
        embeddingModel: modelB,
        count: 120
      })
      const hits = await call<{ id: string }[]>('records.query', {
        collectionId: c.id,
        text: 'note 7 about the river and the sea',
        nResults: 1
      })
      expect(hits.map((h) => h.id)).toEqual(['r7'])
    })
  })

  it('refuses at once: the same model, a missing folder, a bad id, records without documents', async () => {
    await withContext(null, async (ctx) => {
      const { call, refused } = contractCaller(() => createHandlers(ctx))
      const c = await notes(ctx, 3)
      expect(await refused('collections.reembed', { collectionId: c.id, embeddingModel: modelA })).toMatch(
        /already embeds with/
      )
      expect(
        await refused('collections.reembed', { collectionId: c.id, embeddingModel: path.join(models, 'missing') })
      ).toMatch(/does not exist/)
      expect(await refused('collections.reembed', { collectionId: c.id, embeddingModel: 'bad/../id' })).toMatch(
        /neither a Hugging Face hub id/
      )
      await call('records.add', { collectionId: c.id, records: [{ id: 'bare', embedding: new Array(32).fill(0.1) }] })
      expect(await refused('collections.reembed', { collectionId: c.id, embeddingModel: modelB })).toMatch(
        /records without a document \(bare\)/
      )
      expect(ctx.jobs.list()).toEqual([])
      expect(ctx.client.db.pendingReembeds()).toEqual([])
    })
  })

  it('Cancel leaves the old model; a quit keeps the work, and the next start resumes it', async () => {
    const data = path.join(root, 'data')
    const id = await withContext(data, async (ctx) => {
      const { call } = contractCaller(() => createHandlers(ctx))
      const c = await notes(ctx, 2000)
      const first = await call<JobStatus>('collections.reembed', { collectionId: c.id, embeddingModel: modelB })
      await call('jobs.cancel', { jobId: first.jobId })
      expect(await ctx.jobs.settled(first.jobId)).toMatchObject({ state: 'cancelled' })
      expect(await call<CollectionSummary>('collections.get', { id: c.id })).toMatchObject({ dimension: 32 })
      expect(ctx.client.db.pendingReembeds()).toEqual([])

      await call<JobStatus>('collections.reembed', { collectionId: c.id, embeddingModel: modelB })
      // Quit once some vectors are made.
      while (ctx.client.db.reembedProgress(c.id).done < 300) await new Promise((r) => setTimeout(r, 20))
      return c.id
    })
    await withContext(data, async (ctx) => {
      const { call } = contractCaller(() => createHandlers(ctx))
      expect(await call<CollectionSummary>('collections.get', { id })).toMatchObject({ dimension: 32 })
      const [job] = resumeReembeds(ctx)
      expect(job).toMatchObject({ kind: 'reembed', collectionId: id })
      const done = await ctx.jobs.settled(job!.jobId)
      expect(done.state).toBe('done')
      expect((done.result as { resumed: number }).resumed).toBeGreaterThanOrEqual(300)
      expect(await call<CollectionSummary>('collections.get', { id })).toMatchObject({ dimension: 48, count: 2000 })
    })
  })
})
