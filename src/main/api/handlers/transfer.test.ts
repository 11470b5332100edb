// Export names: a collection's name (from a Chroma server or an imported file) never becomes part of
// a path main writes; the names suggested for a download or a save dialog are safe file names.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CollectionEndpoint, Connection } from '../../portability/index.js'
import type { CollectionRef } from '../backends/types.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import { dispatch } from '../dispatch.js'
import { createHandlers } from '../handlers.js'
import { attachmentDisposition, exportToTemp } from './transfer.js'

let root: string
let ctx: AppContext
let collectionId: string
/** A name a hostile Chroma server could report: relative to the export's temporary folder, it is root. */
let hostile: string
/** The names the save dialog was opened with. */
let suggested: string[]

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-transfer-'))
  hostile = `../${path.basename(root)}/pwned`
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

beforeEach(async () => {
  suggested = []
  ctx = openAppContext({
    path: null,
    dialogs: {
      saveFile: async (defaultName) => {
        suggested.push(defaultName)
        return path.join(root, 'chosen.jsonl')
      }
    }
  })
  const c = await ctx.client.createCollection({ name: 'portable', embeddingFunction: null })
  await c.add({
    ids: ['a', 'b'],
    embeddings: [
      [1, 2, 3],
      [4, 5, 6]
    ],
    documents: ['first', null]
  })
  collectionId = c.id
  // The collection as a hostile server would describe it: same records, a name that is a path.
  const endpoint = (await ctx.connections.portable(undefined).open('portable')) as CollectionEndpoint
  const renamed: CollectionEndpoint = Object.create(endpoint, {
    spec: { get: () => ({ ...endpoint.spec, name: hostile }) }
  }) as CollectionEndpoint
  vi.spyOn(ctx.connections, 'portable').mockReturnValue({
    label: 'hostile',
    readOnly: true,
    open: async () => renamed,
    close: async () => undefined
  } as unknown as Connection)
  const backend = ctx.connections.backend(undefined)
  vi.spyOn(backend, 'get').mockResolvedValue({ id: collectionId, name: hostile } as unknown as CollectionRef)
  vi.spyOn(ctx.connections, 'backend').mockReturnValue(backend)
})
afterEach(async () => {
  vi.restoreAllMocks()
  await closeAppContext(ctx)
})

describe('exportToTemp (browser download)', () => {
  it('writes a fixed file name in its private folder, whatever the collection is called', async () => {
    const { file, fileName, report, done } = await exportToTemp(ctx, undefined, collectionId)
    try {
      expect(path.basename(file)).toBe('export.jsonl')
      expect(path.basename(path.dirname(file))).toMatch(/^chromadesk-export-/)
      expect(path.dirname(path.dirname(file))).toBe(tmpdir())
      expect(existsSync(path.join(root, 'pwned.jsonl'))).toBe(false)
      expect(existsSync(path.join(root, 'pwned.jsonl.partial'))).toBe(false)
      expect(report).toMatchObject({ collection: hostile, records: 2 })
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4)
      expect(fileName).toBe(`_${path.basename(root)}_pwned.jsonl`)
      expect(fileName).not.toMatch(/[/\\]|\.\./)
    } finally {
      done()
    }
    expect(existsSync(path.dirname(file))).toBe(false)
  })
})

describe('collections.export (save dialog)', () => {
  it('suggests a safe file name and writes where the user chose', async () => {
    const result = await dispatch(createHandlers(ctx), 'collections.export', { collectionId })
    expect(result).toMatchObject({ ok: true, value: { collection: hostile, file: path.join(root, 'chosen.jsonl') } })
    expect(suggested).toEqual([`_${path.basename(root)}_pwned.jsonl`])
    expect(existsSync(path.join(root, 'chosen.jsonl'))).toBe(true)
    expect(existsSync(path.join(root, 'pwned.jsonl'))).toBe(false)
  })

  it('suggests a .parquet name and writes Parquet when asked for that format', async () => {
    const result = await dispatch(createHandlers(ctx), 'collections.export', { collectionId, format: 'parquet' })
    expect(result).toMatchObject({ ok: true, value: { records: 2 } })
    expect(suggested).toEqual([`_${path.basename(root)}_pwned.parquet`])
    expect(readFileSync(path.join(root, 'chosen.jsonl')).subarray(0, 4).toString()).toBe('PAR1')
    const bad = await dispatch(createHandlers(ctx), 'collections.export', { collectionId, format: 'csv' })
    expect(bad).toMatchObject({ ok: false, error: { status: 400 } })
  })
})

describe('attachmentDisposition', () => {
  it('gives an ASCII filename and the exact name as filename*', () => {
    expect(attachmentDisposition('notes.jsonl')).toBe(
      `attachment; filename="notes.jsonl"; filename*=UTF-8''notes.jsonl`
    )
    expect(attachmentDisposition("café (ü)'s.jsonl")).toBe(
      `attachment; filename="caf_ (_)'s.jsonl"; filename*=UTF-8''caf%C3%A9%20%28%C3%BC%29%27s.jsonl`
    )
  })

  it('cannot be broken out of, even by a name that was not made safe first', () => {
    const header = attachmentDisposition('a"; filename=evil.exe\r\nX-Injected: 1')
    expect(header).not.toMatch(/[\r\n]/)
    expect(header.split('"')).toHaveLength(3)
  })
})
