// Keyword search and hybrid queries through the contract: a keyword index at creation or added to a
// stored collection by a job, and hybrid results checked against the two
// rankings computed alone and fused here by weighted reciprocal rank.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionSummary, HybridRow, JobStatus, KeywordStatus, RecordRow } from '../../../shared/contract.js'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import type { Handlers } from '../dispatch.js'
import { createHandlers } from '../handlers.js'
import { contractCaller } from '../testing/handlers.js'
import { documentFilterAsWhere } from './hybrid.js'

let models: string
let model: string
let ctx: AppContext
let handlers: Handlers

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'hybrid-handler-models-'))
  model = await createTinyModel(models)
})
afterAll(() => rmSync(models, { recursive: true, force: true }))

beforeEach(() => {
  ctx = openAppContext({ path: null })
  handlers = createHandlers(ctx)
})
afterEach(async () => closeAppContext(ctx))

const { call, refused } = contractCaller(() => handlers)

const topics = ['river', 'mountain', 'forest', 'desert', 'ocean', 'glacier']
const doc = (i: number): string =>
  `note ${i} about the ${topics[i % topics.length]} and the ${topics[(i * 7 + 3) % topics.length]} trail`

async function collection(name: string, n: number, keywordSearch = false): Promise<CollectionSummary> {
  const c = await call<CollectionSummary>('collections.create', { name, embeddingModel: model, keywordSearch })
  for (let s = 0; s < n; s += 1000) {
    const records = Array.from({ length: Math.min(1000, n - s) }, (_, k) => ({
      id: `n${s + k}`,
      document: doc(s + k),
      metadata: { i: s + k }
    }))
    await call('records.add', { collectionId: c.id, records })
  }
  return call<CollectionSummary>('collections.get', { id: c.id })
}

const hybrid = (collectionId: string, extra: object = {}): Promise<HybridRow[]> =>
  call<HybridRow[]>('records.hybrid', {
    collectionId,
    text: 'glacier trail',
    nResults: 10,
    denseWeight: 1,
    keywordWeight: 1,
    rrfK: 60,
    ...extra
  })

