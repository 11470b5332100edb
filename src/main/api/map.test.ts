import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionSummary, JobStatus, RecordPage } from '../../shared/contract.js'
import { decodeMapLayout, type MapLayout, type MapValues } from '../../shared/map-layout.js'
import { clusteredVectors } from '../engine/testing/synthetic.js'
import { backupDataDir, restoreAsDatabase } from '../portability/backup.js'
import { closeAppContext, openAppContext, type AppContext } from './context.js'
import { createHandlers } from './handlers.js'
import { contractCaller } from './testing/handlers.js'

let root: string
let ctx: AppContext
const { call, refused } = contractCaller(() => createHandlers(ctx))

const DIM = 12
/** Records in three groups (a, b, c), each near its own centre. */
function records(from: number, count: number, groups = ['a', 'b', 'c']) {
  const centres = clusteredVectors(3, DIM, 3, 9, 0).map((c) => c.map((x) => x * 10))
  const noise = clusteredVectors(count, DIM, 1, from + 1, 0.2)
  return Array.from({ length: count }, (_, j) => {
    const i = from + j
    const g = i % groups.length
    return {
      id: `r${i}`,
      document: `record ${i}\nsecond line`,
      embedding: Array.from(centres[g]!, (x, d) => x + noise[j]![d]!),
      metadata: { group: groups[g]!, rank: i }
    }
  })
}

async function addRecords(collectionId: string, from: number, count: number): Promise<void> {
  for (let at = from; at < from + count; at += 500) {
    await call('records.add', { collectionId, records: records(at, Math.min(500, from + count - at)) })
  }
}

/** A new collection of `count` records (three groups), without a map yet. */
async function collectionOf(count: number): Promise<CollectionSummary> {
  const c = await call<CollectionSummary>('collections.create', { name: 'points', embeddingModel: null })
  await addRecords(c.id, 0, count)
  return c
}

async function layoutOf(collectionId: string): Promise<MapLayout> {
  const bytes = await call<Uint8Array | null>('collections.mapLayout', { collectionId })
  expect(bytes).not.toBeNull()
  return decodeMapLayout(bytes!)
}

async function mapped(collectionId: string, recompute = false): Promise<JobStatus> {
  const job = await call<JobStatus | null>('collections.mapStart', { collectionId, recompute })
  expect(job?.kind).toBe('map')
  return ctx.jobs.settled(job!.jobId)
}

/** Mean distance of each point to its group's centre, over the distance between group centres. */
function separation(layout: MapLayout, group: (id: string) => number): number {
  const sums = [0, 1, 2].map(() => ({ x: 0, y: 0, n: 0 }))
  layout.header.ids.forEach((id, i) => {
    const s = sums[group(id)]!
    s.x += layout.coords[i * 2]!
    s.y += layout.coords[i * 2 + 1]!
    s.n++
  })
  const centre = sums.map((s) => ({ x: s.x / s.n, y: s.y / s.n }))
  let within = 0
  layout.header.ids.forEach((id, i) => {
    const c = centre[group(id)]!
    within += Math.hypot(layout.coords[i * 2]! - c.x, layout.coords[i * 2 + 1]! - c.y)
  })
  within /= layout.header.ids.length
  const between = Math.min(
    Math.hypot(centre[0]!.x - centre[1]!.x, centre[0]!.y - centre[1]!.y),
    Math.hypot(centre[1]!.x - centre[2]!.x, centre[1]!.y - centre[2]!.y),
    Math.hypot(centre[0]!.x - centre[2]!.x, centre[0]!.y - centre[2]!.y)
  )
  return within / between
}
const groupOf = (id: string): number => Number(id.slice(1)) % 3

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-map-'))
  ctx = openAppContext({ path: path.join(root, 'data') })
})
afterEach(async () => {
  await closeAppContext(ctx)
  rmSync(root, { recursive: true, force: true })
})

