import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PersistentClient } from '../engine/index.js'
import { keepsRow, openRowSnapshot, type RowSource } from './read-rows.js'

/** Every kept row's id and embedding, read in one snapshot, with the progress reported. */
function readRows(source: RowSource, onProgress: (done: number) => void) {
  const snapshot = openRowSnapshot(source)
  try {
    const ids: string[] = []
    const vectors: number[] = []
    snapshot.forEach(
      (id, embedding) => {
        ids.push(id)
        vectors.push(...embedding)
      },
      (done) => onProgress(done)
    )
    return { ids, vectors: Float32Array.from(vectors), n: ids.length, dim: snapshot.dim, total: snapshot.total }
  } finally {
    snapshot.close()
  }
}

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

  it('a snapshot keeps its rows while the app writes on, and spreads its sample over them', async () => {
    const c = await client.createCollection({ name: 'snap', embeddingFunction: null })
    const embeddings = Array.from({ length: 40 }, (_, i) => [i, 1, 2])
    await c.add({ ids: embeddings.map((_, i) => `s${i}`), embeddings })
    const source = client.db.rowSource(c.id)!
    const snapshot = openRowSnapshot({ dbFile: source.dbFile, cid: source.cid, limit: 1000 })
    try {
      expect(snapshot).toMatchObject({ total: 40, kept: 40, dim: 3 })
      const spread = snapshot.spread(8)
      expect(spread.n).toBe(8)
      const firsts = Array.from({ length: 8 }, (_, i) => spread.vectors[i * 3]!)
      expect(firsts[0]).toBe(0)
      expect(firsts.at(-1)).toBeGreaterThanOrEqual(34)
      expect(new Set(firsts).size).toBe(8)
      // Written after the snapshot began: neither pass sees it, and both passes see the same rows.
      await c.add({ ids: ['late'], embeddings: [[99, 99, 99]] })
      await c.delete({ ids: ['s0'] })
      const passes: string[][] = [[], []]
      for (const pass of passes) snapshot.forEach((id) => pass.push(id))
      expect(passes[0]).toEqual(embeddings.map((_, i) => `s${i}`))
      expect(passes[1]).toEqual(passes[0])
    } finally {
      snapshot.close()
    }
    // A new snapshot sees the writes.
    expect(readRows({ dbFile: source.dbFile, cid: source.cid, limit: 1000 }, () => {}).ids).toEqual([
      ...embeddings.slice(1).map((_, i) => `s${i + 1}`),
      'late'
    ])
  })

  it('spreads its sample over the rows, however other collections interleave their row ids', async () => {
    const a = await client.createCollection({ name: 'gapped', embeddingFunction: null })
    const b = await client.createCollection({ name: 'between', embeddingFunction: null })
    const ids = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `a${from + i}`)
    const rows = (from: number, count: number): number[][] => Array.from({ length: count }, (_, i) => [from + i, 0, 0])
    await a.add({ ids: ids(0, 50), embeddings: rows(0, 50) })
    // Another collection's 5,000 rows take the row ids between this one's halves.
    await b.add({
      ids: Array.from({ length: 5000 }, (_, i) => `b${i}`),
      embeddings: Array.from({ length: 5000 }, () => [1, 2, 3])
    })
    await a.add({ ids: ids(50, 50), embeddings: rows(50, 50) })
    const source = client.db.rowSource(a.id)!
    const snapshot = openRowSnapshot({ dbFile: source.dbFile, cid: source.cid, limit: 1000 })
    try {
      const all = snapshot.spread(3000)
      expect(all.n).toBe(100)
      expect(Array.from({ length: 100 }, (_, i) => all.vectors[i * 3])).toEqual(rows(0, 100).map((r) => r[0]))
      // Ten of a hundred: every tenth row, as many from each half.
      const ten = snapshot.spread(10)
      expect(Array.from({ length: ten.n }, (_, i) => ten.vectors[i * 3])).toEqual([
        0, 10, 20, 30, 40, 50, 60, 70, 80, 90
      ])
    } finally {
      snapshot.close()
    }
  })

  it('an empty collection has no rows to spread or visit', async () => {
    const c = await client.createCollection({ name: 'empty', embeddingFunction: null })
    const source = client.db.rowSource(c.id)!
    const snapshot = openRowSnapshot({ dbFile: source.dbFile, cid: source.cid, limit: 10 })
    expect(snapshot).toMatchObject({ total: 0, kept: 0, dim: 0 })
    expect(snapshot.spread(5).n).toBe(0)
    let visits = 0
    snapshot.forEach(() => visits++)
    expect(visits).toBe(0)
    snapshot.close()
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