describe('keyword search and hybrid queries', () => {
  it('a collection created with keyword search fuses both rankings by weighted Rrf', async () => {
    const c = await collection('notes', 60, true)
    expect(c.keywordKey).toBe('bm25')
    const rows = await hybrid(c.id, { denseWeight: 0.7, keywordWeight: 1.3, rrfK: 20 })
    expect(rows).toHaveLength(10)
    // The fused score is Rrf over the ranks the same call reports: Chroma's ranks count from 0, and a
    // record missing from a ranking's 100 candidates counts as ranked 100.
    const rank = (r: number | null): number => (r === null ? 100 : r - 1)
    for (const r of rows) {
      const expected = -(0.7 / (20 + rank(r.denseRank)) + 1.3 / (20 + rank(r.keywordRank)))
      expect(r.score).toBeCloseTo(expected, 5)
    }
    expect(rows.map((r) => r.score)).toEqual([...rows.map((r) => r.score)].sort((a, b) => a - b))
    // Each ranking alone, through the existing query call and a keyword-only hybrid, gives those ranks.
    const dense = await call<RecordRow[]>('records.query', { collectionId: c.id, text: 'glacier trail', nResults: 100 })
    const keywordOnly = await hybrid(c.id, { denseWeight: 0, nResults: 100 })
    for (const r of rows) {
      if (r.denseRank !== null) expect(dense[r.denseRank - 1]?.id).toBe(r.id)
      if (r.keywordRank !== null) expect(keywordOnly[r.keywordRank - 1]?.id).toBe(r.id)
    }
    // Keyword-only: every hit mentions glacier or trail, and those naming both come first.
    expect(keywordOnly.every((r) => /glacier|trail/.test(r.document ?? ''))).toBe(true)
    expect(keywordOnly[0]?.document).toMatch(/glacier/)
  })

  it('filters apply to both rankings', async () => {
    const c = await collection('filtered', 60, true)
    const rows = await hybrid(c.id, { where: { i: { $lt: 30 } }, whereDocument: { $contains: 'ocean' } })
    expect(rows.length).toBeGreaterThan(0)
    for (const r of rows) {
      expect((r.metadata?.i as number) < 30).toBe(true)
      expect(r.document).toContain('ocean')
    }
    expect(documentFilterAsWhere({ $or: [{ $contains: 'a' }, { $not_contains: 'b' }] })).toEqual({
      $or: [{ '#document': { $contains: 'a' } }, { '#document': { $not_contains: 'b' } }]
    })
  })

  it('a stored collection gets a keyword index from a job; asking again fills only what is missing', async () => {
    const c = await collection('later', 1200)
    expect(c.keywordKey).toBeNull()
    expect(await refused('records.hybrid', { ...base(c.id) })).toMatch(/has no keyword index yet/)
    const job = await call<JobStatus>('collections.enableKeywordSearch', { id: c.id })
    expect(job).toMatchObject({ kind: 'keyword-index', unit: 'records', collectionId: c.id })
    const done = await ctx.jobs.settled(job.jobId)
    expect(done).toMatchObject({ state: 'done', done: 1200, total: 1200 })
    expect((await call<CollectionSummary>('collections.get', { id: c.id })).keywordKey).toBe('bm25')
    expect((await hybrid(c.id, { denseWeight: 0 }))[0]?.document).toMatch(/glacier/)
    // Records written afterwards are indexed by the write itself.
    await call('records.add', {
      collectionId: c.id,
      records: [{ id: 'late', document: 'a zeppelin over the glacier' }]
    })
    const hits = await hybrid(c.id, { denseWeight: 0, text: 'zeppelin' })
    expect(hits.map((r) => r.id)).toEqual(['late'])
    // Asking again finds nothing left to do.
    const again = await ctx.jobs.settled((await call<JobStatus>('collections.enableKeywordSearch', { id: c.id })).jobId)
    expect(again).toMatchObject({ state: 'done', done: 1201, total: 1201 })
  })

  it('a cancelled indexing job leaves the rest to a second run, and the status says how many', async () => {
    const c = await collection('cancelled', 6000)
    const job = await call<JobStatus>('collections.enableKeywordSearch', { id: c.id })
    const midway = new Promise<void>((resolve) => {
      const off = ctx.events.subscribe((e) => {
        if (e.type === 'job' && e.status.jobId === job.jobId && (e.status.done > 0 || e.status.state !== 'running')) {
          off()
          resolve()
        }
      })
    })
    await midway
    await call('jobs.cancel', { jobId: job.jobId })
    expect((await ctx.jobs.settled(job.jobId)).state).toBe('cancelled')
    const stopped = await call<KeywordStatus>('collections.keywordStatus', { id: c.id })
    expect(stopped).toMatchObject({ key: 'bm25', documents: 6000 })
    expect(stopped.missing).toBeGreaterThan(0)
    expect(stopped.missing).toBeLessThan(6000)
    const second = await ctx.jobs.settled(
      (await call<JobStatus>('collections.enableKeywordSearch', { id: c.id })).jobId
    )
    expect(second).toMatchObject({ state: 'done', done: 6000, total: 6000 })
    expect(await call<KeywordStatus>('collections.keywordStatus', { id: c.id })).toEqual({
      key: 'bm25',
      documents: 6000,
      missing: 0
    })
  })

  it('refuses what it cannot do, clearly', async () => {
    const c = await collection('plain', 3)
    await ctx.client.db.update(c.id, { ids: ['n0'], metadatas: [{ bm25: 'taken' }] })
    expect(await refused('collections.enableKeywordSearch', { id: c.id })).toMatch(
      /Records already hold metadata under 'bm25'/
    )
    expect(await refused('records.hybrid', { ...base(c.id), denseWeight: 0, keywordWeight: 0 })).toMatch(
      /at least one ranking a weight above 0/
    )
    expect(await refused('records.hybrid', { ...base(c.id), connection: 'some-server' })).toMatch(
      /this computer's database only/
    )
    expect(
      await refused('collections.create', { name: 'remote-kw', connection: 'some-server', keywordSearch: true })
    ).toMatch(/this computer's database only/)
    // One sparse index per collection, as Chroma rules.
    const splade = await ctx.client.db.createCollection(
      { tenant: 'default_tenant', database: 'default_database' },
      {
        name: 'has-splade',
        schema: {
          defaults: {},
          keys: { splade: { sparse_vector: { sparse_vector_index: { enabled: true, config: {} } } } }
        }
      }
    )
    expect(await refused('collections.enableKeywordSearch', { id: splade.id })).toMatch(
      /Only one sparse vector index allowed per collection. Key 'splade' already has a sparse vector index/
    )
  })
})

function base(collectionId: string): object {
  return { collectionId, text: 'glacier', nResults: 5, denseWeight: 1, keywordWeight: 1, rrfK: 60 }
}
