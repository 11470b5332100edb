import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EphemeralClient, type Collection } from '../client.js'
import { KEYWORD_KEY, keywordSchema } from '../collection-schema.js'
import { TransformersEmbeddingFunction } from '../embedding/index.js'
import { createTinyModel } from '../embedding/testing/tiny-model.js'
import { previewChunks, tokenCounterFor } from './chunker.js'
import { nextWriteBatch, startIngest, type IngestEvent, type IngestOptions } from './job.js'
import { parseFile } from './parse.js'

let root = ''
let ef: TransformersEmbeddingFunction
let client: EphemeralClient
let n = 0

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ingest-test-'))
  const modelDir = await createTinyModel(root)
  ef = new TransformersEmbeddingFunction({ model: modelDir, cacheDir: path.join(root, 'cache'), allowRemote: false })
  client = new EphemeralClient()
})

afterAll(async () => {
  await client.close()
  await ef.close()
  rmSync(root, { recursive: true, force: true })
})

async function freshCollection(): Promise<Collection> {
  return client.createCollection({ name: `ingest-${++n}`, embeddingFunction: ef })
}

function folder(): string {
  const dir = path.join(root, `files-${++n}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

const WORDS = 'the water city river story music school paper mountain family number house people ocean'.split(' ')
function text(seed: number, sentences = 30): string {
  let x = seed
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648)
  const out: string[] = []
  for (let s = 0; s < sentences; s++) {
    const words = Array.from({ length: 6 + (next() % 10) }, () => WORDS[next() % WORDS.length])
    out.push(`${words.join(' ')} ${seed}.`)
    if (s % 8 === 7) out.push('\n\n')
  }
  return out.join(' ')
}

const OPTS: IngestOptions = { chunkSize: 60, overlap: 10 }

async function expectedChunkCount(file: string): Promise<number> {
  return (await previewChunks(await parseFile(file), { embeddingFunction: ef, ...OPTS })).length
}

async function sourceIds(col: Collection, source: string): Promise<string[]> {
  return (await col.get({ where: { source } })).ids
}

describe('startIngest', () => {
  it('writes chunks with stable ids and metadata, and query_texts finds a shared chunk', async () => {
    const dir = folder()
    const a = path.join(dir, 'a.txt')
    const b = path.join(dir, 'b.md')
    writeFileSync(a, text(1))
    writeFileSync(b, `# Title\n\n${text(2)}`)
    const col = await freshCollection()
    const summary = await startIngest(col, [dir], OPTS).done
    expect(summary.ingested.sort()).toEqual([a, b])
    expect(summary.failed).toEqual([])
    const expected = (await expectedChunkCount(a)) + (await expectedChunkCount(b))
    expect(summary.chunksWritten).toBe(expected)
    expect(await col.count()).toBe(expected)

    const got = await col.get({ where: { source: a }, include: ['metadatas', 'documents'] })
    const sha = (await parseFile(a)).sha256
    expect(got.ids.sort()).toEqual(got.ids.map((_, i) => `${sha}:${i}`).sort())
    const count = await tokenCounterFor(ef)
    for (const [i, meta] of (got.metadatas ?? []).entries()) {
      expect(meta).toMatchObject({ source: a, file_name: 'a.txt', file_sha256: sha })
      expect(meta?.chunk_index).toBe(Number(got.ids[i]?.split(':')[1]))
      expect(new Date(String(meta?.ingested_at)).toISOString()).toBe(meta?.ingested_at)
      expect(meta).not.toHaveProperty('page')
      expect(count(String(got.documents?.[i]))).toBeLessThanOrEqual(60)
    }

    const target = await col.get({ ids: [`${sha}:2`], include: ['documents'] })
    const hits = await col.query({ queryTexts: [String(target.documents?.[0])], nResults: 3 })
    expect(hits.ids[0]?.[0]).toBe(`${sha}:2`)
  })

  it('replaces a changed file and skips an unchanged one', async () => {
    const dir = folder()
    const file = path.join(dir, 'notes.txt')
    writeFileSync(file, text(3, 40))
    const col = await freshCollection()
    await startIngest(col, [file], OPTS).done
    const before = await sourceIds(col, file)
    const firstSha = (await parseFile(file)).sha256

    const again = await startIngest(col, [file], OPTS).done
    expect(again.unchanged).toEqual([file])
    expect(again.ingested).toEqual([])
    expect(again.chunksWritten).toBe(0)
    expect((await sourceIds(col, file)).sort()).toEqual(before.sort())

    writeFileSync(file, text(4, 12))
    const changed = await startIngest(col, [file], OPTS).done
    expect(changed.ingested).toEqual([file])
    expect(changed.chunksDeleted).toBe(before.length)
    const sha = (await parseFile(file)).sha256
    const after = await sourceIds(col, file)
    const expected = await expectedChunkCount(file)
    expect(after.sort()).toEqual(Array.from({ length: expected }, (_, i) => `${sha}:${i}`).sort())
    expect(after.some((id) => id.startsWith(firstSha))).toBe(false)
    expect(await col.count()).toBe(expected)
  })

  it('cleans chunks of an old version left by a crash between write and delete', async () => {
    const dir = folder()
    const file = path.join(dir, 'crash.txt')
    writeFileSync(file, text(5, 20))
    const col = await freshCollection()
    await startIngest(col, [file], OPTS).done
    const old = await col.get({ where: { source: file }, include: ['metadatas', 'documents', 'embeddings'] })
    writeFileSync(file, text(6, 20))
    await startIngest(col, [file], OPTS).done
    const current = await sourceIds(col, file)
    // The state a crash after the upsert and before the delete leaves: both versions.
    await col.add({ ids: old.ids, embeddings: old.embeddings, metadatas: old.metadatas, documents: old.documents })
    const summary = await startIngest(col, [file], OPTS).done
    expect(summary.unchanged).toEqual([file])
    expect(summary.chunksDeleted).toBe(old.ids.length)
    expect((await sourceIds(col, file)).sort()).toEqual(current.sort())
  })

  it('cancel mid-job leaves each file complete or absent', async () => {
    const dir = folder()
    const files = Array.from({ length: 8 }, (_, i) => path.join(dir, `f${i}.txt`))
    files.forEach((file, i) => writeFileSync(file, text(100 + i, 40)))
    const col = await freshCollection()
    // Small embedding batches so the cancel lands between two embedding calls of one file.
    const job = startIngest(col, [dir], { ...OPTS, embedBatch: 2 })
    let embedsOfFourth = 0
    job.events.on('embed-progress', (event: Extract<IngestEvent, { type: 'embed-progress' }>) => {
      if (event.path === files[3] && ++embedsOfFourth === 2) job.cancel()
    })
    const summary = await job.done
    expect(summary.cancelled).toBe(true)
    expect(summary.ingested).toEqual(files.slice(0, 3))
    for (const file of files) {
      const ids = await sourceIds(col, file)
      if (summary.ingested.includes(file)) expect(ids).toHaveLength(await expectedChunkCount(file))
      else expect(ids).toEqual([])
    }
    expect(await col.count()).toBe(summary.chunksWritten)

    // Resuming ingests the rest and skips what was done.
    const rest = await startIngest(col, [dir], OPTS).done
    expect(rest.unchanged).toEqual(files.slice(0, 3))
    expect(rest.ingested).toEqual(files.slice(3))
  })

  it('cancel through an abort signal before a write', async () => {
    const dir = folder()
    writeFileSync(path.join(dir, 'one.txt'), text(7))
    const col = await freshCollection()
    const controller = new AbortController()
    const job = startIngest(col, [dir], { ...OPTS, signal: controller.signal })
    job.events.on('file-embedded', () => controller.abort())
    const summary = await job.done
    expect(summary).toMatchObject({ cancelled: true, ingested: [], chunksWritten: 0 })
    expect(await col.count()).toBe(0)
  })

  it('reports corrupt, empty and unsupported files and goes on', async () => {
    const dir = folder()
    const good = [path.join(dir, 'a.txt'), path.join(dir, 'z.md')]
    writeFileSync(good[0] as string, text(8))
    writeFileSync(good[1] as string, text(9))
    const empty = path.join(dir, 'empty.txt')
    const blank = path.join(dir, 'blank.md')
    const corrupt = path.join(dir, 'broken.json')
    const unsupported = path.join(dir, 'image.xyz')
    writeFileSync(empty, '')
    writeFileSync(blank, '  \n\n \t ')
    writeFileSync(corrupt, '{"text": "unterminated')
    writeFileSync(unsupported, 'whatever')
    const col = await freshCollection()
    const job = startIngest(col, [dir], OPTS)
    const failedEvents: string[] = []
    job.events.on('file-failed', (event: Extract<IngestEvent, { type: 'file-failed' }>) =>
      failedEvents.push(event.path)
    )
    const summary = await job.done
    expect(summary.ingested).toEqual(good)
    expect(summary.failed.map((f) => [f.path, f.reason])).toEqual([
      [blank, 'empty'],
      [corrupt, 'corrupt'],
      [empty, 'empty']
    ])
    for (const failure of summary.failed) expect(failure.error.length).toBeGreaterThan(0)
    expect(failedEvents.sort()).toEqual([blank, corrupt, empty])
    expect(summary.skipped.map((s) => s.path)).toEqual([unsupported])
    expect(await col.count()).toBe(summary.chunksWritten)
  })

  it('fires progress events with increasing counts', async () => {
    const dir = folder()
    for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, `p${i}.txt`), text(200 + i, 25))
    const col = await freshCollection()
    const job = startIngest(col, [dir], { ...OPTS, embedBatch: 4 })
    const events: IngestEvent[] = []
    job.events.on('event', (event: IngestEvent) => events.push(event))
    const summary = await job.done
    const types = new Set(events.map((e) => e.type))
    for (const type of [
      'file-started',
      'file-parsed',
      'file-chunked',
      'embed-progress',
      'file-embedded',
      'file-written'
    ]) {
      expect(types.has(type as IngestEvent['type'])).toBe(true)
    }
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1]?.counts, events[i]?.counts]
      for (const key of ['filesDone', 'chunks', 'embeddings', 'chunksWritten'] as const) {
        expect(b?.[key]).toBeGreaterThanOrEqual(a?.[key] as number)
      }
    }
    const last = events.at(-1)?.counts
    expect(last).toEqual({
      filesTotal: 4,
      filesDone: 4,
      filesWritten: 4,
      chunks: summary.chunksWritten,
      embeddings: summary.chunksWritten,
      chunksWritten: summary.chunksWritten
    })
    expect(job.counts).toEqual(last)
    expect(events.filter((e) => e.type === 'file-written')).toHaveLength(4)
    expect(summary.seconds).toBeGreaterThan(0)
  })

  it('uses an explicit embedding function and refuses a collection without one', async () => {
    const dir = folder()
    writeFileSync(path.join(dir, 'x.txt'), text(11))
    const col = await client.createCollection({ name: `no-ef-${++n}`, embeddingFunction: null })
    await expect(startIngest(col, [dir], OPTS).done).rejects.toThrow(/no embedding function/)
    const summary = await startIngest(col, [dir], { ...OPTS, embeddingFunction: ef }).done
    expect(summary.chunksWritten).toBeGreaterThan(0)
    expect(await col.count()).toBe(summary.chunksWritten)
    await expect(startIngest(col, [dir], { chunkSize: 300, embeddingFunction: ef }).done).rejects.toThrow(/254/)
  })

  it('stores content shared by two paths once', async () => {
    const dir = folder()
    writeFileSync(path.join(dir, 'one.txt'), text(12))
    writeFileSync(path.join(dir, 'two.txt'), text(12))
    const col = await freshCollection()
    const summary = await startIngest(col, [dir], OPTS).done
    expect(summary.ingested).toEqual([path.join(dir, 'one.txt')])
    expect(summary.skipped).toEqual([
      { path: path.join(dir, 'two.txt'), reason: `same content as ${path.join(dir, 'one.txt')}` }
    ])
  })
})

