// A file whose preview fails answers 4xx with the file and the reason, whatever its kind and
// wherever it fails (reading, parsing, the structured mapping): never an unexplained 500.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallInput, CallOutput, Channel } from '../../../shared/contract.js'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import { dispatch, type Handlers } from '../dispatch.js'
import { createHandlers } from '../handlers.js'

let root: string
let ctx: AppContext
let handlers: Handlers
let collectionId: string

async function call<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await dispatch(handlers, channel, input)
  if (!result.ok) throw new Error(result.error.message)
  return result.value as CallOutput<C>
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-preview-errors-'))
  const modelDir = await createTinyModel(root)
  ctx = openAppContext({ path: null, modelsDir: path.join(root, 'cache') })
  handlers = createHandlers(ctx)
  collectionId = (await call('collections.create', { name: 'previews', embeddingModel: modelDir })).id
}, 60_000)
afterAll(async () => {
  await closeAppContext(ctx)
  rmSync(root, { recursive: true, force: true })
})

/** The preview's failure for one dropped file with these bytes. */
async function previewFailure(name: string, data: Buffer | string, extra: Partial<CallInput<'ingest.preview'>> = {}) {
  const { uploadId } = await call('ingest.upload', { files: [{ name, data: Buffer.from(data).toString('base64') }] })
  const result = await dispatch(handlers, 'ingest.preview', { uploadId, file: name, collectionId, ...extra })
  if (result.ok) throw new Error(`the preview of ${name} succeeded`)
  return result.error
}

// A zip's local header, then nothing a zip reader can use.
const BROKEN_ZIP = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 1)])

describe('ingest.preview of a file that cannot be read', () => {
  const cases: [string, Buffer | string, RegExp][] = [
    ['broken.pdf', 'not a pdf at all', /^broken\.pdf: could not be read as PDF \(.+\)$/],
    ['truncated.pdf', '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R', /^truncated\.pdf: could not be read as PDF/],
    ['broken.docx', 'plain text, not a zip', /^broken\.docx: could not be read as/],
    ['zip.docx', BROKEN_ZIP, /^zip\.docx: could not be read as/],
    ['quote.csv', 'name,kind\n"Rex,dog\nTom,cat\n', /^quote\.csv: could not be read as CSV/],
    ['header.csv', 'name,kind\n', /^header\.csv: /],
    ['empty-list.json', '[]', /^empty-list\.json: /],
    ['nulls.jsonl', 'null\n', /^nulls\.jsonl: /],
    ['binary.html', Buffer.from([0x3c, 0x00, 0xff, 0xfe]), /^binary\.html: /],
    ['cut.json', '[{"name": "Rex"},', /^cut\.json: could not be read as JSON/],
    ['bad.jsonl', '{"name": "Rex"}\n{"name": \n', /^bad\.jsonl: line 2 is not valid JSON/],
    ['nul.txt', Buffer.from([0x61, 0x00, 0x62]), /^nul\.txt: contains NUL bytes/],
    ['latin.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9]), /^latin\.txt: not valid UTF-8/],
    ['empty.md', '', /^empty\.md: the file is empty$/],
    ['blank.html', '<html><body>   </body></html>', /^blank\.html: no text found/],
    ['picture.png', 'not supported', /^picture\.png: unsupported file type "\.png"$/]
  ]
  it.each(cases)('%s answers 4xx with the file and the reason', async (name, data, message) => {
    const error = await previewFailure(name, data)
    expect(error.status, error.message).toBeGreaterThanOrEqual(400)
    expect(error.status).toBeLessThan(500)
    expect(error.message).toMatch(message)
  })

  it('a field mapping naming no field of the file answers 4xx', async () => {
    const error = await previewFailure('pets.csv', 'name,kind\nRex,dog\n', {
      fields: { document: ['nope'], id: null, metadata: [] }
    })
    expect(error.status).toBeGreaterThanOrEqual(400)
    expect(error.status).toBeLessThan(500)
    expect(error.message).toMatch(/nope/)
  })
})
