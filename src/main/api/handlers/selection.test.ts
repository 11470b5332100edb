// The map's selection as the records table's bulk actions take it: an export and a copy restricted to
// the chosen ids (src/main/portability/selection.ts), over the contract as the UI calls them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CollectionSummary, CopyStatus, ExportResult, RecordPage } from '../../../shared/contract.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import { createHandlers } from '../handlers.js'
import { contractCaller } from '../testing/handlers.js'
import { exportToTemp } from './transfer.js'

let root: string
let ctx: AppContext
let collectionId: string
const { call, refused } = contractCaller(() => createHandlers(ctx))

/** The record ids of a JSONL export, in file order (header and footer lines carry none). */
function exportedIds(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { id?: string })
    .flatMap((row) => (row.id === undefined ? [] : [row.id]))
}

beforeEach(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-selection-'))
  ctx = openAppContext({ path: null, dialogs: { saveFile: async (name) => path.join(root, name) } })
  const c = await call<CollectionSummary>('collections.create', { name: 'source', embeddingModel: null })
  collectionId = c.id
  await call('records.add', {
    collectionId,
    records: Array.from({ length: 120 }, (_, i) => ({
      id: `r${i}`,
      embedding: [i, i % 7, 1],
      document: `record ${i}`,
      metadata: { i }
    }))
  })
})
afterEach(async () => {
  await closeAppContext(ctx)
  rmSync(root, { recursive: true, force: true })
})

// Spread over the collection, one id twice, one that does not exist (deleted since it was picked).
const picked = ['r3', 'r50', 'r119', 'r7', 'r50', 'gone']
const expected = ['r3', 'r50', 'r119', 'r7']

describe('a selection of records', () => {
  it('exports exactly the chosen records, in both formats and as the browser download', async () => {
    const jsonl = await call<ExportResult>('collections.export', { collectionId, ids: picked })
    expect(jsonl.records).toBe(4)
    expect(exportedIds(jsonl.file).sort()).toEqual([...expected].sort())
    const all = await call<ExportResult>('collections.export', { collectionId })
    expect(all.records).toBe(120)

    const parquet = await call<ExportResult>('collections.export', { collectionId, ids: picked, format: 'parquet' })
    expect(parquet.records).toBe(4)

    const download = await exportToTemp(ctx, undefined, collectionId, 'jsonl', picked)
    try {
      expect(exportedIds(download.file).sort()).toEqual([...expected].sort())
    } finally {
      download.done()
    }
  })

  it('copies exactly the chosen records to a new collection', async () => {
    const started = await call<CopyStatus>('collections.copy', {
      collectionId,
      target: 'local',
      name: 'picked',
      ids: picked
    })
    const done = await ctx.jobs.settled(started.jobId)
    expect(done.state).toBe('done')
    expect(await call<CopyStatus>('copy.status', { jobId: started.jobId })).toMatchObject({ copied: 4, total: 4 })
    const copy = (await call<CollectionSummary[]>('collections.list', {})).find((c) => c.name === 'picked')!
    const page = await call<RecordPage>('records.page', { collectionId: copy.id, limit: 100, offset: 0 })
    expect(page.rows.map((r) => r.id).sort()).toEqual([...expected].sort())
    // The source keeps every record.
    expect(await call('records.count', { collectionId })).toBe(120)
  })

  it('refuses an empty selection instead of exporting or copying everything', async () => {
    expect(await refused('collections.export', { collectionId, ids: [] })).toMatch(/ids/)
    expect(await refused('collections.copy', { collectionId, target: 'local', name: 'none', ids: [] })).toMatch(/ids/)
  })
})