describe('large files', () => {
  it('reports reading and chunking progress and cancels within a second while chunking', async () => {
    const dir = folder()
    const file = path.join(dir, 'large.txt')
    // About 6 MB: chunking it takes seconds, so the cancel lands in that phase.
    writeFileSync(file, Array.from({ length: 4000 }, (_, i) => text(i, 12)).join('\n\n'))
    const col = await freshCollection()
    const job = startIngest(col, [file], OPTS)
    const seen: IngestEvent['type'][] = []
    let cancelledAt = 0
    job.events.on('event', (event: IngestEvent) => {
      seen.push(event.type)
      if (event.type === 'chunk-progress' && cancelledAt === 0 && event.chunks > 0) {
        cancelledAt = performance.now()
        job.cancel()
      }
    })
    const summary = await job.done
    expect(performance.now() - cancelledAt).toBeLessThan(1000)
    expect(summary.cancelled).toBe(true)
    expect(seen).toContain('parse-progress')
    expect(seen).not.toContain('file-chunked')
    expect(await col.count()).toBe(0)
  })
})

describe('batched writes', () => {
  it('writes in batches with progress, and ingests again a file a crash left half written', async () => {
    const dir = folder()
    const file = path.join(dir, 'long.txt')
    writeFileSync(file, text(3, 200))
    const col = await freshCollection()
    const progress: number[] = []
    const job = startIngest(col, [file], { ...OPTS, writeBatch: 10 })
    job.events.on('write-progress', (e: Extract<IngestEvent, { type: 'write-progress' }>) => progress.push(e.done))
    const first = await job.done
    const total = first.chunksWritten
    expect(total).toBeGreaterThan(20)
    expect(progress.at(-1)).toBe(total)
    expect(progress.length).toBe(Math.ceil(total / 10))
    const ids = await sourceIds(col, file)
    // A crash after some batches: part of the file's chunks are missing.
    await col.delete({ ids: ids.slice(0, 7) })
    const again = await startIngest(col, [file], OPTS).done
    expect(again.unchanged).toEqual([])
    expect(again.ingested).toEqual([file])
    expect(await col.count()).toBe(total)
    // Whole again: the next run skips it.
    expect((await startIngest(col, [file], OPTS).done).unchanged).toEqual([file])
  })
})

