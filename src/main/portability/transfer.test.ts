// Export -> import round trips and bad inputs, against our engine in temporary data directories.
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bm25SchemaKey, keywordKeyOf } from '../engine/collection-schema.js'
import { Bm25Encoder } from '../engine/search/bm25.js'
import type { ChromaDatabase } from '../engine/database.js'
import { decodeMetadata, encodeMetadata, FORMAT_ID } from './format.js'
import { LocalConnection } from './local.js'
import { batchOf, expectSameRecords, makeRecords, readAll, storedMetadataTypes } from './testing.js'
import { copyCollection, exportCollection, importFile } from './transfer.js'
import { PortabilityError, type CollectionEndpoint } from './types.js'

let root: string
let open: LocalConnection[] = []

function dir(name: string): string {
  return join(root, name)
}

function connect(name: string): LocalConnection {
  const c = LocalConnection.open(dir(name))
  open.push(c)
  return c
}

async function closeAll(): Promise<void> {
  for (const c of open) await c.close()
  open = []
}

const CONFIG = {
  hnsw: {
    space: 'cosine' as const,
    ef_construction: 123,
    ef_search: 77,
    max_neighbors: 12,
    resize_factor: 1.5,
    sync_threshold: 500
  },
  embedding_function: { type: 'known', name: 'default', config: {} }
}

async function seed(conn: LocalConnection, name: string, count: number, dim = 8, seedNo = 1) {
  const records = makeRecords(count, dim, seedNo)
  const col = await conn.create({
    name,
    metadata: { owner: 'me', version: 3, ratio: 0.5, ok: true },
    configuration: CONFIG,
    dimension: null
  })
  for (let s = 0; s < count; s += 400) await col.add(batchOf(records, s, Math.min(count, s + 400)))
  return { col, records }
}

/** Expects the promise to reject with a PortabilityError whose message matches. */
async function rejects(p: Promise<unknown>, message: RegExp): Promise<PortabilityError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e
  )
  expect(err, 'expected a rejection').toBeInstanceOf(PortabilityError)
  expect((err as Error).message).toMatch(message)
  return err as PortabilityError
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'portability-'))
})

afterEach(async () => {
  await closeAll()
  rmSync(root, { recursive: true, force: true })
})

