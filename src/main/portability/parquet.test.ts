// Parquet export -> import round trips, damaged files, and an independent reader (DuckDB) that reads
// what we write and must find the source's records in it.
import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeMetadata, FORMAT_ID } from './format.js'
import { LocalConnection } from './local.js'
import { MAX_ROW_GROUP_ROWS, openParquetExport, PARQUET_META_KEY } from './parquet.js'
import { batchOf, expectSameRecords, makeRecords, readAll, storedMetadataTypes } from './testing.js'
import { exportCollection, importFile } from './transfer.js'
import { PortabilityError, type CollectionEndpoint, type CollectionSpec, type RecordBatch } from './types.js'

let root: string
let open: LocalConnection[] = []

function connect(name: string): LocalConnection {
  const c = LocalConnection.open(join(root, name))
  open.push(c)
  return c
}

const CONFIG = {
  hnsw: {
    space: 'ip' as const,
    ef_construction: 111,
    ef_search: 66,
    max_neighbors: 10,
    resize_factor: 1.3,
    sync_threshold: 400
  },
  embedding_function: { type: 'known', name: 'default', config: {} }
}

async function seed(conn: LocalConnection, name: string, count: number, dim = 8) {
  const records = makeRecords(count, dim, 5)
  const col = await conn.create({
    name,
    metadata: { owner: 'me', n: 2, r: 0.25 },
    configuration: CONFIG,
    dimension: null
  })
  for (let s = 0; s < count; s += 500) await col.add(batchOf(records, s, Math.min(count, s + 500)))
  return { col, records }
}

async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e
  )
  expect(err, 'expected a rejection').toBeInstanceOf(PortabilityError)
  expect((err as Error).message).toMatch(message)
}

/** An in-memory source: lets a test export batches our engine cannot hold (integral floats). */
function memorySource(spec: CollectionSpec, batches: RecordBatch[]): CollectionEndpoint {
  return {
    spec,
    count: async () => batches.reduce((n, b) => n + b.ids.length, 0),
    async *read() {
      yield* batches
    },
    existing: async () => new Set(),
    add: async () => undefined,
    remove: async () => undefined
  }
}

async function duckdb<T>(fn: (sql: (q: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  try {
    return await fn(async (q) => (await conn.runAndReadAll(q)).getRowObjectsJson())
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'parquet-'))
})

afterEach(async () => {
  for (const c of open) await c.close()
  open = []
  rmSync(root, { recursive: true, force: true })
})