describe('the map', () => {
  it('lays out every record (PCA, then UMAP) as a job, caches it, and places added records near their neighbours', async () => {
    const c = await call<CollectionSummary>('collections.create', { name: 'points', embeddingModel: null })
    await addRecords(c.id, 0, 600)
    expect(await call('collections.mapLayout', { collectionId: c.id })).toBeNull()

    const done = await mapped(c.id)
    expect(done.state).toBe('done')
    const layout = await layoutOf(c.id)
    expect(layout.header.stage).toBe('umap')
    expect(new Set(layout.header.ids)).toEqual(new Set(records(0, 600).map((r) => r.id)))
    expect(layout.header.total).toBe(600)
    expect(separation(layout, groupOf)).toBeLessThan(0.3)
    expect(readdirSync(path.join(root, 'data', 'map-cache'))).toHaveLength(1)

    // Values in point order: categories for strings, numbers with their range.
    const groups = await call<MapValues>('collections.mapValues', { collectionId: c.id, key: 'group' })
    expect(groups.kind).toBe('category')
    if (groups.kind !== 'category') throw new Error('categories expected')
    expect([...groups.categories].sort()).toEqual(['a', 'b', 'c'])
    layout.header.ids.forEach((id, i) => expect(groups.categories[groups.codes[i]!]).toBe('abc'[groupOf(id)]))
    const ranks = await call<MapValues>('collections.mapValues', { collectionId: c.id, key: 'rank' })
    expect(ranks).toMatchObject({ kind: 'number', min: 0, max: 599 })
    const missing = await call<MapValues>('collections.mapValues', { collectionId: c.id, key: 'nope' })
    expect(missing.kind === 'category' && missing.codes.every((code) => code === -1)).toBe(true)

    // A where filter's matches, as point indices.
    const matched = await call<number[]>('collections.mapMatch', { collectionId: c.id, where: { group: 'b' } })
    expect(matched).toHaveLength(200)
    expect(matched.every((i) => groupOf(layout.header.ids[i]!) === 1)).toBe(true)

    // 30 added, 10 deleted: the layout is updated in place, not recomputed.
    await addRecords(c.id, 600, 30)
    await call('records.delete', {
      collectionId: c.id,
      ids: ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']
    })
    const update = await mapped(c.id)
    expect(update.result).toEqual({ updated: true })
    const updated = await layoutOf(c.id)
    expect(updated.header.ids).toHaveLength(620)
    expect(updated.header.ids).not.toContain('r0')
    expect(updated.header.ids.slice(-30)).toEqual(records(600, 30).map((r) => r.id))
    // Kept points stay where they were; the added ones land among their own group.
    const before = new Map(layout.header.ids.map((id, i) => [id, i]))
    updated.header.ids.slice(0, 590).forEach((id, i) => {
      expect(updated.coords[i * 2]).toBe(layout.coords[before.get(id)! * 2])
    })
    expect(separation(updated, groupOf)).toBeLessThan(0.3)

    // The cache outlives the app: a new context answers from the file before any job.
    await closeAppContext(ctx)
    ctx = openAppContext({ path: path.join(root, 'data') })
    const reopened = await layoutOf(c.id)
    expect(reopened.header.ids).toEqual(updated.header.ids)
    expect(await call('collections.mapStart', { collectionId: c.id })).toBeNull()
  }, 120_000)

  it('serves a current layout without a job; any write since (even one that keeps the ids) brings one', async () => {
    const c = await collectionOf(200)
    await mapped(c.id)
    const jobsBefore = ctx.jobs.list().length
    const layout = await layoutOf(c.id)
    // Opening the tab again, twice: no job, the same layout.
    expect(await call('collections.mapStart', { collectionId: c.id })).toBeNull()
    expect(await call('collections.mapStart', { collectionId: c.id })).toBeNull()
    expect(ctx.jobs.list()).toHaveLength(jobsBefore)
    expect((await layoutOf(c.id)).header.updatedAt).toBe(layout.header.updatedAt)

    // A metadata update keeps the ids and the count: a job checks them, and then the layout is current again.
    await call('records.update', { collectionId: c.id, id: 'r1', metadata: { group: 'z', rank: 1 } })
    expect((await mapped(c.id)).result).toEqual({ updated: true })
    expect(await call('collections.mapStart', { collectionId: c.id })).toBeNull()
    // Recompute always starts one.
    expect((await mapped(c.id, true)).result).toEqual({ updated: false })
    expect(await call('collections.mapStart', { collectionId: c.id })).toBeNull()
  }, 120_000)

  it('a collection restored under the same id is not served the layout of its namesake, whatever its write number', async () => {
    // 1,000 records in two writes (seq 2), mapped; then 500 more (seq 3) and a backup of that.
    const c = await collectionOf(1000)
    await mapped(c.id)
    const before = await layoutOf(c.id)
    expect(before.header.ids).toHaveLength(1000)
    await addRecords(c.id, 1000, 500)
    const backup = path.join(root, 'points.cdbackup')
    await backupDataDir(path.join(root, 'data'), backup)
    // Deleted, then restored into its (now empty) database: the same id, 1,500 records in two writes,
    // so its write number is 2 again, as the layout's.
    await call('collections.delete', { id: c.id })
    const report = await restoreAsDatabase(ctx.client.db, backup, {
      tenant: 'default_tenant',
      database: 'default_database'
    })
    expect(report.collections).toMatchObject([{ id: c.id, records: 1500 }])
    // The case itself: the restored collection's write number is the old layout's.
    expect(ctx.client.db.writeMark(c.id).seq).toBe(before.header.seq)

    const job = await call<JobStatus | null>('collections.mapStart', { collectionId: c.id })
    expect(job).not.toBeNull()
    await ctx.jobs.settled(job!.jobId)
    expect(new Set((await layoutOf(c.id)).header.ids)).toEqual(new Set(records(0, 1500).map((r) => r.id)))
  }, 120_000)

  it('records whose embedding changed since (an update, a re-embedding) are placed again, not left where they were', async () => {
    const c = await collectionOf(300)
    await mapped(c.id)
    // Every record gets another record's vector: the groups become thirds of the ids (r0..r99 near
    // group a's centre, and so on), which the old layout, grouped by i % 3, mixes.
    const byThird = (id: string): number => Math.floor(Number(id.slice(1)) / 100)
    const moved = records(0, 300)
    ctx.client.db.update(c.id, {
      ids: moved.map((r) => r.id),
      embeddings: moved.map((r, i) => records(byThird(r.id), 1)[0]!.embedding.map((x) => x + i * 1e-4))
    })
    const job = await call<JobStatus | null>('collections.mapStart', { collectionId: c.id })
    expect(job).not.toBeNull()
    await ctx.jobs.settled(job!.jobId)
    expect(separation(await layoutOf(c.id), byThird)).toBeLessThan(0.3)
  }, 120_000)

  it('recomputes from scratch on request, rebuilds a damaged cache, and cancels within a second', async () => {
    const c = await collectionOf(300)
    await mapped(c.id)
    const [file] = readdirSync(path.join(root, 'data', 'map-cache'))
    const cache = path.join(root, 'data', 'map-cache', file!)
    expect((await mapped(c.id, true)).result).toEqual({ updated: false })

    await closeAppContext(ctx)
    writeFileSync(cache, 'not a layout')
    ctx = openAppContext({ path: path.join(root, 'data') })
    expect(await call('collections.mapLayout', { collectionId: c.id })).toBeNull()
    expect((await mapped(c.id)).state).toBe('done')
    expect((await layoutOf(c.id)).header.ids).toHaveLength(300)
    expect(existsSync(cache)).toBe(true)

    await addRecords(c.id, 300, 3000)
    const job = (await call<JobStatus | null>('collections.mapStart', { collectionId: c.id, recompute: true }))!
    await new Promise((r) => setTimeout(r, 300))
    const asked = Date.now()
    ctx.jobs.cancel(job.jobId)
    const end = await ctx.jobs.settled(job.jobId)
    expect(end.state).toBe('cancelled')
    expect(Date.now() - asked).toBeLessThan(1000)
  }, 120_000)

  it('the records table takes a selection of ids, and unknown collections are refused', async () => {
    const c = await call<CollectionSummary>('collections.create', { name: 'points', embeddingModel: null })
    await addRecords(c.id, 0, 30)
    const ids = ['r3', 'r4', 'r5', 'r6', 'missing']
    const page = await call<RecordPage>('records.page', { collectionId: c.id, limit: 2, offset: 0, ids })
    expect(page.total).toBe(4)
    expect(page.rows).toHaveLength(2)
    const onlyB = await call<number>('records.count', { collectionId: c.id, ids, where: { group: 'b' } })
    // Of r3..r6 only r4 is in group b (i % 3 === 1).
    expect(onlyB).toBe(1)
    expect(await refused('collections.mapStart', { collectionId: 'nope' })).toMatch(/does not exist|not found/i)
    expect(await refused('collections.mapValues', { collectionId: c.id, key: 'group' })).toMatch(/not computed yet/)
  }, 60_000)
})