describe('re-ingest with other settings', () => {
  const csv = (rows: number): string =>
    ['id,name,kind,age', ...Array.from({ length: rows }, (_, i) => `a${i},${text(i, 2)},kind${i % 3},${i}`)].join('\n')
  const full = (col: Collection, source: string) =>
    col.get({ where: { source }, include: ['metadatas', 'documents', 'embeddings'] })

  it('ingests a file again when its chunking changes', async () => {
    const dir = folder()
    const file = path.join(dir, 'notes.txt')
    writeFileSync(file, text(8, 60))
    const col = await freshCollection()
    const first = await startIngest(col, [file], OPTS).done
    expect((await startIngest(col, [file], OPTS).done).unchanged).toEqual([file])
    const again = await startIngest(col, [file], { chunkSize: 30, overlap: 5 }).done
    expect(again.ingested).toEqual([file])
    expect(again.chunksWritten).toBeGreaterThan(first.chunksWritten)
    const got = await full(col, file)
    expect(got.ids).toHaveLength(again.chunksWritten)
    expect(new Set(got.metadatas?.map((m) => m?.ingest_settings))).toEqual(new Set(['chunks of 30 tokens, overlap 5']))
    expect(new Set(got.metadatas?.map((m) => m?.chunk_count))).toEqual(new Set([again.chunksWritten]))
  })

  it('a changed field mapping re-ingests and leaves each row exactly as the new mapping makes it', async () => {
    const dir = folder()
    const file = path.join(dir, 'pets.csv')
    writeFileSync(file, csv(12))
    const col = await freshCollection()
    const mapping = { document: ['name'], id: 'id', metadata: ['kind', 'age'] }
    await startIngest(col, [file], { ...OPTS, fields: () => mapping }).done
    expect((await full(col, file)).metadatas?.[0]).toMatchObject({ kind: 'kind0', age: 0 })
    expect((await startIngest(col, [file], { ...OPTS, fields: () => mapping }).done).unchanged).toEqual([file])

    const narrower = { document: ['name'], id: 'id', metadata: ['kind'] }
    const again = await startIngest(col, [file], { ...OPTS, fields: () => narrower }).done
    expect(again.ingested).toEqual([file])
    const got = await full(col, file)
    expect(got.ids.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}`).sort())
    for (const m of got.metadatas ?? []) {
      expect(m).not.toHaveProperty('age')
      expect(m).toHaveProperty('kind')
    }

    // Rows the new run no longer produces are removed: the file now has 5 rows.
    writeFileSync(file, csv(5))
    const fewer = await startIngest(col, [file], { ...OPTS, fields: () => narrower }).done
    expect(fewer.chunksDeleted).toBe(7)
    expect((await sourceIds(col, file)).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])
  })

  it('a cancel or failure midway leaves the old records exactly as they were', async () => {
    const dir = folder()
    const file = path.join(dir, 'pets.csv')
    writeFileSync(file, csv(30))
    const col = await freshCollection()
    await startIngest(col, [file], { ...OPTS, fields: () => ({ document: ['name'], id: 'id', metadata: ['age'] }) })
      .done
    const before = await full(col, file)
    const other = { document: ['name', 'kind'], id: 'id', metadata: ['kind'] }

    // Cancelled after two of the batches were written: those are put back.
    const job = startIngest(col, [file], { ...OPTS, writeBatch: 4, fields: () => other })
    let writes = 0
    job.events.on('write-progress', () => {
      if (++writes === 2) job.cancel()
    })
    const cancelled = await job.done
    expect(cancelled.cancelled).toBe(true)
    expect(writes).toBe(2)
    expect(await full(col, file)).toEqual(before)

    // A write that fails midway (one row refused by the collection) rolls back the same way.
    writeFileSync(file, `${csv(30)}\na30,${text(30, 2)},kind0,30`)
    const failing = new Proxy(col, {
      get(target, key, receiver) {
        if (key !== 'upsert') return Reflect.get(target, key, receiver) as unknown
        let calls = 0
        return async (req: { ids: string[] }) => {
          if (req.ids.includes('a30') && ++calls === 1) throw new Error('disk full')
          return target.upsert(req)
        }
      }
    })
    const failed = await startIngest(failing, [file], { ...OPTS, writeBatch: 8, fields: () => other }).done
    expect(failed.failed.map((f) => f.error)).toEqual(['disk full'])
    expect(await full(col, file)).toEqual(before)
  })
  it('a record made again keeps its keyword vector (computed from the new document), and a rollback restores it', async () => {
    const dir = folder()
    const file = path.join(dir, 'notes.txt')
    writeFileSync(file, text(9, 60))
    const col = await client.createCollection({ name: `ingest-${++n}`, embeddingFunction: ef, schema: keywordSchema() })
    await startIngest(col, [file], OPTS).done
    const first = await full(col, file)
    expect(first.metadatas?.every((m) => m?.[KEYWORD_KEY] !== undefined)).toBe(true)

    // Cancelled midway: every record as it was, keyword vectors included.
    const job = startIngest(col, [file], { chunkSize: 30, overlap: 5, writeBatch: 3 })
    job.events.on('write-progress', () => job.cancel())
    expect((await job.done).cancelled).toBe(true)
    expect(await full(col, file)).toEqual(first)

    // Made again with another chunking (same content: the same ids, new documents): each record has the
    // keyword vector of its new document (an explicit null in the write would have deleted it).
    const again = await startIngest(col, [file], { chunkSize: 30, overlap: 5 }).done
    expect(again.ingested).toEqual([file])
    const got = await full(col, file)
    const missing = got.ids.filter((_, i) => got.metadatas?.[i]?.[KEYWORD_KEY] == null)
    expect(missing).toEqual([])
  })
})

describe('records the file does not own', () => {
  it('a copy of a file never takes over, nor deletes on cancel, the chunks another path holds', async () => {
    const dir = folder()
    const a = path.join(dir, 'a.txt')
    const b = path.join(dir, 'b.txt')
    writeFileSync(a, text(11, 60))
    writeFileSync(b, text(11, 60))
    const col = await freshCollection()
    await startIngest(col, [a], OPTS).done
    const sha = (await parseFile(a)).sha256
    // The user deleted a's first chunk: the copy's first id is free, the next ones are a's.
    await col.delete({ ids: [`${sha}:0`] })
    const kept = await col.get({ where: { source: a }, include: ['metadatas', 'documents', 'embeddings'] })

    const job = startIngest(col, [b], { ...OPTS, writeBatch: 1 })
    let writes = 0
    job.events.on('write-progress', () => {
      if (++writes === 2) job.cancel()
    })
    await job.done
    expect(await col.get({ where: { source: a }, include: ['metadatas', 'documents', 'embeddings'] })).toEqual(kept)

    const whole = await startIngest(col, [b], { ...OPTS, writeBatch: 1 }).done
    expect(whole.ingested).toEqual([])
    expect(await col.get({ where: { source: a }, include: ['metadatas', 'documents', 'embeddings'] })).toEqual(kept)
    expect(await sourceIds(col, b)).toEqual([])
  })

  it("a record written under one of the file's ids while it is ingested is neither overwritten nor deleted", async () => {
    const dir = folder()
    const file = path.join(dir, 'pets.csv')
    writeFileSync(file, ['id,name', ...Array.from({ length: 20 }, (_, i) => `p${i},${text(i, 2)}`)].join('\n'))
    const col = await freshCollection()
    const mine = { ids: ['p15'], documents: ['my own record'], metadatas: [{ mine: true }] }
    // The user's own record, written after the run checked the ids and before it reaches this one:
    // the run's first write waits for it, so the order holds whatever the machine's load.
    let upserts = 0
    const writing = new Proxy(col, {
      get(target, key, receiver) {
        if (key !== 'upsert') return Reflect.get(target, key, receiver) as unknown
        return async (req: Parameters<Collection['upsert']>[0]) => {
          if (++upserts === 1) await target.add(mine)
          return target.upsert(req)
        }
      }
    })
    const job = startIngest(writing, [file], {
      ...OPTS,
      writeBatch: 5,
      fields: () => ({ document: ['name'], id: 'id', metadata: [] })
    })
    const summary = await job.done
    expect(summary.failed.map((f) => f.reason)).toEqual(['ids-taken'])
    expect(await col.get({ ids: ['p15'], include: ['metadatas', 'documents'] })).toMatchObject({
      ids: ['p15'],
      documents: ['my own record'],
      metadatas: [{ mine: true }]
    })
    expect(await col.count()).toBe(1)
  })
})

describe('two ingests of one file at once', () => {
  /** The collection, its third upsert held until `open` is called. */
  function gated(col: Collection): { col: Collection; reached: Promise<void>; open: () => void } {
    let open: () => void = () => undefined
    const held = new Promise<void>((resolve) => (open = resolve))
    let reach: () => void = () => undefined
    const reached = new Promise<void>((resolve) => (reach = resolve))
    let upserts = 0
    const proxy = new Proxy(col, {
      get(target, key, receiver) {
        if (key !== 'upsert') return Reflect.get(target, key, receiver) as unknown
        return async (req: Parameters<Collection['upsert']>[0]) => {
          if (++upserts === 3) {
            reach()
            await held
          }
          return target.upsert(req)
        }
      }
    })
    return { col: proxy, reached, open }
  }

  it('the second is refused while the first runs, so two rollbacks never interleave', async () => {
    const dir = folder()
    const file = path.join(dir, 'notes.txt')
    writeFileSync(file, text(12, 60))
    const col = await freshCollection()
    await startIngest(col, [file], OPTS).done
    const full = () => col.get({ where: { source: file }, include: ['metadatas', 'documents', 'embeddings'] })
    const before = await full()

    // Both chunk the same content anew (the same ids), two writes each, then both are cancelled: the
    // first rolls back, then the second, which had read the first one's records as the ones to put back.
    const one = gated(col)
    const first = startIngest(one.col, [file], { chunkSize: 30, overlap: 5, writeBatch: 2 })
    await one.reached
    const two = gated(col)
    const second = startIngest(two.col, [file], { chunkSize: 20, overlap: 5, writeBatch: 2 })
    await Promise.race([two.reached, second.done])
    first.cancel()
    one.open()
    await first.done
    second.cancel()
    two.open()
    const summaries = [await first.done, await second.done]
    expect(summaries.flatMap((s) => s.failed.map((f) => f.reason))).toEqual(['busy'])
    expect(await full()).toEqual(before)

    // Once the first has finished, the file can be added again.
    expect((await startIngest(col, [file], { chunkSize: 30, overlap: 5 }).done).ingested).toEqual([file])
  })
})

describe('nextWriteBatch', () => {
  it('scales the write batch toward 100 ms, by at most 2x a step, within 10..1000', () => {
    expect(nextWriteBatch(100, 100)).toBe(100)
    expect(nextWriteBatch(100, 400)).toBe(50)
    expect(nextWriteBatch(100, 125)).toBe(80)
    expect(nextWriteBatch(100, 10)).toBe(200)
    expect(nextWriteBatch(800, 1)).toBe(1000)
    expect(nextWriteBatch(12, 5000)).toBe(10)
  })
})