describe('Parquet export -> import', () => {
  it('round-trips records in insertion order, typed metadata, embeddings bit for bit, configuration', async () => {
    const a = connect('a')
    const { col, records } = await seed(a, 'docs', 2500)
    const file = join(root, 'docs.parquet')
    const rep = await exportCollection(col, file, { batchSize: 1000 })
    expect(rep).toMatchObject({ format: 'parquet', records: 2500 })
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('PAR1')
    // The checksum is the JSONL export's: both formats describe the same records.
    const jsonl = await exportCollection(col, join(root, 'docs.jsonl'))
    expect(jsonl.format).toBe('jsonl')
    expect(rep.sha256).toBe(jsonl.sha256)

    const b = connect('b')
    const imp = await importFile(b, file, { batchSize: 300 })
    expect(imp).toMatchObject({ collection: 'docs', created: true, records: 2500, imported: 2500 })
    const copy = (await b.open('docs')) as CollectionEndpoint
    const all = await readAll(copy)
    expectSameRecords(all, records)
    expect([...all.keys()]).toEqual(records.ids)
    expect(copy.spec.configuration).toEqual(CONFIG)
    expect(copy.spec.metadata).toEqual({ owner: 'me', n: 2, r: 0.25 })
    for (const c of open) await c.close()
    open = []
    expect(storedMetadataTypes(join(root, 'b'), 'docs')).toEqual(storedMetadataTypes(join(root, 'a'), 'docs'))
  })

  it('keeps -0, denormals, null documents and metadata, uris and integral floats', async () => {
    const spec: CollectionSpec = { name: 'edge', metadata: null, configuration: CONFIG, dimension: 4 }
    const batch: RecordBatch = {
      ids: ['a', 'b', 'c'],
      embeddings: [
        new Float32Array([-0, 1.4e-45, -1.17549421e-38, 3.4028235e38]),
        new Float32Array([0, -1.4e-45, 1, -1]),
        new Float32Array([0.1, 0.2, 0.3, 0.4])
      ],
      documents: [null, '', 'ünïcødé 🚀 "q" \\'],
      metadatas: [null, { f: 2, fl: [1, 2], i: 2, s: 'x', b: false, mixed: [1, 2.5] }, { t: true }],
      uris: ['file:///a.txt', null, 's3://b/c'],
      integralFloats: [null, ['f', 'fl'], null]
    }
    const file = join(root, 'edge.parquet')
    await exportCollection(memorySource(spec, [batch]), file)
    const target = connect('t')
    const rep = await importFile(target, file)
    expect(rep).toMatchObject({ imported: 3, integralFloats: 2 })
    const all = await readAll((await target.open('edge')) as CollectionEndpoint)
    expectSameRecords(all, { ...batch, metadatas: batch.metadatas })
    expect(Object.is(all.get('a')?.embedding[0], -0)).toBe(true)
    // The tag survives in the file for other readers too.
    const meta = await duckdb((sql) => sql(`select metadata::varchar as m from ${sqlString(file)} where id = 'b'`))
    expect(JSON.parse(meta[0]?.m as string)).toMatchObject({ f: { $float: 2 }, fl: { $float: [1, 2] }, i: 2 })
  })

  it('exports and imports an empty collection; picks the format from the file name', async () => {
    const a = connect('a')
    const col = await a.create({ name: 'empty', metadata: null, configuration: CONFIG, dimension: null })
    const file = join(root, 'e.PARQUET')
    expect((await exportCollection(col, file)).format).toBe('parquet')
    const r = await importFile(connect('b'), file, { collection: 'empty-copy' })
    expect(r).toMatchObject({ created: true, imported: 0, records: 0 })
  })

  it('detects Parquet by its magic bytes, not by the file name', async () => {
    const a = connect('a')
    const { col, records } = await seed(a, 'docs', 20)
    const file = join(root, 'looks-like.jsonl')
    await exportCollection(col, file, { format: 'parquet' })
    await importFile(a, file, { collection: 'again' })
    expectSameRecords(await readAll((await a.open('again')) as CollectionEndpoint), records)
  })
})

