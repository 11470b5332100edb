import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { channels, type AppEvent, type CallInput, type CallOutput, type Channel } from '../../shared/contract.js'
import { createTinyModel } from '../engine/embedding/testing/tiny-model.js'
import { closeAppContext, openAppContext, type AppContext } from './context.js'
import { dispatch, type Handlers } from './dispatch.js'
import { createHandlers } from './handlers.js'
import { safeRelativeName } from './handlers/ingest.js'

let root: string
let modelDir: string
let ctx: AppContext
let handlers: Handlers
let events: AppEvent[]

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-handlers-'))
  modelDir = await createTinyModel(root)
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

beforeEach(() => {
  ctx = openAppContext({ path: null, modelsDir: path.join(root, 'cache') })
  handlers = createHandlers(ctx)
  events = []
  ctx.events.subscribe((e) => events.push(e))
})
afterEach(async () => closeAppContext(ctx))

/** A call through dispatch, as both adapters make it; throws the error as data. */
async function call<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await dispatch(handlers, channel, input)
  if (!result.ok) throw Object.assign(new Error(result.error.message), { errorName: result.error.name })
  return result.value as CallOutput<C>
}

async function failure(channel: Channel, input: unknown): Promise<{ name: string; message: string }> {
  const result = await dispatch(handlers, channel, input)
  if (result.ok) throw new Error(`${channel} succeeded`)
  return result.error
}

const vectors = (n: number, dim = 3): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: dim }, (_, j) => (i + 1) * (j + 1)))

describe('createHandlers', () => {
  it('implements every channel of the contract', () => {
    expect(Object.keys(handlers).sort()).toEqual([...channels].sort())
  })
})

describe('collections', () => {
  it('creates, lists with counts, renames, edits metadata and deletes, announcing each change', async () => {
    const created = await call('collections.create', {
      name: 'notes',
      metadata: { topic: 'demo' },
      space: 'cosine',
      embeddingModel: null
    })
    expect(created).toMatchObject({ name: 'notes', count: 0, space: 'cosine', embeddingModel: null, dimension: null })
    await call('records.add', {
      collectionId: created.id,
      records: [{ id: 'a', embedding: [1, 2, 3] }]
    })
    const [listed] = await call('collections.list', {})
    expect(listed).toMatchObject({ name: 'notes', count: 1, dimension: 3, metadata: { topic: 'demo' } })

    expect(await call('collections.rename', { id: created.id, name: 'notes-2' })).toMatchObject({ name: 'notes-2' })
    const edited = await call('collections.setMetadata', { id: created.id, metadata: { topic: 'x', n: 2 } })
    expect(edited.metadata).toEqual({ topic: 'x', n: 2 })
    expect(await call('collections.delete', { id: created.id })).toEqual({ deleted: 'notes-2' })
    expect(await call('collections.list', {})).toEqual([])
    expect(events.filter((e) => e.type === 'collections-changed')).toHaveLength(4)
  })

  it('stores the chosen model so documents are embedded with it, defaulting to MiniLM', async () => {
    const tiny = await call('collections.create', { name: 'tiny', embeddingModel: modelDir })
    expect(tiny.embeddingModel).toBe(modelDir)
    const plain = await call('collections.create', { name: 'plain' })
    expect(plain.embeddingModel).toBe('Xenova/all-MiniLM-L6-v2')
    expect(plain.configuration).toMatchObject({ embedding_function: { name: 'default' } })
  })

  it('says at creation that a model cannot be loaded, and creates nothing', async () => {
    const missing = path.join(path.dirname(modelDir), 'no-such-model')
    expect(await failure('collections.create', { name: 'lost', embeddingModel: missing })).toMatchObject({
      name: 'EmbeddingModelUnavailableError',
      message: expect.stringContaining(`Embedding model folder "${missing}" does not exist`)
    })
    expect((await failure('collections.create', { name: 'lost', embeddingModel: missing })).message).toMatch(
      /Settings → Embedding models downloads a model or adds a model folder\.$/
    )
    expect((await call('collections.list', {})).some((c) => c.name === 'lost')).toBe(false)
  })

  it("refuses bad names and duplicates with the engine's messages", async () => {
    expect(await failure('collections.create', { name: 'x' })).toMatchObject({
      name: 'InvalidArgumentError',
      message: expect.stringContaining('Expected a name containing 3-512 characters')
    })
    await call('collections.create', { name: 'taken', embeddingModel: null })
    expect(await failure('collections.create', { name: 'taken' })).toMatchObject({
      name: 'UniqueConstraintError',
      message: 'Collection [taken] already exists'
    })
    expect(await failure('collections.get', { id: 'nope' })).toMatchObject({ name: 'NotFoundError' })
  })

  it('summarizes metadata keys with types, counts and frequent values', async () => {
    const c = await call('collections.create', { name: 'keys', embeddingModel: null })
    await call('records.add', {
      collectionId: c.id,
      records: [
        { id: 'a', embedding: [1, 0], metadata: { lang: 'en', n: 1, tags: ['x', 'y'] } },
        { id: 'b', embedding: [0, 1], metadata: { lang: 'en', n: 2.5, ok: true } },
        { id: 'c', embedding: [1, 1], metadata: { lang: 'de' } }
      ]
    })
    const keys = await call('collections.metadataKeys', { id: c.id })
    expect(keys.find((k) => k.key === 'lang')).toEqual({
      key: 'lang',
      types: ['string'],
      records: 3,
      isArray: false,
      values: ['en', 'de']
    })
    expect(keys.find((k) => k.key === 'n')).toMatchObject({ types: ['int', 'float'], records: 2 })
    expect(keys.find((k) => k.key === 'tags')).toMatchObject({ isArray: true, values: ['x', 'y'] })
    expect(keys.find((k) => k.key === 'ok')).toMatchObject({ types: ['bool'], values: [true] })
  })
})

