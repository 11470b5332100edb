// Reads a directory written by the real Chroma 1.0 server and compares what we import with what the
// server itself returned for the same records before it stopped.
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { ChromaClient } from 'chromadb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNative } from '../engine/native.js'
import { ChromaDirConnection } from './chroma-dir.js'
import { LocalConnection } from './local.js'
import { readAll, runChroma, type RecordRow } from './testing.js'
import { copyCollection, exportCollection } from './transfer.js'
import type { CollectionEndpoint } from './types.js'

const noEf = { generate: async (): Promise<number[][]> => Promise.reject(new Error('no embedding here')) }

/** Adds through Chroma's v2 API as raw JSON, so a float like 2.0 reaches it as a float. */
async function rawAdd(url: string, collectionId: string, json: string): Promise<void> {
  const res = await fetch(
    `${url}/api/v2/tenants/default_tenant/databases/default_database/collections/${collectionId}/add`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json
    }
  )
  if (!res.ok) throw new Error(`raw add: ${res.status} ${await res.text()}`)
}

function treeHash(dir: string): string {
  const h = createHash('sha256')
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      const st = statSync(p)
      if (st.isDirectory()) walk(p)
      else h.update(`${p}:${st.size}:${st.mtimeMs}:`).update(readFileSync(p))
    }
  }
  walk(dir)
  return h.digest('hex')
}

let root: string
let chromaDir: string
/** What Chroma's own get returned, per collection, before it stopped. */
const oracle = new Map<string, Map<string, RecordRow>>()