describe('damaged Parquet files are refused before anything is written', () => {
  async function exported(count = 30) {
    const a = connect('src')
    const { col, records } = await seed(a, 'docs', count)
    const file = join(root, 'docs.parquet')
    await exportCollection(col, file, { batchSize: 10 })
    return { file, bytes: readFileSync(file), records }
  }

  it('refuses a truncated file', async () => {
    const { bytes } = await exported()
    const target = connect('t')
    for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 4]) {
      const f = join(root, `cut-${cut}.parquet`)
      writeFileSync(f, bytes.subarray(0, cut))
      await rejects(importFile(target, f), /is damaged or truncated: its Parquet footer cannot be read/)
    }
    expect(await target.list()).toEqual([])
  })

  it('refuses a changed embedding (checksum), a changed count, a changed checksum', async () => {
    const { bytes, records } = await exported()
    const target = connect('t')
    // Flip the lowest bit of one float in record 17's embedding (float data is stored as it is).
    const v = records.embeddings[17] as Float32Array
    const needle = Buffer.from(v.buffer, v.byteOffset, 8)
    const at = bytes.indexOf(needle)
    expect(at).toBeGreaterThan(0)
    const flipped = Buffer.from(bytes)
    flipped[at] = (flipped[at] as number) ^ 1
    writeFileSync(join(root, 'flipped.parquet'), flipped)
    await rejects(importFile(target, join(root, 'flipped.parquet')), /checksum of its records does not match/)

    const text = bytes.toString('latin1')
    const count = Buffer.from(text.replace('"count":30', '"count":31'), 'latin1')
    writeFileSync(join(root, 'count.parquet'), count)
    await rejects(importFile(target, join(root, 'count.parquet')), /holds 30 rows, its metadata says 31 records/)

    const sha = /"sha256":"([0-9a-f])/.exec(text)
    const other = sha?.[1] === '0' ? '1' : '0'
    const shaChanged = Buffer.from(text.replace(/"sha256":"[0-9a-f]/, `"sha256":"${other}`), 'latin1')
    writeFileSync(join(root, 'sha.parquet'), shaChanged)
    await rejects(importFile(target, join(root, 'sha.parquet')), /checksum of its records does not match/)
    expect(await target.list()).toEqual([])
  })

  it('refuses a Parquet file that is not our export', async () => {
    const target = connect('t')
    const f = join(root, 'foreign.parquet')
    writeFileSync(f, Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'id', data: ['a'], type: 'STRING' }] })))
    await rejects(importFile(target, f), /is a Parquet file but not a Chromadesk export/)
    const noColumns = join(root, 'no-columns.parquet')
    const header = { format: FORMAT_ID, version: 1, name: 'x', metadata: null, configuration: CONFIG }
    writeFileSync(
      noColumns,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [{ name: 'id', data: ['a'], type: 'STRING' }],
          kvMetadata: [
            { key: PARQUET_META_KEY, value: JSON.stringify({ ...header, dimension: 2, count: 1, sha256: 'x' }) }
          ]
        })
      )
    )
    await rejects(importFile(target, noColumns), /column\(s\) document, embedding, metadata, uri missing/)
    expect(await target.list()).toEqual([])
  })
})

describe('an independent reader (DuckDB) reads the export', () => {
  it('finds the same ids in order, documents, uris, embeddings bit for bit, metadata and the header', async () => {
    const a = connect('a')
    const { col, records } = await seed(a, 'docs', 1200, 16)
    const file = join(root, 'docs.parquet')
    await exportCollection(col, file, { batchSize: 500 })
    const { rows, kv, types } = await duckdb(async (sql) => ({
      rows: await sql(
        `select id, document, uri, embedding, metadata::varchar as metadata from read_parquet(${sqlString(file)}, file_row_number = true) order by file_row_number`
      ),
      kv: await sql(`select decode(key) as key, decode(value) as value from parquet_kv_metadata(${sqlString(file)})`),
      types: await sql(`select column_name, column_type from (describe select * from ${sqlString(file)})`)
    }))
    expect(types).toEqual([
      { column_name: 'id', column_type: 'VARCHAR' },
      { column_name: 'document', column_type: 'VARCHAR' },
      { column_name: 'embedding', column_type: 'FLOAT[]' },
      { column_name: 'metadata', column_type: 'JSON' },
      { column_name: 'uri', column_type: 'VARCHAR' }
    ])
    expect(rows.map((r) => r.id)).toEqual(records.ids)
    rows.forEach((r, i) => {
      expect(r.document).toBe(records.documents[i])
      expect(r.uri).toBe(records.uris[i])
      const got = Float32Array.from(r.embedding as number[])
      const want = records.embeddings[i] as Float32Array
      expect(Buffer.from(got.buffer)).toEqual(Buffer.from(want.buffer, want.byteOffset, want.byteLength))
      const m = r.metadata === null ? null : decodeMetadata(JSON.parse(r.metadata as string)).metadata
      expect(m).toEqual(records.metadatas[i])
    })
    const negZero = rows.findIndex((r) => Object.is((r.embedding as number[])[0], -0))
    expect(negZero).toBeGreaterThanOrEqual(0)
    const header = JSON.parse(kv.find((e) => e.key === PARQUET_META_KEY)?.value as string)
    expect(header).toMatchObject({ format: FORMAT_ID, version: 1, name: 'docs', dimension: 16, count: 1200 })
    expect(header.configuration).toEqual(CONFIG)
    expect(header.sha256).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('row groups', () => {
  it('an export with batches over the import limit is split into groups import reads', async () => {
    // `export --batch-size 200000` hands the writer one batch larger than import accepts per group.
    const n = MAX_ROW_GROUP_ROWS + 5
    const batch: RecordBatch = {
      ids: Array.from({ length: n }, (_, i) => `r${i}`),
      embeddings: Array.from({ length: n }, (_, i) => new Float32Array([i])),
      documents: new Array<string | null>(n).fill(null),
      metadatas: new Array<null>(n).fill(null),
      uris: new Array<null>(n).fill(null)
    }
    const file = join(root, 'big.parquet')
    const spec: CollectionSpec = { name: 'big', metadata: null, configuration: CONFIG, dimension: 1 }
    await exportCollection(memorySource(spec, [batch]), file, { batchSize: n })
    const { rows, read } = await openParquetExport(file)
    expect(rows).toBe(n)
    let seen = 0
    for await (const { entries } of read(50_000)) seen += entries.length
    expect(seen).toBe(n)
  })
})
