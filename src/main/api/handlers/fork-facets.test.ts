// records.facets and collections.fork through the contract: facets under the table's filter; a fork
// as an app job, checked before it starts, cancelled within a second with nothing left behind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionSummary, FacetSummary, JobStatus } from '../../../shared/contract.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import type { Handlers } from '../dispatch.js'
import { createHandlers } from '../handlers.js'
import { contractCaller } from '../testing/handlers.js'

let ctx: AppContext
let handlers: Handlers

beforeEach(() => {
  ctx = openAppContext({ path: null })
  handlers = createHandlers(ctx)
})
afterEach(async () => closeAppContext(ctx))

const { call, refused } = contractCaller(() => handlers)

async function collection(name: string, n: number): Promise<CollectionSummary> {
  const c = await call<CollectionSummary>('collections.create', { name, embeddingModel: null })
  for (let s = 0; s < n; s += 1000) {
    const records = Array.from({ length: Math.min(1000, n - s) }, (_, k) => ({
      id: `r${s + k}`,
      embedding: [s + k, 1, 2],
      metadata: { lang: (s + k) % 3 === 0 ? 'de' : 'en', size: s + k }
    }))
    await call('records.add', { collectionId: c.id, records })
  }
  return c
}

const byName = async (name: string): Promise<CollectionSummary | undefined> =>
  (await call<CollectionSummary[]>('collections.list', {})).find((c) => c.name === name)

describe('records.facets', () => {
  it('answers the top values and number range under a filter', async () => {
    const c = await collection('facet', 30)
    expect(await call<FacetSummary>('records.facets', { collectionId: c.id, key: 'lang' })).toMatchObject({
      records: 30,
      distinct: 2,
      values: [
        { value: 'en', count: 20 },
        { value: 'de', count: 10 }
      ]
    })
    const f = await call<FacetSummary>('records.facets', {
      collectionId: c.id,
      key: 'size',
      where: { lang: 'de' },
      limit: 3
    })
    expect(f).toMatchObject({ records: 10, distinct: 10, min: 0, max: 27 })
    expect(f.values).toHaveLength(3)
  })

  it('refuses a Chroma server connection and a bad filter with a message', async () => {
    const c = await collection('facet2', 3)
    expect(await refused('records.facets', { collectionId: c.id, key: 'lang', connection: 'a-server' })).toMatch(
      /this computer's database only/
    )
    expect(await refused('records.facets', { collectionId: c.id, key: 'lang', where: { lang: { $x: 1 } } })).toMatch(
      /Unknown operator \$x on "lang"/
    )
  })
})

describe('collections.fork', () => {
  it('runs as a fork job; the fork has the records and joins the lineage', async () => {
    const source = await collection('src', 2500)
    const job = await call<JobStatus>('collections.fork', { collectionId: source.id, name: 'src-fork' })
    expect(job).toMatchObject({ kind: 'fork', state: 'running', unit: 'records', collectionId: source.id })
    const done = await ctx.jobs.settled(job.jobId)
    expect(done).toMatchObject({ state: 'done', done: 2500, total: 2500 })
    const fork = await byName('src-fork')
    expect(fork).toMatchObject({ count: 2500, dimension: 3 })
    expect(done.result).toMatchObject({ id: fork?.id, name: 'src-fork' })
    expect(ctx.client.db.forkCount(source.id)).toBe(1)
    expect(await byName('src')).toMatchObject({ count: 2500 })
  })

  it('refuses before any job starts: a taken or invalid name, a Chroma server', async () => {
    const source = await collection('src', 2)
    await collection('taken', 0)
    const fork = (input: object) => refused('collections.fork', { collectionId: source.id, ...input })
    expect(await fork({ name: 'taken' })).toMatch(/\[taken\] already exists/)
    expect(await fork({ name: 'no good' })).toMatch(/Expected a name containing 3-512 characters/)
    expect(await fork({ name: 'src-2', connection: 'a-server' })).toMatch(/this computer's database only/)
    expect(ctx.jobs.list()).toEqual([])
  })

  it('a cancelled fork stops within a second and removes the half-made collection', async () => {
    const source = await collection('many', 20000)
    const job = await call<JobStatus>('collections.fork', { collectionId: source.id, name: 'many-fork' })
    await new Promise<void>((resolve) => {
      const off = ctx.events.subscribe((e) => {
        if (
          e.type === 'job' &&
          e.status.jobId === job.jobId &&
          (e.status.done >= 1000 || e.status.state !== 'running')
        ) {
          off()
          resolve()
        }
      })
    })
    const asked = performance.now()
    await call('jobs.cancel', { jobId: job.jobId })
    const ended = await ctx.jobs.settled(job.jobId)
    expect(ended.state).toBe('cancelled')
    expect(ended.error).toMatch(/Fork cancelled. "many-fork" was removed again/)
    expect(performance.now() - asked).toBeLessThan(1000)
    expect(await byName('many-fork')).toBeUndefined()
    expect(ctx.client.db.forkCount(source.id)).toBe(0)
  })
})
