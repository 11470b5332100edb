import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deleteSnapshot, openIndex, writeSnapshot } from './snapshot.js'
import { parseSnapshotFileName } from './snapshot-files.js'
import { clusteredVectors, seededRandom } from '../testing/synthetic.js'
import type { HnswParams, IndexSource, Space } from './types.js'

const ID = '3f0a6c1e-5b7d-4a2e-9c11-0d2f4b6a8e90'

/** An in-memory stand-in for the SQLite store: label -> (vector, seq of its last write). */
class FakeSource implements IndexSource {
  readonly rows = new Map<number, { vector: Float32Array; seq: number }>()
  currentSeq = 0
  allRowsCalls = 0
  constructor(
    public dim: number,
    public params: HnswParams
  ) {}

  put(label: number, vector: Float32Array): void {
    this.rows.set(label, { vector, seq: ++this.currentSeq })
  }
  delete(label: number): void {
    this.rows.delete(label)
    this.currentSeq++
  }
  liveLabels(): Iterable<number> {
    return this.rows.keys()
  }
  *rowsSince(seq: number): Iterable<{ label: number; vector: Float32Array }> {
    for (const [label, row] of this.rows) if (row.seq > seq) yield { label, vector: row.vector }
  }
  *allRows(): Iterable<{ label: number; vector: Float32Array }> {
    this.allRowsCalls++
    for (const [label, row] of this.rows) yield { label, vector: row.vector }
  }
}

function params(space: Space = 'l2'): HnswParams {
  return { space, M: 16, efConstruction: 100, efSearch: 100 }
}

function sourceWith(count: number, space: Space = 'l2', dim = 24): FakeSource {
  const src = new FakeSource(dim, params(space))
  clusteredVectors(count, dim, 10, 42).forEach((v, i) => src.put(i + 1, v))
  return src
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vindex-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

function indexFiles(): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.hnsw'))
}

/** Writes a snapshot of a freshly built index and returns the source. */
function snapshotOf(src: FakeSource): void {
  const { index } = openIndex(dir, ID, src)
  writeSnapshot(dir, ID, index, src.currentSeq)
}

describe('snapshots', () => {
  it.each(['l2', 'ip', 'cosine'] as const)('round-trips without a rebuild (%s)', (space) => {
    const src = sourceWith(600, space)
    const first = openIndex(dir, ID, src)
    expect(first).toMatchObject({ rebuilt: true, reason: 'no snapshot' })
    first.index.remove([5, 6])
    src.delete(5)
    src.delete(6)
    writeSnapshot(dir, ID, first.index, src.currentSeq)
    const calls = src.allRowsCalls

    const second = openIndex(dir, ID, src)
    expect(second.rebuilt).toBe(false)
    expect(second.reason).toBeUndefined()
    expect(src.allRowsCalls).toBe(calls)
    expect(second.index.size).toBe(598)
    const rand = seededRandom(3)
    for (let q = 0; q < 10; q++) {
      const query = Float32Array.from({ length: 24 }, () => rand() * 2 - 1)
      expect(second.index.search(query, 10)).toEqual(first.index.search(query, 10))
      const allowed = new Set([1, 2, 3, 5, 6, 100, 200])
      expect(second.index.search(query, 10, allowed)).toEqual(first.index.search(query, 10, allowed))
    }
    // A label deleted before the snapshot can be added again after reopening.
    second.index.upsert([5], [src.rows.get(7)!.vector])
    expect(second.index.size).toBe(599)
    expect(second.index.storedVector(5)).toEqual(second.index.storedVector(7))
    const pair = second.index.search(src.rows.get(7)!.vector, 5, new Set([5, 7]))
    expect(pair.map((h) => h.label)).toEqual([5, 7])
    expect(pair[0]!.distance).toBe(pair[1]!.distance)
  })

  it('replays rows written and deleted after the snapshot', () => {
    const src = sourceWith(500)
    snapshotOf(src)
    const calls = src.allRowsCalls
    src.delete(10)
    src.delete(11)
    const moved = Float32Array.from({ length: 24 }, () => 9)
    src.put(12, moved) // vector update of an existing row
    const added = Float32Array.from({ length: 24 }, () => -9)
    src.put(1000, added)

    const { index, rebuilt } = openIndex(dir, ID, src)
    expect(rebuilt).toBe(false)
    expect(src.allRowsCalls).toBe(calls)
    expect(index.size).toBe(499)
    expect(index.has(10) || index.has(11)).toBe(false)
    expect(index.search(moved, 1)).toEqual([{ label: 12, distance: 0 }])
    expect(index.search(added, 1)).toEqual([{ label: 1000, distance: 0 }])
  })

  it('keeps only one index file per collection and commits atomically', () => {
    const src = sourceWith(200)
    const { index } = openIndex(dir, ID, src)
    writeSnapshot(dir, ID, index, src.currentSeq)
    src.put(
      500,
      Float32Array.from({ length: 24 }, () => 1)
    )
    index.upsert([500], [src.rows.get(500)!.vector])
    // An uncommitted leftover from a crashed write must not matter and gets cleaned up.
    writeFileSync(join(dir, `${ID}.999.deadbeef.hnsw`), 'partial')
    writeSnapshot(dir, ID, index, src.currentSeq)
    expect(indexFiles()).toHaveLength(1)
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(false)
    expect(openIndex(dir, ID, src).rebuilt).toBe(false)
  })

  it('round-trips an empty index', () => {
    const src = new FakeSource(8, params())
    snapshotOf(src)
    expect(indexFiles()).toHaveLength(0)
    const { index, rebuilt } = openIndex(dir, ID, src)
    expect(rebuilt).toBe(false)
    expect(index.size).toBe(0)
  })

  it('builds in memory when dir is null', () => {
    const src = sourceWith(100)
    const { index, rebuilt } = openIndex(null, ID, src)
    expect(rebuilt).toBe(false)
    expect(index.size).toBe(100)
    expect(src.allRowsCalls).toBe(1)
  })

  it('deleteSnapshot removes the files', () => {
    const src = sourceWith(100)
    snapshotOf(src)
    deleteSnapshot(dir, ID)
    expect(readdirSync(dir)).toEqual([])
    expect(openIndex(dir, ID, src)).toMatchObject({ rebuilt: true, reason: 'no snapshot' })
    deleteSnapshot(join(dir, 'missing'), ID)
  })
})