describe('records', () => {
  let id: string
  beforeEach(async () => {
    id = (await call('collections.create', { name: 'recs', embeddingModel: modelDir })).id
  })

  it('pages with an exact filtered total, cuts long documents and never sends embeddings', async () => {
    await call('records.add', {
      collectionId: id,
      records: vectors(25).map((v, i) => ({
        id: `r${i}`,
        embedding: v.concat(Array(29).fill(0)),
        document: `document number ${i} ${'x'.repeat(100)}`,
        metadata: { even: i % 2 === 0 }
      }))
    })
    const page = await call('records.page', { collectionId: id, limit: 10, offset: 20, documentChars: 20 })
    expect(page.total).toBe(25)
    expect(page.rows.map((r) => r.id)).toEqual(['r20', 'r21', 'r22', 'r23', 'r24'])
    expect(page.rows[0]?.document).toBe('document number 20 x…')
    expect(page.rows[0]).not.toHaveProperty('embedding')
    const evens = await call('records.page', { collectionId: id, limit: 5, offset: 0, where: { even: true } })
    expect(evens.total).toBe(13)
    expect(await call('records.count', { collectionId: id, where: { even: false } })).toBe(12)
    expect(await call('records.count', { collectionId: id, whereDocument: { $contains: 'number 1' } })).toBe(11)
  })

  it('adds by document with the collection model, updates metadata and reads it back', async () => {
    await call('records.add', {
      collectionId: id,
      records: [{ id: 'doc', document: 'the quick brown fox', metadata: { a: 1 } }]
    })
    const [row] = await call('records.get', { collectionId: id, ids: ['doc'], embeddings: true })
    expect(row?.embedding).toHaveLength(32)
    const updated = await call('records.update', { collectionId: id, id: 'doc', metadata: { a: 2, tags: ['x'] } })
    expect(updated).toEqual({ id: 'doc', document: 'the quick brown fox', metadata: { a: 2, tags: ['x'] } })
    expect(events).toContainEqual({ type: 'records-changed', collectionId: id })
    expect(await failure('records.update', { collectionId: id, id: 'ghost', metadata: { a: 1 } })).toMatchObject({
      name: 'NotFoundError'
    })
    expect(
      await failure('records.add', {
        collectionId: id,
        records: [
          { id: 'p', embedding: Array(32).fill(0) },
          { id: 'q', document: 'no vector' }
        ]
      })
    ).toMatchObject({ name: 'InvalidArgumentError' })
  })

  it('queries by text, by vector and by record, with filters, and reports bad filters', async () => {
    await call('records.add', {
      collectionId: id,
      records: ['apples and pears', 'pears and plums', 'cars and trucks'].map((document, i) => ({
        id: `d${i}`,
        document,
        metadata: { kind: i < 2 ? 'fruit' : 'vehicle' }
      }))
    })
    const byText = await call('records.query', { collectionId: id, text: 'apples and pears', nResults: 3 })
    expect(byText[0]).toMatchObject({ id: 'd0', distance: expect.closeTo(0, 4) })
    const [d2] = await call('records.get', { collectionId: id, ids: ['d2'], embeddings: true })
    const byVector = await call('records.query', {
      collectionId: id,
      embedding: d2?.embedding as number[],
      nResults: 3,
      where: { kind: 'fruit' }
    })
    expect(byVector.map((r) => r.id).sort()).toEqual(['d0', 'd1'])
    const similar = await call('records.query', { collectionId: id, similarTo: 'd1', nResults: 1 })
    expect(similar.map((r) => r.id)).toEqual(['d1'])
    expect(
      await failure('records.query', { collectionId: id, text: 'x', nResults: 1, where: { $bad: 1 } })
    ).toMatchObject({
      name: 'InvalidArgumentError',
      message: 'Unknown operator $bad here: use $and, $or or a metadata key'
    })
    // The app's UI reads why, with what the key holds (Chroma's API keeps "Invalid where clause").
    expect(
      await failure('records.query', { collectionId: id, text: 'x', nResults: 1, where: { kind: { $gt: '2020' } } })
    ).toMatchObject({ message: '$gt on "kind" needs a number, not the text "2020"; "kind" holds text' })
    expect(await failure('records.query', { collectionId: id, nResults: 1 })).toMatchObject({
      message: expect.stringContaining('exactly one of text, embedding or similarTo')
    })
  })

  it('deletes by ids and by filter, and refuses a delete without either', async () => {
    await call('records.add', {
      collectionId: id,
      records: vectors(6, 32).map((embedding, i) => ({ id: `r${i}`, embedding, metadata: { i } }))
    })
    expect(await call('records.delete', { collectionId: id, ids: ['r0', 'r1'] })).toEqual({ deleted: 2 })
    expect(await call('records.delete', { collectionId: id, where: { i: { $gte: 4 } } })).toEqual({ deleted: 2 })
    expect(await call('records.count', { collectionId: id })).toBe(2)
    expect(await failure('records.delete', { collectionId: id })).toMatchObject({
      message: 'Choose records to delete: ids or a filter'
    })
    expect(await call('records.count', { collectionId: id })).toBe(2)
  })
})

