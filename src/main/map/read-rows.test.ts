import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PersistentClient } from '../engine/index.js'
import { keepsRow, readRows } from './read-rows.js'

let root: string
let client: PersistentClient
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-read-rows-'))
  client = new PersistentClient({ path: root })
})
afterEach(async () => {
  await client.close()
  rmSync(root, { recursive: true, force: true })
})

describe('readRows (the layout worker reading the database file)', () => {
  it('reads every embedding as stored, in order, and an even sample above the limit', async () => {
    const c = await client.createCollection({ name: 'rows', embeddingFunction: null })
    const embeddings = Array.from({ length: 50 }, (_, i) => [i, -i / 3, 0.1 * i])
    await c.add({ ids: embeddings.map((_, i) => `r${i}`), embeddings })
    // Another collection's rows stay out.
    const other = await client.createCollection({ name: 'other', embeddingFunction: null })
    await other.add({ ids: ['x'], embeddings: [[9, 9, 9]] })
    const source = client.db.rowSource(c.id)!

    const progress: number[] = []
    const all = readRows({ dbFile: source.dbFile, cid: source.cid, limit: 1000 }, (done) => progress.push(done))
    expect(all).toMatchObject({ n: 50, dim: 3, total: 50 })
    expect(all.ids).toEqual(embeddings.map((_, i) => `r${i}`))
    expect(Array.from(all.vectors)).toEqual(embeddings.flat().map((x) => Math.fround(x)))
    expect(progress.at(-1)).toBe(50)

    const sample = readRows({ dbFile: source.dbFile, cid: source.cid, limit: 20 }, () => {})
    expect(sample).toMatchObject({ n: 20, total: 50 })
    // Spread over the whole collection: the first and the last fifth both contribute.
    const kept = sample.ids.map((id) => Number(id.slice(1)))
    expect(kept[0]).toBe(0)
    expect(kept.at(-1)).toBeGreaterThanOrEqual(45)
    expect(Array.from(sample.vectors.subarray(3, 6))).toEqual(embeddings[kept[1]!]!.map((x) => Math.fround(x)))
    expect(client.db.rowSource(c.id)!.seq).toBe(source.seq)
  })

  it('keeps exactly ceil(total / stride) rows', () => {
    for (const [total, limit] of [
      [10, 10],
      [1000, 300],
      [999, 7]
    ] as const) {
      const stride = Math.max(1, total / limit)
      let kept = 0
      for (let i = 0; i < total; i++) if (keepsRow(i, stride)) kept++
      expect(kept).toBe(Math.min(total, limit))
    }
  })
})