describe('bad snapshots are rebuilt, never fatal', () => {
  function expectRebuilt(src: FakeSource, reason: RegExp): void {
    const calls = src.allRowsCalls
    const result = openIndex(dir, ID, src)
    expect(result.rebuilt).toBe(true)
    expect(result.reason).toMatch(reason)
    expect(src.allRowsCalls).toBe(calls + 1)
    expect(result.index.size).toBe(src.rows.size)
    const [label, row] = [...src.rows][7]!
    expect(result.index.search(row.vector, 1)[0]!.label).toBe(label)
  }

  function indexPath(): string {
    return join(dir, indexFiles()[0]!)
  }

  it('truncated index file', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    truncateSync(indexPath(), statSync(indexPath()).size - 100)
    expectRebuilt(src, /truncated/)
  })

  it('garbage of the right size', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    const size = statSync(indexPath()).size
    const rand = seededRandom(1)
    writeFileSync(indexPath(), Buffer.from(Array.from({ length: size }, () => Math.floor(rand() * 256))))
    expectRebuilt(src, /checksum/)
  })

  it('a single flipped bit (which hnswlib would load and later crash on)', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    const bytes = readFileSync(indexPath())
    bytes[200] = (bytes[200] as number) ^ 0x10
    writeFileSync(indexPath(), bytes)
    expectRebuilt(src, /checksum mismatch/)
  })

  it('missing index file', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    rmSync(indexPath())
    expectRebuilt(src, /missing/)
  })

  it('torn or garbage metadata', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    const metaFile = join(dir, `${ID}.meta.json`)
    const text = readFileSync(metaFile, 'utf8')
    writeFileSync(metaFile, text.slice(0, text.length / 2))
    expectRebuilt(src, /unreadable/)
    writeFileSync(metaFile, text.replace('"seq":', '"seq":1'))
    expectRebuilt(src, /checksum/)
    writeFileSync(metaFile, '')
    expectRebuilt(src, /unreadable/)
  })

  it('wrong dimension', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    const other = new FakeSource(12, params())
    clusteredVectors(50, 12, 3, 1).forEach((v, i) => other.put(i, v))
    other.currentSeq = src.currentSeq
    expectRebuilt(other, /dimension 24 does not match collection dimension 12/)
  })

  it('different HNSW parameters', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    src.params = { ...src.params, space: 'cosine' }
    expectRebuilt(src, /parameters/)
    src.params = { ...src.params, space: 'l2', M: 32 }
    expectRebuilt(src, /parameters/)
  })

  it('a different ef_search is not a mismatch', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    src.params = { ...src.params, efSearch: 17 }
    const { index, rebuilt } = openIndex(dir, ID, src)
    expect(rebuilt).toBe(false)
    expect(index.params.efSearch).toBe(17)
  })

  it('snapshot newer than the database', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    src.currentSeq -= 5
    expectRebuilt(src, /newer than the database/)
  })

  it('rows missing from both snapshot and replay', () => {
    const src = sourceWith(300)
    snapshotOf(src)
    // A row the snapshot never saw but whose seq is not after the snapshot (store inconsistency).
    src.rows.set(5000, { vector: Float32Array.from({ length: 24 }, () => 0), seq: 1 })
    expectRebuilt(src, /lacks 1 live rows/)
  })
})

describe('snapshot file names', () => {
  it('parses exactly the names writeSnapshot makes for a UUID collection id, nothing else', () => {
    const src = sourceWith(20)
    writeSnapshot(dir, ID, openIndex(null, ID, src).index, src.currentSeq)
    const names = readdirSync(dir).sort()
    expect(names.map(parseSnapshotFileName)).toEqual([
      { collectionId: ID, meta: false },
      { collectionId: ID, meta: true }
    ])
    for (const bad of [
      `../${ID}.meta.json`,
      `${ID}.meta.json.tmp`,
      `${ID}/x.meta.json`,
      `${ID.toUpperCase()}.meta.json`,
      `${ID}.1.abcdef.hnsw`,
      `${ID}.x.0123456789ab.hnsw`,
      'coll.meta.json',
      `${ID}.meta.json\n`
    ]) {
      expect(parseSnapshotFileName(bad), bad).toBeNull()
    }
  })
})