describe('export -> import', () => {
  it('round-trips ids, documents, uris, typed metadata with arrays, embeddings bit for bit, configuration', async () => {
    const a = connect('a')
    const { col, records } = await seed(a, 'docs', 2500)
    const file = join(root, 'docs.jsonl')
    const progress: number[] = []
    const rep = await exportCollection(col, file, { batchSize: 1000, onProgress: (p) => progress.push(p.done) })
    expect(rep.records).toBe(2500)
    expect(progress).toEqual([1000, 2000, 2500])

    const b = connect('b')
    const imp = await importFile(b, file)
    expect(imp).toMatchObject({ collection: 'docs', created: true, records: 2500, imported: 2500, skipped: 0 })
    const copy = (await b.open('docs')) as CollectionEndpoint
    expectSameRecords(await readAll(copy), records)
    expect(copy.spec.configuration).toEqual(col.spec.configuration)
    expect(copy.spec.configuration.hnsw).toEqual(CONFIG.hnsw)
    expect(copy.spec.metadata).toEqual({ owner: 'me', version: 3, ratio: 0.5, ok: true })
    expect(copy.spec.dimension).toBe(8)
    await closeAll()
    // The stored SQLite types (str/int/float/bool per value and list element) are identical.
    const before = storedMetadataTypes(dir('a'), 'docs')
    expect(before.length).toBeGreaterThan(2500 * 10)
    expect(storedMetadataTypes(dir('b'), 'docs')).toEqual(before)
  })

  it('writes the documented layout: header, one line per record, footer with count and sha256', async () => {
    const a = connect('a')
    const { col } = await seed(a, 'small', 3, 4)
    const file = join(root, 'small.jsonl')
    await exportCollection(col, file)
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(5)
    expect(lines[0]).toMatchObject({ format: FORMAT_ID, version: 1, name: 'small', dimension: 4, count: 3 })
    expect(lines[0].configuration).toEqual(CONFIG)
    expect(Object.keys(lines[1]).sort()).toEqual(['document', 'embedding', 'id', 'metadata', 'uri'])
    expect(Buffer.from(lines[1].embedding, 'base64')).toHaveLength(16)
    expect(lines[4]).toMatchObject({ end: true, count: 3 })
    expect(lines[4].sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('exports and imports an empty collection', async () => {
    const a = connect('a')
    const col = await a.create({ name: 'empty', metadata: null, configuration: CONFIG, dimension: null })
    const file = join(root, 'e.jsonl')
    await exportCollection(col, file)
    const r = await importFile(connect('b'), file, { collection: 'empty-copy' })
    expect(r).toMatchObject({ created: true, imported: 0, records: 0 })
  })

  it('keeps the float type of integral values in the file with a tag', () => {
    const enc = encodeMetadata({ a: 2, b: [1, 2], c: 2, d: [1, 2.5] }, ['a', 'b', 'd'])
    expect(enc).toEqual({ a: { $float: 2 }, b: { $float: [1, 2] }, c: 2, d: [1, 2.5] })
    expect(decodeMetadata(JSON.parse(JSON.stringify(enc)))).toEqual({
      metadata: { a: 2, b: [1, 2], c: 2, d: [1, 2.5] },
      integralFloats: ['a', 'b']
    })
    expect(() => decodeMetadata({ x: { nested: 1 } })).toThrow(/object value/)
  })

  it('imports into a collection of another name with --collection', async () => {
    const a = connect('a')
    const { col, records } = await seed(a, 'docs', 50)
    const file = join(root, 'docs.jsonl')
    await exportCollection(col, file)
    await importFile(a, file, { collection: 'docs-2' })
    expectSameRecords(await readAll((await a.open('docs-2')) as CollectionEndpoint), records)
  })
})

describe('a keyword index travels in the file', () => {
  it("the schema's chroma_bm25 key comes back, and writes after the import fill it", async () => {
    const a = connect('a')
    const col = await a.create({
      name: 'kw-docs',
      metadata: null,
      configuration: CONFIG,
      dimension: null,
      schema: { defaults: {}, keys: { bm25: bm25SchemaKey() } }
    })
    await col.add({
      ids: ['x'],
      embeddings: [new Float32Array([1, 2, 3])],
      documents: ['glaciers melt'],
      // Not what the document gives: an import that dropped it and recomputed would show.
      metadatas: [{ bm25: { indices: [7, Bm25Encoder.termId('glacier')], values: [0.5, 0.25] } }],
      uris: [null]
    })
    for (const format of ['jsonl', 'parquet'] as const) {
      const file = join(root, `kw-docs.${format}`)
      await exportCollection(col, file, { format })
      const b = connect(`b-${format}`)
      await importFile(b, file)
      const engine = (b as unknown as { client: { db: ChromaDatabase } }).client.db
      const imported = engine.getCollection({ tenant: 'default_tenant', database: 'default_database' }, 'kw-docs')
      expect(keywordKeyOf(imported.schema)).toBe('bm25')
      const kept = engine.get(imported.id, { ids: ['x'], include: ['metadatas'] }).metadatas?.[0]?.bm25
      expect(kept).toEqual({ indices: [7, Bm25Encoder.termId('glacier')], values: [0.5, 0.25] })
      engine.add(imported.id, { ids: ['y'], embeddings: [[3, 2, 1]], documents: ['a glacier'] })
      const hits = engine.search(imported.id, [{ rank: { $knn: { query: 'glacier', key: 'bm25' } } }])
      expect(hits.ids[0]?.sort()).toEqual(['x', 'y'])
    }
  })

  it('refuses a file whose schema is not valid, before creating anything', async () => {
    const a = connect('a')
    const { col } = await seed(a, 'docs', 3)
    const file = join(root, 'docs.jsonl')
    await exportCollection(col, file)
    const lines = readFileSync(file, 'utf8').split('\n')
    const header = JSON.parse(lines[0] as string) as Record<string, unknown>
    header.schema = { defaults: {}, keys: { '#bad': {} } }
    writeFileSync(file, [JSON.stringify(header), ...lines.slice(1)].join('\n'))
    const b = connect('b')
    await rejects(importFile(b, file), /header's schema is not valid: .*cannot begin with '#'/)
    expect(await b.open('docs')).toBeNull()
  })
})

describe('bad input leaves the target as it was', () => {
  async function exported(count = 30): Promise<{ file: string; text: string }> {
    const a = connect('src')
    const { col } = await seed(a, 'docs', count)
    const file = join(root, 'docs.jsonl')
    await exportCollection(col, file)
    return { file, text: readFileSync(file, 'utf8') }
  }

  it('refuses a truncated file (no footer, or cut mid-line) and creates nothing', async () => {
    const { text } = await exported()
    const lines = text.split('\n')
    const target = connect('t')
    const noFooter = join(root, 'no-footer.jsonl')
    writeFileSync(noFooter, lines.slice(0, 20).join('\n') + '\n')
    await rejects(importFile(target, noFooter), /truncated: it ends after 19 records without its end-of-file line/)
    const midLine = join(root, 'mid-line.jsonl')
    writeFileSync(midLine, text.slice(0, Math.floor(text.length / 2)))
    await rejects(importFile(target, midLine), /line \d+: not valid JSON/)
    expect(await target.list()).toEqual([])
  })

  it('refuses a file whose records were changed (checksum) or dropped (count)', async () => {
    const { text } = await exported()
    const lines = text.split('\n')
    const target = connect('t')
    const edited = join(root, 'edited.jsonl')
    writeFileSync(edited, text.replace('"document":"document 1 ', '"document":"document X '))
    await rejects(importFile(target, edited), /checksum of its records does not match/)
    const dropped = join(root, 'dropped.jsonl')
    writeFileSync(dropped, [...lines.slice(0, 5), ...lines.slice(6)].join('\n'))
    await rejects(importFile(target, dropped), /holds 29 records, its end-of-file line says 30/)
    expect(await target.list()).toEqual([])
  })

  it('refuses files of another format', async () => {
    const target = connect('t')
    const cases: [string, RegExp][] = [
      ['', /Not a Chromadesk export file \(the file is empty\)/],
      ['id,document\n1,hello\n', /Not a Chromadesk export file \(the first line is not JSON\)/],
      ['{"ids":["a"],"embeddings":[[1,2]]}\n', /Not a Chromadesk export file \(the first line has no "format"/],
      [`{"format":"${FORMAT_ID}","version":99}\n`, /version 99 is not supported/]
    ]
    for (const [content, message] of cases) {
      const f = join(root, 'other.txt')
      writeFileSync(f, content)
      await rejects(importFile(target, f), message)
    }
    await rejects(importFile(target, join(root, 'missing.jsonl')), /Cannot read .*missing\.jsonl/)
    await rejects(importFile(target, root), /Cannot read .*EISDIR/)
    expect(await target.list()).toEqual([])
  })

  it('refuses a wrong embedding dimension for an existing collection before writing', async () => {
    const { file } = await exported()
    const target = connect('t')
    const existing = await target.create({ name: 'docs', metadata: null, configuration: CONFIG, dimension: null })
    const other = makeRecords(5, 16, 9)
    await existing.add(batchOf(other))
    await rejects(
      importFile(target, file),
      /Dimension mismatch: the file's embeddings have 8 dimensions, collection "docs" .* has 16/
    )
    expect(await existing.count()).toBe(5)
  })

  it('refuses a record whose embedding disagrees with the header', async () => {
    const { text } = await exported(3)
    const lines = text.split('\n')
    const rec = JSON.parse(lines[2] as string)
    rec.embedding = Buffer.from(new Float32Array([1, 2, 3]).buffer).toString('base64')
    lines[2] = JSON.stringify(rec)
    const f = join(root, 'dim.jsonl')
    writeFileSync(f, lines.join('\n'))
    const target = connect('t')
    await rejects(importFile(target, f), /line 3: embedding of dimension 3, the header says 8/)
    expect(await target.list()).toEqual([])
  })
})

describe('conflicts', () => {
  async function setup() {
    const a = connect('src')
    const { col, records } = await seed(a, 'docs', 40)
    const file = join(root, 'docs.jsonl')
    await exportCollection(col, file)
    const target = connect('t')
    const existing = await target.create({ name: 'docs', metadata: null, configuration: CONFIG, dimension: null })
    // 10 ids shared with the file, with other content; 5 ids only in the target.
    const mine = makeRecords(15, 8, 77)
    mine.ids = [...records.ids.slice(0, 10), 'only-1', 'only-2', 'only-3', 'only-4', 'only-5']
    await existing.add(batchOf(mine))
    return { target, existing, records, mine, file }
  }

  it('fail: refuses before writing anything and names the conflicts', async () => {
    const { target, existing, mine, file } = await setup()
    const err = await rejects(
      importFile(target, file),
      /10 of the 40 ids .* already exist in "docs" .*nothing was imported/
    )
    expect(err.message).toContain(JSON.stringify(mine.ids[0]))
    expectSameRecords(await readAll(existing), mine)
  })

  it('skip: keeps the existing records, adds the others', async () => {
    const { target, existing, records, mine, file } = await setup()
    const r = await importFile(target, file, { onConflict: 'skip', batchSize: 7 })
    expect(r).toMatchObject({ created: false, imported: 30, skipped: 10, overwritten: 0, configurationDifferences: [] })
    const all = await readAll(existing)
    expect(all.size).toBe(45)
    const expected = {
      ids: [...mine.ids, ...records.ids.slice(10)],
      embeddings: [...mine.embeddings, ...records.embeddings.slice(10)],
      documents: [...mine.documents, ...records.documents.slice(10)],
      metadatas: [...mine.metadatas, ...records.metadatas.slice(10)],
      uris: [...mine.uris, ...records.uris.slice(10)]
    }
    expectSameRecords(all, expected)
  })

  it('overwrite: replaces conflicting records whole (document, metadata, uri, embedding)', async () => {
    const { target, existing, records, mine, file } = await setup()
    const r = await importFile(target, file, { onConflict: 'overwrite', batchSize: 7 })
    expect(r).toMatchObject({ created: false, imported: 40, skipped: 0, overwritten: 10 })
    const all = await readAll(existing)
    const expected = {
      ids: [...records.ids, ...mine.ids.slice(10)],
      embeddings: [...records.embeddings, ...mine.embeddings.slice(10)],
      documents: [...records.documents, ...mine.documents.slice(10)],
      metadatas: [...records.metadatas, ...mine.metadatas.slice(10)],
      uris: [...records.uris, ...mine.uris.slice(10)]
    }
    expectSameRecords(all, expected)
  })
})

describe('overwrite never loses what the target held', () => {
  it('a batch the target refuses leaves the records it would have replaced', async () => {
    const a = connect('src')
    const { col, records } = await seed(a, 'docs', 6)
    const file = join(root, 'docs.jsonl')
    await exportCollection(col, file)
    // The file's first record gets metadata the engine refuses (keys may not start with $), and the
    // footer's checksum follows, so only the write can refuse it.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    const first = JSON.parse(lines[1] as string) as { metadata: Record<string, unknown> | null }
    first.metadata = { ...first.metadata, $bad: 1 }
    lines[1] = JSON.stringify(first)
    const body = lines.slice(1, -1)
    const sha256 = createHash('sha256')
      .update(body.map((l) => l + '\n').join(''))
      .digest('hex')
    writeFileSync(
      file,
      [lines[0], ...body, JSON.stringify({ end: true, count: body.length, sha256 })].join('\n') + '\n'
    )

    const target = connect('t')
    const existing = await target.create({ name: 'docs', metadata: null, configuration: CONFIG, dimension: null })
    const mine = makeRecords(6, 8, 77)
    mine.ids = records.ids.slice()
    await existing.add(batchOf(mine))
    await rejects(importFile(target, file, { onConflict: 'overwrite' }), /stopped after 0 of 6 records/)
    expectSameRecords(await readAll(existing), mine)
  })
})

describe('copy between local connections', () => {
  it('copies with the same configuration, reports progress, and can be cancelled between batches', async () => {
    const a = connect('a')
    const b = connect('b')
    const { records } = await seed(a, 'docs', 2100)
    const seen: number[] = []
    const r = await copyCollection(a, b, 'docs', { as: 'copy', onProgress: (p) => seen.push(p.done) })
    expect(r).toMatchObject({ copied: 2100, total: 2100, batches: 3, batchSize: 1000, configurationDifferences: [] })
    expect(seen).toEqual([1000, 2000, 2100])
    const copy = (await b.open('copy')) as CollectionEndpoint
    expectSameRecords(await readAll(copy), records)
    expect(copy.spec.configuration).toEqual(CONFIG)

    const controller = new AbortController()
    const err = await rejects(
      copyCollection(a, b, 'docs', {
        as: 'cancelled',
        batchSize: 500,
        signal: controller.signal,
        onProgress: (p) => p.done >= 1000 && controller.abort()
      }),
      /Copy cancelled.*"cancelled" at .* holds the first 1000 of 2100 records/
    )
    expect(err.report).toMatchObject({ copied: 1000, total: 2100 })
    expect(await ((await b.open('cancelled')) as CollectionEndpoint).count()).toBe(1000)
    await rejects(copyCollection(a, b, 'docs', { as: 'copy' }), /"copy" already exists .*nothing was copied/)
    await rejects(copyCollection(a, b, 'nope'), /"nope" does not exist/)
  })
})
