// Shared by the portability tests: seeded records with every metadata type, and exact comparisons.
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { expect } from 'vitest'
import { DATABASE_FILE, type Metadata } from '../engine/index.js'
import { freePort, LOOPBACK } from '../engine/testing/free-port.js'
import { seededRandom } from '../engine/testing/synthetic.js'
import type { CollectionEndpoint, RecordBatch } from './types.js'

export interface TestRecords {
  ids: string[]
  embeddings: Float32Array[]
  documents: (string | null)[]
  metadatas: (Metadata | null)[]
  uris: (string | null)[]
}

/**
 * `count` records of dimension `dim`. Metadata mixes every scalar type; `arrays` adds lists of each
 * type (our engine only: Chroma 1.0 has no list values). Embeddings include -0 and tiny values,
 * which a JSON round trip would not keep bit for bit.
 */
export function makeRecords(count: number, dim: number, seed: number, arrays = true): TestRecords {
  const r = seededRandom(seed)
  const out: TestRecords = { ids: [], embeddings: [], documents: [], metadatas: [], uris: [] }
  for (let i = 0; i < count; i++) {
    const v = Float32Array.from({ length: dim }, () => (r() * 2 - 1) * 10 ** Math.floor(r() * 6 - 3))
    if (i % 7 === 0) v[0] = -0
    if (i % 11 === 0) v[dim - 1] = 1.4e-45 // the smallest float32 denormal
    out.ids.push(`rec-${i}-${Math.floor(r() * 1e9).toString(36)}`)
    out.embeddings.push(v)
    out.documents.push(i % 5 === 4 ? null : `document ${i} ünïcødé 🚀 "quoted" \\ ${r()}`)
    out.uris.push(i % 3 === 0 ? `file:///tmp/doc-${i}.txt` : null)
    if (i % 9 === 8) {
      out.metadatas.push(null)
      continue
    }
    const m: Metadata = {
      s: `str-${i}`,
      int: i * 3 - 1000,
      big: 2 ** 40 + i,
      float: r() * 100 - 50,
      tiny: 1e-30 * (i + 1),
      bool: i % 2 === 0,
      empty: ''
    }
    if (arrays) {
      m.strs = ['a', `b${i}`, '']
      m.ints = [1, -2, i]
      m.floats = [1, 2.5, -0.125] // a list with a fraction is a float list as a whole
      m.bools = [true, false]
    }
    out.metadatas.push(m)
  }
  return out
}

export function batchOf(t: TestRecords, start = 0, end = t.ids.length): RecordBatch {
  return {
    ids: t.ids.slice(start, end),
    embeddings: t.embeddings.slice(start, end),
    documents: t.documents.slice(start, end),
    metadatas: t.metadatas.slice(start, end),
    uris: t.uris.slice(start, end)
  }
}

/** Every record of an endpoint, keyed by id. */
export async function readAll(col: CollectionEndpoint): Promise<Map<string, RecordRow>> {
  const out = new Map<string, RecordRow>()
  for await (const b of col.read(777)) {
    b.ids.forEach((id, i) =>
      out.set(id, {
        embedding: b.embeddings[i] as Float32Array,
        document: b.documents[i] ?? null,
        metadata: b.metadatas[i] ?? null,
        uri: b.uris[i] ?? null
      })
    )
  }
  return out
}

export interface RecordRow {
  embedding: Float32Array
  document: string | null
  metadata: Metadata | null
  uri: string | null
}

const bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength)

/** Distance in representable doubles between two finite numbers of the same sign. */
function ulpsApart(a: number, b: number): number {
  const buf = new DataView(new ArrayBuffer(16))
  buf.setFloat64(0, a)
  buf.setFloat64(8, b)
  const d = buf.getBigInt64(0) - buf.getBigInt64(8)
  return Number(d < 0n ? -d : d)
}

/**
 * Replaces, in `actual`, float metadata values within `ulps` of the expected value by the expected
 * value, and returns how many it replaced (Chroma 1.0's JSON parser is not correctly rounded).
 */