function vec(i: number, dim: number, salt = 0): number[] {
  return Array.from({ length: dim }, (_, j) => Math.fround(Math.sin(i * 31 + j * 7 + salt) * (j + 1)))
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'portability-chroma-dir-'))
  chromaDir = join(root, 'chroma')
  mkdirSync(chromaDir)
  const server = await runChroma(chromaDir)
  try {
    const u = new URL(server.url)
    const client = new ChromaClient({ host: u.hostname, port: Number(u.port) })
    // A small sync_threshold makes Chroma flush its HNSW files several times, so vectors come from
    // both places: the index files (older writes) and the log (writes after the last flush).
    const big = await client.createCollection({
      name: 'flushed-l2',
      embeddingFunction: noEf as never,
      metadata: { owner: 'me', weight: 0.25 },
      configuration: { hnsw: { space: 'l2', sync_threshold: 300, batch_size: 100, ef_construction: 120 } }
    })
    const N = 2000
    for (let s = 0; s < N; s += 250) {
      const ids = Array.from({ length: 250 }, (_, k) => `id-${s + k}`)
      await big.add({
        ids,
        embeddings: ids.map((_, k) => vec(s + k, 16)),
        documents: ids.map((id, k) => ((s + k) % 10 === 3 ? (null as never) : `doc ${id} ✓`)).map((d) => d ?? 'x'),
        metadatas: ids.map((_, k) => ({ i: s + k, f: (s + k) / 7, b: (s + k) % 2 === 0, s: `v${s + k}` }))
      })
    }
    await big.delete({ ids: ['id-5', 'id-600', 'id-1999'] })
    // Vector changes after a flush, a metadata-only update, and an add of an existing id (ignored).
    await big.upsert({
      ids: ['id-10', 'new-1'],
      embeddings: [vec(10, 16, 1), vec(9999, 16)],
      metadatas: [{ changed: true }, { i: -1 }]
    })
    await big.update({ ids: ['id-20'], metadatas: [{ i: 2020, s: null }] })
    await big.add({ ids: ['id-30'], embeddings: [vec(30, 16, 5)] })
    await rawAdd(
      server.url,
      big.id,
      `{"ids":["float-typed"],"embeddings":[[${vec(1, 16).join(',')}]],"metadatas":[{"two":2.0,"half":0.5,"int":2}],"documents":["f"]}`
    )

    const cos = await client.createCollection({
      name: 'cosine-small',
      embeddingFunction: noEf as never,
      configuration: { hnsw: { space: 'cosine', sync_threshold: 100, batch_size: 50 } }
    })
    await cos.add({
      ids: Array.from({ length: 250 }, (_, k) => `c${k}`),
      embeddings: Array.from({ length: 250 }, (_, k) => vec(k, 8).map((x) => x * 3)),
      uris: Array.from({ length: 250 }, (_, k) => `s3://bucket/c${k}`)
    })
    await client.createCollection({ name: 'empty-one', embeddingFunction: noEf as never })

    for (const name of ['flushed-l2', 'cosine-small', 'empty-one']) {
      const col = await client.getCollection({ name, embeddingFunction: noEf as never })
      const r = await col.get({ include: ['embeddings', 'documents', 'metadatas', 'uris'] as never })
      oracle.set(
        name,
        new Map(
          r.ids.map((id, i) => [
            id,
            {
              embedding: Float32Array.from(r.embeddings[i] as number[]),
              document: r.documents[i] ?? null,
              metadata:
                r.metadatas[i] && Object.keys(r.metadatas[i] as object).length ? (r.metadatas[i] as never) : null,
              uri: r.uris[i] ?? null
            }
          ])
        )
      )
    }
  } finally {
    await server.stop()
  }
}, 180_000)

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('import from a Chroma 1.0 persistent directory', () => {
  it('reads the directory Chroma wrote: both index files and the log are in use', () => {
    const segments = readdirSync(chromaDir).filter((f) => statSync(join(chromaDir, f)).isDirectory())
    expect(segments.some((s) => existsSync(join(chromaDir, s, 'index_metadata.pickle')))).toBe(true)
  })

  it('copies every collection with records identical to what Chroma returned, and never touches the directory', async () => {
    const before = treeHash(chromaDir)
    const chroma = new ChromaDirConnection(chromaDir)
    const local = LocalConnection.open(join(root, 'ours'))
    try {
      expect(await chroma.list()).toEqual(['cosine-small', 'empty-one', 'flushed-l2'])
      for (const name of await chroma.list()) {
        const r = await copyCollection(chroma, local, name, { batchSize: 333 })
        const expected = oracle.get(name) as Map<string, RecordRow>
        expect(r.copied).toBe(expected.size)
        const got = await readAll((await local.open(name)) as CollectionEndpoint)
        expect([...got.keys()].sort()).toEqual([...expected.keys()].sort())
        for (const [id, e] of expected) {
          const g = got.get(id) as RecordRow
          expect({ id, ...g, embedding: Buffer.from(g.embedding.buffer).toString('hex') }).toEqual({
            id,
            ...e,
            embedding: Buffer.from(e.embedding.buffer).toString('hex')
          })
        }
      }
      const big = (await local.open('flushed-l2')) as CollectionEndpoint
      expect(big.spec.configuration.hnsw).toMatchObject({ space: 'l2', ef_construction: 120, sync_threshold: 300 })
      expect(big.spec.metadata).toEqual({ owner: 'me', weight: 0.25 })
      expect(big.spec.dimension).toBe(16)
      const cos = (await local.open('cosine-small')) as CollectionEndpoint
      expect(cos.spec.configuration.hnsw?.space).toBe('cosine')
      expect(await ((await local.open('empty-one')) as CollectionEndpoint).count()).toBe(0)
      // Spot checks of the write history, independent of the oracle.
      const rows = await readAll(big)
      expect(rows.has('id-5') || rows.has('id-600') || rows.has('id-1999')).toBe(false)
      expect(Array.from(rows.get('id-10')?.embedding ?? [])).toEqual(vec(10, 16, 1))
      expect(Array.from(rows.get('id-30')?.embedding ?? [])).toEqual(vec(30, 16))
      expect(rows.get('id-20')?.metadata).toEqual({ i: 2020, f: 20 / 7, b: true })
    } finally {
      await local.close()
      await chroma.close()
    }
    expect(treeHash(chromaDir)).toBe(before)
  })

  it('keeps the float type of 2.0 in an export file made from the directory', async () => {
    const chroma = new ChromaDirConnection(chromaDir)
    try {
      const file = join(root, 'flushed.jsonl')
      await exportCollection((await chroma.open('flushed-l2')) as CollectionEndpoint, file)
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.includes('"float-typed"')) as string
      expect(JSON.parse(line).metadata).toEqual({ two: { $float: 2 }, half: 0.5, int: 2 })
    } finally {
      await chroma.close()
    }
  })

  it('refuses what it cannot read with a clear message', async () => {
    expect(() => new ChromaDirConnection(join(root, 'nowhere'))).toThrow(
      /Cannot read the Chroma directory .*no chroma.sqlite3/
    )
    const ours = join(root, 'ours-only')
    const local = LocalConnection.open(ours)
    await local.close()
    const renamed = join(root, 'fake')
    mkdirSync(renamed)
    const { copyFileSync } = await import('node:fs')
    copyFileSync(join(ours, 'chromadesk.sqlite3'), join(renamed, 'chroma.sqlite3'))
    expect(() => new ChromaDirConnection(renamed)).toThrow(/lacks the tables .*not a Chroma 0.5-1.x directory/)
  })

  it('refuses a vector segment id that is not a UUID: it would name a folder outside the directory', async () => {
    const tampered = join(root, 'tampered')
    cpSync(chromaDir, tampered, { recursive: true })
    const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')
    const db = new Database(join(tampered, 'chroma.sqlite3'))
    const changed = db
      .prepare(
        "UPDATE segments SET id = '../outside' WHERE scope = 'VECTOR' AND collection = (SELECT id FROM collections WHERE name = 'flushed-l2')"
      )
      .run().changes
    db.close()
    expect(changed).toBe(1)
    const chroma = new ChromaDirConnection(tampered)
    try {
      await expect(chroma.open('flushed-l2')).rejects.toThrow(
        /collection "flushed-l2" names its vector segment "\.\.\/outside", not a UUID/
      )
      expect(await chroma.open('cosine-small')).not.toBeNull()
    } finally {
      await chroma.close()
    }
  })
})