describe('ingest', () => {
  const b64 = (text: string): string => Buffer.from(text).toString('base64')
  const paragraph = (word: string): string => Array.from({ length: 120 }, (_, i) => `${word}${i}`).join(' ')

  it('stages uploads, previews chunks, ingests with progress events and names sources as dropped', async () => {
    const c = await call('collections.create', { name: 'docs', embeddingModel: modelDir })
    const first = await call('ingest.upload', {
      files: [{ name: 'notes/a.md', data: b64(`# A\n\n${paragraph('alpha')}`) }]
    })
    const both = await call('ingest.upload', {
      uploadId: first.uploadId,
      files: [{ name: 'b.txt', data: b64(paragraph('beta')) }]
    })
    expect(both.files.sort()).toEqual(['b.txt', 'notes/a.md'])
    const stagedBytes = ctx.ingest.staged
    expect(stagedBytes).toBeGreaterThan(2 * 120 * 5)
    const preview = await call('ingest.preview', {
      uploadId: first.uploadId,
      file: 'b.txt',
      collectionId: c.id,
      chunkSize: 40,
      overlap: 5,
      limit: 2
    })
    expect(preview.chunks).toHaveLength(2)
    expect(preview.total).toBeGreaterThan(2)
    expect(preview.chunks[0]?.tokens).toBeLessThanOrEqual(40)

    const started = await call('ingest.start', {
      uploadId: first.uploadId,
      collectionId: c.id,
      chunkSize: 40,
      overlap: 5
    })
    let status = started
    for (let i = 0; i < 200 && status.summary === null && status.error === null; i++) {
      await new Promise((r) => setTimeout(r, 50))
      status = await call('ingest.status', { jobId: started.jobId })
    }
    expect(status.error).toBeNull()
    expect(status.summary).toMatchObject({ ingested: 2, failed: 0, cancelled: false })
    expect(status.files.map((f) => f.state)).toEqual(['written', 'written'])
    expect(ctx.ingest.staged).toBe(0) // the job's files are gone, and so is their share of the limit
    const total = await call('records.count', { collectionId: c.id })
    expect(total).toBe(status.summary?.chunksWritten)
    expect(await call('records.count', { collectionId: c.id, where: { source: 'notes/a.md' } })).toBeGreaterThan(0)
    const pushed = events.filter((e): e is Extract<AppEvent, { type: 'ingest' }> => e.type === 'ingest')
    expect(pushed.at(-1)?.status.summary).not.toBeNull()
    // The upload was consumed by the job: starting it again cannot ingest twice.
    expect(await failure('ingest.start', { uploadId: first.uploadId, collectionId: c.id })).toMatchObject({
      name: 'NotFoundError'
    })
  })

  it('reports a file that cannot be parsed and goes on with the others', async () => {
    const c = await call('collections.create', { name: 'mixed', embeddingModel: modelDir })
    const { uploadId } = await call('ingest.upload', {
      files: [
        { name: 'good.txt', data: b64(paragraph('gamma')) },
        { name: 'broken.pdf', data: b64('not a pdf at all') }
      ]
    })
    const started = await call('ingest.start', { uploadId, collectionId: c.id })
    let status = started
    while (status.summary === null && status.error === null) {
      await new Promise((r) => setTimeout(r, 50))
      status = await call('ingest.status', { jobId: started.jobId })
    }
    expect(status.summary).toMatchObject({ ingested: 1, failed: 1 })
    expect(status.files.find((f) => f.name === 'broken.pdf')).toMatchObject({ state: 'failed' })
  })

  it('runs each ingest as an app job: listed with its collection and phase, cancelled through jobs.cancel', async () => {
    const c = await call('collections.create', { name: 'jobbed', embeddingModel: modelDir })
    const big = Array.from({ length: 60 }, (_, i) => paragraph(`w${i}`)).join('\n\n')
    const { uploadId } = await call('ingest.upload', { files: [{ name: 'big.txt', data: b64(big) }] })
    const started = await call('ingest.start', { uploadId, collectionId: c.id, chunkSize: 40, overlap: 5 })
    const listed = (await call('jobs.list', {})).find((j) => j.jobId === started.jobId)
    expect(listed).toMatchObject({
      kind: 'ingest',
      collectionId: c.id,
      state: 'running',
      title: 'Add big.txt to jobbed'
    })
    // Cancelled once it is at work on the file (any phase): it stops there.
    for (let i = 0; i < 400 && (await call('jobs.status', { jobId: started.jobId })).phase === null; i++) {
      await new Promise((r) => setTimeout(r, 25))
    }
    await call('jobs.cancel', { jobId: started.jobId })
    const ended = await ctx.jobs.settled(started.jobId)
    expect(ended.state).toBe('cancelled')
    const status = await call('ingest.status', { jobId: started.jobId })
    expect(status.summary).toMatchObject({ cancelled: true, ingested: 0 })
    expect(await call('records.count', { collectionId: c.id })).toBe(0)
    // The summary's time is the job's own duration.
    expect(status.summary?.seconds).toBeCloseTo(((ended.finishedAt as number) - ended.startedAt) / 1000, 1)
    // Every phase reported progress to the registry in its unit.
    const phases = events.flatMap((e) => (e.type === 'job' && e.status.jobId === started.jobId ? [e.status] : []))
    expect(phases.some((p) => /^(reading|chunking) big\.txt/.test(p.phase ?? '') && p.unit === 'bytes')).toBe(true)
  })

  it('previews only the head of a large file and says so', async () => {
    const c = await call('collections.create', { name: 'head-preview', embeddingModel: modelDir })
    const line = 'A river runs through the old city past the school and the market.\n'
    const text = line.repeat(Math.ceil((1024 * 1024) / line.length))
    const { uploadId } = await call('ingest.upload', { files: [{ name: 'long.txt', data: b64(text) }] })
    const preview = await call('ingest.preview', { uploadId, file: 'long.txt', collectionId: c.id, limit: 3 })
    expect(preview.head).toEqual({ bytes: expect.any(Number), of: Buffer.byteLength(text) })
    expect(preview.head?.bytes).toBeLessThanOrEqual(256 * 1024)
    expect(preview.chunks).toHaveLength(3)
    const small = await call('ingest.upload', { files: [{ name: 'short.txt', data: b64(line) }] })
    const whole = await call('ingest.preview', { uploadId: small.uploadId, file: 'short.txt', collectionId: c.id })
    expect(whole.head).toBeUndefined()
  })

  it('maps a CSV to records: the preview guesses the fields; ids, documents and typed metadata as chosen', async () => {
    const c = await call('collections.create', { name: 'pets', embeddingModel: modelDir })
    const csv =
      'id,name,kind,age,vaccinated,story\n1,Rex,dog,3,true,A brown dog who loves long walks by the river\n2,Tom,cat,5,false,A grey cat sleeping on the warm house roof\n'
    const { uploadId } = await call('ingest.upload', { files: [{ name: 'pets.csv', data: b64(csv) }] })
    const preview = await call('ingest.preview', { uploadId, file: 'pets.csv', collectionId: c.id })
    expect(preview.table?.mapping).toEqual({
      document: ['story'],
      id: 'id',
      metadata: ['name', 'kind', 'age', 'vaccinated']
    })
    expect(preview.table?.fields.find((f) => f.name === 'age')).toMatchObject({ type: 'number' })
    expect(preview.chunks[0]).toMatchObject({
      id: '1',
      text: 'A brown dog who loves long walks by the river',
      metadata: { name: 'Rex', kind: 'dog', age: 3, vaccinated: true }
    })
    const fields = { document: ['name', 'story'], id: 'name', metadata: ['age'] }
    const chosen = await call('ingest.preview', { uploadId, file: 'pets.csv', collectionId: c.id, fields })
    expect(chosen.chunks[1]?.text).toBe('name: Tom\nstory: A grey cat sleeping on the warm house roof')
    const started = await call('ingest.start', { uploadId, collectionId: c.id, fields: { 'pets.csv': fields } })
    await ctx.jobs.settled(started.jobId)
    const rows = await call('records.get', { collectionId: c.id, ids: ['Rex', 'Tom'] })
    expect(rows.map((r) => r.metadata)).toMatchObject([
      { age: 3, source: 'pets.csv', row: 1 },
      { age: 5, source: 'pets.csv', row: 2 }
    ])
    expect(rows[0]?.metadata).not.toHaveProperty('kind')
    expect(await call('records.count', { collectionId: c.id, where: { age: { $gt: 4 } } })).toBe(1)
    // A mapping naming a field the file lacks is refused with the reason.
    const again = await call('ingest.upload', { files: [{ name: 'pets.csv', data: b64(csv) }] })
    expect(
      await failure('ingest.preview', {
        uploadId: again.uploadId,
        file: 'pets.csv',
        collectionId: c.id,
        fields: { document: ['nope'], id: null, metadata: [] }
      })
    ).toMatchObject({ message: 'pets.csv: no field named "nope"' })
  })

  it('a CSV whose ids belong to other records fails before any write, and those records stay as they were', async () => {
    const c = await call('collections.create', { name: 'kept', embeddingModel: modelDir })
    await call('records.add', {
      collectionId: c.id,
      records: [
        { id: '2', document: 'typed by hand', metadata: { owner: 'me' } },
        { id: 'x', document: 'another by hand' }
      ]
    })
    const csv = 'id,story,$type,chunk_count\n1,A first story,a,7\n2,A second story,b,8\n3,A third story,c,9\n'
    const { uploadId } = await call('ingest.upload', { files: [{ name: 'rows.csv', data: b64(csv) }] })
    const started = await call('ingest.start', { uploadId, collectionId: c.id })
    await ctx.jobs.settled(started.jobId)
    const status = await call('ingest.status', { jobId: started.jobId })
    expect(status.summary?.failed).toBe(1)
    expect(status.files[0]).toMatchObject({
      name: 'rows.csv',
      state: 'failed',
      error: expect.stringMatching(/id "2" already belongs to a record not ingested from a file/)
    })
    expect(await call('records.count', { collectionId: c.id })).toBe(2)
    expect((await call('records.get', { collectionId: c.id, ids: ['2'] }))[0]).toMatchObject({
      document: 'typed by hand',
      metadata: { owner: 'me' }
    })
    // Without the taken ids, names the engine refuses or ingest writes itself are kept under field_.
    const free = 'id,story,$type,chunk_count\n10,A first story,a,7\n'
    const next = await call('ingest.upload', { files: [{ name: 'free.csv', data: b64(free) }] })
    await ctx.jobs.settled((await call('ingest.start', { uploadId: next.uploadId, collectionId: c.id })).jobId)
    expect((await call('records.get', { collectionId: c.id, ids: ['10'] }))[0]?.metadata).toMatchObject({
      field_$type: 'a',
      field_chunk_count: 7,
      chunk_count: 1
    })
  })

  it('keeps dropped names inside the staging folder', () => {
    expect(safeRelativeName('../../etc/passwd')).toBe('etc/passwd')
    expect(safeRelativeName('/abs/dir/file.md')).toBe('abs/dir/file.md')
    expect(safeRelativeName('C:\\docs\\a.txt')).toBe('C_/docs/a.txt')
    expect(() => safeRelativeName('../..')).toThrow('Invalid file name')
  })
})

describe('settings', () => {
  it('belong to the desktop app: the headless server says so', async () => {
    expect(await failure('settings.get', {})).toMatchObject({
      name: 'SettingsUnavailableError',
      message: expect.stringContaining('desktop app')
    })
  })
})