export function absorbFloatUlps(actual: Map<string, RecordRow>, expected: TestRecords, ulps: number): number {
  let n = 0
  expected.ids.forEach((id, i) => {
    const a = actual.get(id)?.metadata
    const e = expected.metadatas[i]
    if (!a || !e) return
    for (const [k, v] of Object.entries(e)) {
      const got = a[k]
      if (
        typeof v === 'number' &&
        typeof got === 'number' &&
        got !== v &&
        !Number.isInteger(v) &&
        ulpsApart(got, v) <= ulps
      ) {
        a[k] = v
        n++
      }
    }
  })
  return n
}

/** Field-by-field equality, embeddings compared as bytes (so -0 and NaN payloads count). */
export function expectSameRecords(
  actual: Map<string, RecordRow>,
  expected: TestRecords,
  opts: { uris?: boolean } = {}
): void {
  expect(actual.size).toBe(expected.ids.length)
  let mismatches = 0
  expected.ids.forEach((id, i) => {
    const a = actual.get(id)
    expect(a, `record ${id}`).toBeDefined()
    if (!a) return
    const same =
      bytes(a.embedding).equals(bytes(expected.embeddings[i] as Float32Array)) &&
      a.document === expected.documents[i] &&
      JSON.stringify(sortKeys(a.metadata)) === JSON.stringify(sortKeys(expected.metadatas[i] ?? null)) &&
      (opts.uris === false || a.uri === expected.uris[i])
    if (!same && mismatches++ < 3) {
      expect({ id, ...a, embedding: Array.from(a.embedding) }).toEqual({
        id,
        embedding: Array.from(expected.embeddings[i] as Float32Array),
        document: expected.documents[i],
        metadata: expected.metadatas[i],
        uri: opts.uris === false ? a.uri : expected.uris[i]
      })
    }
  })
  expect(mismatches).toBe(0)
}

function sortKeys(m: Metadata | null): unknown {
  if (m === null) return null
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** The stored metadata rows with their SQLite types (vtype), for a data directory: the ground truth. */
export function storedMetadataTypes(dir: string, collection: string): string[] {
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true })
  try {
    return (
      db
        .prepare(
          `SELECT r.id || '|' || m.key || '|' || m.ord || '|' || m.vtype || '|' || typeof(m.value) || '|' || m.value AS row
           FROM record_metadata m JOIN records r ON r.rid = m.rid JOIN collections c ON c.cid = r.cid
           WHERE c.name = ? ORDER BY 1`
        )
        .pluck()
        .all(collection) as string[]
    ).sort()
  } finally {
    db.close()
  }
}

/** `chroma run` on a directory we choose and keep (startChromaServer deletes its own). */
export async function runChroma(
  path: string
): Promise<{ url: string; stop: () => Promise<void>; killNow: () => void }> {
  const require = createRequire(import.meta.url)
  let pkg = dirname(require.resolve('chromadb'))
  while (!existsSync(join(pkg, 'package.json'))) pkg = dirname(pkg)
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [join(pkg, 'dist', 'cli.mjs'), 'run', '--path', path, '--host', LOOPBACK, '--port', String(port)],
    { detached: true, stdio: 'ignore' }
  )
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  const url = `http://${LOOPBACK}:${port}`
  const stop = async (): Promise<void> => {
    try {
      process.kill(-(child.pid as number), 'SIGTERM')
    } catch {
      return
    }
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))])
    if (!done) process.kill(-(child.pid as number), 'SIGKILL')
  }
  /** SIGKILL, and wait (synchronously) until the process is gone, so no request can reach it after. */
  const killNow = (): void => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL')
    } catch {
      return
    }
    const gone = (): boolean => {
      try {
        return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${child.pid}/stat`, 'utf8'))
      } catch {
        return true
      }
    }
    const deadline = Date.now() + 5000
    while (Date.now() < deadline && !gone()) {
      /* spin: once a zombie, it has closed its sockets */
    }
  }
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/api/v2/heartbeat`)).ok) return { url, stop, killNow }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  await stop()
  throw new Error('Chroma did not start')
}
