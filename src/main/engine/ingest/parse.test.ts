import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { detectKind, IngestFileError, listFiles, parseFile, type ParsedFile } from './parse.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chromadesk-parse-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function fixture(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name)
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, content)
  return path
}

async function makePdf(pages: string[][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  for (const lines of pages) {
    const page = doc.addPage([400, 400])
    lines.forEach((line, i) => page.drawText(line, { x: 40, y: 340 - i * 24, size: 14, font }))
  }
  return doc.save()
}

async function makeDocx(): Promise<Buffer> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: 'Quarterly report', heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun('Revenue grew '), new TextRun({ text: 'fast', bold: true })] }),
          new Paragraph({ children: [new TextRun('Second paragraph.')] })
        ]
      }
    ]
  })
  return Packer.toBuffer(doc)
}

async function expectIngestError(
  promise: Promise<unknown>,
  reason: IngestFileError['reason'],
  message?: RegExp
): Promise<IngestFileError> {
  const err = await promise.then(
    () => expect.fail('expected an IngestFileError'),
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(IngestFileError)
  const e = err as IngestFileError
  expect(e.reason).toBe(reason)
  if (message) expect(e.message).toMatch(message)
  return e
}

describe('detectKind', () => {
  it('maps extensions case-insensitively and rejects unknown ones', () => {
    expect(detectKind('/a/B.PDF')).toBe('pdf')
    expect(detectKind('notes.markdown')).toBe('markdown')
    expect(detectKind('page.htm')).toBe('html')
    expect(detectKind('rows.jsonl')).toBe('jsonl')
    expect(detectKind('image.png')).toBeNull()
    expect(detectKind('Makefile')).toBeNull()
  })
})

describe('parseFile', () => {
  it('reads plain text as UTF-8 with hash and size of the raw bytes', async () => {
    const raw = '\uFEFFHello wörld\r\nsecond line\n'
    const path = await fixture('plain.txt', raw)
    const parsed = await parseFile(path)
    const bytes = Buffer.from(raw, 'utf8')
    expect(parsed).toEqual<ParsedFile>({
      path,
      fileName: 'plain.txt',
      kind: 'text',
      sections: [{ text: 'Hello wörld\nsecond line' }],
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex')
    })
  })

  it('keeps markdown as text', async () => {
    const path = await fixture('doc.md', '# Title\n\nSome *emphasis* here.\n')
    const parsed = await parseFile(path)
    expect(parsed.kind).toBe('markdown')
    expect(parsed.sections).toEqual([{ text: '# Title\n\nSome *emphasis* here.' }])
  })

  it('extracts one section per PDF page with 1-based page numbers', async () => {
    const path = await fixture(
      'two-pages.pdf',
      await makePdf([
        ['First page title', 'alpha line'],
        ['Second page', 'beta line']
      ])
    )
    const parsed = await parseFile(path)
    expect(parsed.kind).toBe('pdf')
    expect(parsed.sections).toEqual([
      { text: 'First page title\nalpha line', page: 1 },
      { text: 'Second page\nbeta line', page: 2 }
    ])
  })

  it('drops PDF pages without text but keeps the page numbers of the others', async () => {
    const path = await fixture('blank-middle.pdf', await makePdf([['one'], [], ['three']]))
    const parsed = await parseFile(path)
    expect(parsed.sections).toEqual([
      { text: 'one', page: 1 },
      { text: 'three', page: 3 }
    ])
  })

  it('extracts DOCX paragraphs', async () => {
    const path = await fixture('report.docx', await makeDocx())
    const parsed = await parseFile(path)
    expect(parsed.kind).toBe('docx')
    expect(parsed.sections).toHaveLength(1)
    const text = parsed.sections[0]!.text
    expect(text).toMatch(/^Quarterly report\n+Revenue grew fast\n+Second paragraph\.$/)
  })

  it('extracts HTML text without scripts, styles or navigation, keeping block breaks', async () => {
    const html = `<!doctype html><html><head><title>T</title><style>body { color: red }</style>
      <script>var secret = "script-noise"</script></head><body>
      <nav><a href="/x">Nav-noise link</a></nav>
      <h1>Main heading</h1><p>First <a href="https://example.com">para</a>graph.</p>
      <p>Second paragraph.</p><noscript>noscript-noise</noscript></body></html>`
    const path = await fixture('page.html', html)
    const parsed = await parseFile(path)
    expect(parsed.kind).toBe('html')
    const text = parsed.sections[0]!.text
    expect(text).toMatch(/Main heading\n+First paragraph\.\n+Second paragraph\./)
    expect(text).not.toMatch(/noise|color: red|example\.com/)
  })

  it('renders each CSV row as header: value lines', async () => {
    const csv = 'name,city,"note, quoted"\nAda,London,"line one\nline two"\n\nBob,,x\n'
    const path = await fixture('people.csv', csv)
    const parsed = await parseFile(path)
    expect(parsed.kind).toBe('csv')
    expect(parsed.sections).toEqual([
      { text: 'name: Ada\ncity: London\nnote, quoted: line one\nline two' },
      { text: 'name: Bob\nnote, quoted: x' }
    ])
  })

  it('turns a JSON array into one section per element, preferring a text field', async () => {
    const json = JSON.stringify([
      'a plain string',
      { id: 1, text: 'from text field', content: 'ignored' },
      { content: 'from content field' },
      { document: 'from document field' },
      { title: 'No text field', tags: ['x', 'y'], n: 3 },
      null
    ])
    const path = await fixture('items.json', json)
    const parsed = await parseFile(path)
    expect(parsed.kind).toBe('json')
    expect(parsed.sections.map((s) => s.text)).toEqual([
      'a plain string',
      'from text field',
      'from content field',
      'from document field',
      'title: No text field\ntags: ["x","y"]\nn: 3'
    ])
  })

  it('treats a top-level JSON object as one section', async () => {
    const path = await fixture('one.json', '{"content": "single doc"}')
    expect((await parseFile(path)).sections).toEqual([{ text: 'single doc' }])
  })

  it('turns JSONL into one section per line, skipping blank lines', async () => {
    const path = await fixture(
      'rows.jsonl',
      '{"text": "row one"}\n\n{"question": "why?", "answer": "because"}\n"bare string"\n'
    )
    const parsed = await parseFile(path)
    expect(parsed.kind).toBe('jsonl')
    expect(parsed.sections.map((s) => s.text)).toEqual(['row one', 'question: why?\nanswer: because', 'bare string'])
  })

  it('names the line of a bad JSONL record', async () => {
    const path = await fixture('bad.jsonl', '{"text": "ok"}\n\n{"text": broken}\n{"text": "ok"}\n')
    const err = await expectIngestError(parseFile(path), 'corrupt', /bad\.jsonl: line 3 /)
    expect(err.path).toBe(path)
  })

  it('reports invalid JSON as corrupt', async () => {
    const path = await fixture('bad.json', '[{"text": "a"},')
    await expectIngestError(parseFile(path), 'corrupt', /bad\.json: could not be read as JSON \(.+\)/)
  })

  it('reports a CSV with a broken quote as corrupt', async () => {
    const path = await fixture('bad.csv', 'a,b\n"unterminated,1\n')
    await expectIngestError(parseFile(path), 'corrupt', /bad\.csv: could not be read as CSV/)
  })

  it('reports a truncated PDF as corrupt', async () => {
    const full = await makePdf([['some text']])
    const path = await fixture('truncated.pdf', full.slice(0, 200))
    await expectIngestError(parseFile(path), 'corrupt', /truncated\.pdf: could not be read as PDF \(.+\)/)
  })

  it('reports garbage bytes named .pdf as corrupt', async () => {
    const path = await fixture('garbage.pdf', Buffer.from('this is not a pdf at all\n'.repeat(20)))
    await expectIngestError(parseFile(path), 'corrupt', /garbage\.pdf: could not be read as PDF/)
  })

  it('reports a corrupt DOCX as corrupt', async () => {
    const docx = await makeDocx()
    const truncated = await fixture('truncated.docx', docx.subarray(0, docx.length / 2))
    await expectIngestError(parseFile(truncated), 'corrupt', /truncated\.docx: could not be read as DOCX \(.+\)/)
    const garbage = await fixture('garbage.docx', 'plain text pretending to be docx')
    await expectIngestError(parseFile(garbage), 'corrupt', /garbage\.docx/)
  })

  it('reports NUL bytes or invalid UTF-8 in a text file as binary', async () => {
    const nul = await fixture('nul.txt', Buffer.from([0x68, 0x69, 0x00, 0x01, 0x02]))
    await expectIngestError(parseFile(nul), 'binary', /nul\.txt/)
    const latin1 = await fixture('latin1.md', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))
    await expectIngestError(parseFile(latin1), 'binary', /latin1\.md: not valid UTF-8/)
    const png = await fixture('image.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    await expectIngestError(parseFile(png), 'binary')
  })

  it('reports empty files and files with no text as empty', async () => {
    await expectIngestError(parseFile(await fixture('empty.txt', '')), 'empty', /empty\.txt/)
    await expectIngestError(parseFile(await fixture('blank.md', ' \n\t\n')), 'empty')
    await expectIngestError(parseFile(await fixture('empty-array.json', '[]')), 'empty')
    await expectIngestError(parseFile(await fixture('header-only.csv', 'a,b\n')), 'empty')
    await expectIngestError(parseFile(await fixture('script-only.html', '<script>x()</script>')), 'empty')
    await expectIngestError(parseFile(await fixture('blank.pdf', await makePdf([[]]))), 'empty')
  })

  it('rejects unsupported extensions before reading', async () => {
    await expectIngestError(
      parseFile(join(dir, 'does-not-exist.exe')),
      'unsupported',
      /does-not-exist\.exe: unsupported file type "\.exe"/
    )
    await expectIngestError(parseFile(await fixture('README', 'text')), 'unsupported', /no extension/)
  })

  it('rejects files over the size limit', async () => {
    const path = await fixture('big.txt', 'x'.repeat(2048))
    await expectIngestError(
      parseFile(path, { maxBytes: 1024 }),
      'too-large',
      /big\.txt: 2\.0 KiB exceeds the 1\.0 KiB limit/
    )
    await expect(parseFile(path, { maxBytes: 4096 })).resolves.toMatchObject({ bytes: 2048 })
  })

  it('honours an aborted signal', async () => {
    const path = await fixture('abort.txt', 'text')
    const controller = new AbortController()
    controller.abort()
    await expect(parseFile(path, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError'
    })
  })
})

describe('listFiles', () => {
  it('expands folders recursively, skipping hidden entries, deduping and sorting', async () => {
    const root = join(dir, 'tree')
    const outside = join(dir, 'outside')
    await mkdir(join(root, 'sub', 'deeper'), { recursive: true })
    await mkdir(join(root, '.hidden-dir'), { recursive: true })
    await mkdir(outside, { recursive: true })
    await writeFile(join(root, 'b.txt'), 'b')
    await writeFile(join(root, 'A.md'), 'a')
    await writeFile(join(root, '.secret.txt'), 'hidden')
    await writeFile(join(root, '.hidden-dir', 'inside.txt'), 'hidden')
    await writeFile(join(root, 'sub', 'c.pdf'), 'c')
    await writeFile(join(root, 'sub', 'photo.png'), 'png')
    await writeFile(join(root, 'sub', 'deeper', 'd.jsonl'), 'd')
    await writeFile(join(outside, 'escape.txt'), 'outside')
    await symlink(join(outside, 'escape.txt'), join(root, 'link-out.txt'))
    await symlink(join(root, 'b.txt'), join(root, 'sub', 'link-in.txt'))
    await symlink(root, join(root, 'sub', 'loop'))

    const result = await listFiles([
      root,
      join(root, 'b.txt'), // also reached by the walk
      join(root, 'sub', 'deeper', 'd.jsonl'),
      join(dir, 'missing-folder')
    ])
    expect(result.files).toEqual([
      join(root, 'A.md'),
      join(root, 'b.txt'),
      join(root, 'sub', 'c.pdf'),
      join(root, 'sub', 'deeper', 'd.jsonl')
    ])
    expect(result.skipped).toEqual([
      { path: join(dir, 'missing-folder'), reason: 'not found' },
      { path: join(root, 'link-out.txt'), reason: 'symbolic link outside the folder' },
      { path: join(root, 'sub', 'photo.png'), reason: 'unsupported file type ".png"' }
    ])
  })

  it('takes a hidden file the user named directly', async () => {
    const path = await fixture('.named.txt', 'x')
    expect((await listFiles([path])).files).toEqual([path])
  })
})

describe('parseFile with headBytes (the preview)', () => {
  const HEAD = 256 * 1024
  const BIG = 200 * 1024 * 1024
  /** `head` followed by zero bytes up to 200 MB (a sparse file: no disk taken). Reading it whole
   * would fail as binary (NUL bytes), so a success shows only the head was read. */
  async function sparse(name: string, head: string): Promise<string> {
    const path = await fixture(name, head)
    const { truncate } = await import('node:fs/promises')
    await truncate(path, BIG)
    return path
  }
  const lines = (n: number, line: (i: number) => string): string =>
    Array.from({ length: n }, (_, i) => line(i)).join('\n')

  it('reads a bounded head of a 200 MB text file, cut after a whole line', async () => {
    const path = await sparse(
      'huge.txt',
      lines(20000, (i) => `line ${i} of a long file about rivers and cities`)
    )
    const rss = process.memoryUsage().rss
    const parsed = await parseFile(path, { headBytes: HEAD, maxBytes: BIG })
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024)
    expect(parsed.truncatedFrom).toBe(BIG)
    expect(parsed.bytes).toBeLessThanOrEqual(HEAD)
    expect(parsed.bytes).toBeGreaterThan(HEAD - 100)
    const text = parsed.sections.map((s) => s.text).join('\n')
    expect(text.startsWith('line 0 of')).toBe(true)
    expect(text).toMatch(/line \d+ of a long file about rivers and cities$/)
    // Without headBytes the whole file is read, and its zero bytes make it binary.
    await expect(parseFile(path, { maxBytes: BIG })).rejects.toMatchObject({ reason: 'binary' })
  })

  it('reads a CSV head whose last row is cut inside a quoted field, and JSON Lines up to the last whole line', async () => {
    const csv = await sparse(
      'huge.csv',
      `id,name,note\n${lines(8000, (i) => `${i},pet ${i},"a note that goes\nover two lines"`)}`
    )
    const table = (await parseFile(csv, { headBytes: HEAD, maxBytes: BIG })).table
    expect(table?.fields.map((f) => f.name)).toEqual(['id', 'name', 'note'])
    expect(table?.rows.length).toBeGreaterThan(1000)
    expect(table?.rows.at(-1)).toMatchObject({ note: 'a note that goes\nover two lines' })

    const jsonl = await sparse(
      'huge.jsonl',
      lines(8000, (i) => JSON.stringify({ id: i, text: `item ${i}` }))
    )
    const items = await parseFile(jsonl, { headBytes: HEAD, maxBytes: BIG })
    expect(items.table?.rows.length).toBeGreaterThan(1000)
    expect(items.truncatedFrom).toBe(BIG)
  })

  it('reads a CSV head cut deep inside a long multi-line quoted field (a log pasted in a ticket)', async () => {
    const body = (i: number, n: number): string =>
      lines(n, (l) => `ticket ${i}, line ${l}: the printer is out of paper`)
    const rows = [0, 1, 2, 3].map((i) => `${i},ticket ${i},"${body(i, 5)}"`)
    // The fifth ticket's body runs past the head, by thousands of lines.
    const csv = await sparse('tickets.csv', `id,title,body\n${rows.join('\n')}\n4,ticket 4,"${body(4, 10000)}"\n`)
    const parsed = await parseFile(csv, { headBytes: HEAD, maxBytes: BIG })
    expect(parsed.table?.fields.map((f) => f.name)).toEqual(['id', 'title', 'body'])
    expect(parsed.table?.rows.map((r) => r.body)).toEqual([0, 1, 2, 3].map((i) => body(i, 5)))
  })

  it('reads JSON Lines whose first item is longer than the head up to the end of that item', async () => {
    const long = 'a river runs through the old city '.repeat(10000)
    const jsonl = await sparse(
      'long-items.jsonl',
      `${JSON.stringify({ id: 0, text: long })}\n${JSON.stringify({ id: 1, text: 'short' })}\n`
    )
    const parsed = await parseFile(jsonl, { headBytes: HEAD, maxBytes: BIG })
    expect(parsed.truncatedFrom).toBe(BIG)
    expect(parsed.table?.rows.map((r) => r.id)).toEqual([0, 1])
  })

  it('reads a small file whole, and a JSON array whole (JSON.parse needs all of it)', async () => {
    const small = await fixture('small-head.txt', 'just this')
    const parsed = await parseFile(small, { headBytes: HEAD })
    expect(parsed.truncatedFrom).toBeUndefined()
    expect(parsed.sections[0]?.text).toBe('just this')
    const json = await fixture(
      'array.json',
      JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ text: `t${i}` })))
    )
    const whole = await parseFile(json, { headBytes: 1024 })
    expect(whole.truncatedFrom).toBeUndefined()
    expect(whole.table?.rows).toHaveLength(20000)
  })
})

describe('a plain text file read with progress (checked, hashed and decoded block by block)', () => {
  const BLOCK = 4 * 1024 * 1024
  const progress = { onProgress: (): void => undefined }

  /** A first block of `a`s ending with `tail`, then `rest`. */
  function across(tail: Uint8Array, rest: Uint8Array | string): Buffer {
    return Buffer.concat([Buffer.alloc(BLOCK - tail.length, 'a'), Buffer.from(tail), Buffer.from(rest)])
  }

  it('gives what reading the whole file gives, with block boundaries inside a character and inside a CRLF', async () => {
    const euro = Buffer.from('€') // 3 bytes: the first block ends after the first of them
    const files = {
      'split-char.txt': across(euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from(' end')])),
      'split-crlf.md': across(Buffer.from('\r'), '\nsecond line\r\nthird\rfourth\r')
    }
    for (const [name, raw] of Object.entries(files)) {
      const path = await fixture(name, raw)
      const reported: number[] = []
      const streamed = await parseFile(path, { onProgress: (done) => reported.push(done) })
      expect(reported).toEqual([BLOCK, raw.length])
      expect(streamed).toEqual(await parseFile(path))
      expect(streamed.sha256).toBe(createHash('sha256').update(raw).digest('hex'))
      expect(streamed.bytes).toBe(raw.length)
    }
    const crlf = (await parseFile(join(dir, 'split-crlf.md'), progress)).sections[0]!.text
    expect(crlf.endsWith('a\nsecond line\nthird\nfourth')).toBe(true)
    expect(crlf).not.toContain('\r')
    expect((await parseFile(join(dir, 'split-char.txt'), progress)).sections[0]!.text.endsWith('a€ end')).toBe(true)
  })

  it('refuses a NUL byte or invalid UTF-8 in a later block as binary, and an empty file as empty', async () => {
    const nul = await fixture('late-nul.txt', across(new Uint8Array(0), 'text\0more'))
    await expect(parseFile(nul, progress)).rejects.toMatchObject({
      reason: 'binary',
      message: 'late-nul.txt: contains NUL bytes; not a text file'
    })
    const invalid = await fixture(
      'late-invalid.txt',
      Buffer.concat([across(new Uint8Array(0), 'ok'), Buffer.from([0xc3, 0x28])])
    )
    await expect(parseFile(invalid, progress)).rejects.toMatchObject({
      reason: 'binary',
      message: 'late-invalid.txt: not valid UTF-8 text'
    })
    // A multi-byte character cut off by the end of the file is invalid too.
    const cut = await fixture('cut-char.txt', Buffer.concat([Buffer.from('abc'), Buffer.from('€').subarray(0, 2)]))
    await expect(parseFile(cut, progress)).rejects.toMatchObject({ reason: 'binary' })
    const empty = await fixture('empty-streamed.txt', '')
    await expect(parseFile(empty, progress)).rejects.toMatchObject({ reason: 'empty' })
  })

  it('refuses a file as reading it whole does: a NUL byte anywhere wins over invalid UTF-8 before it', async () => {
    // Invalid UTF-8 in the first block, a NUL byte in the second: read whole, the NUL byte is named.
    const raw = Buffer.concat([Buffer.from([0xff]), across(new Uint8Array(0), 'text\0more').subarray(1)])
    const path = await fixture('invalid-then-nul.txt', raw)
    const whole = await parseFile(path).catch((e: unknown) => e)
    expect(whole).toMatchObject({
      reason: 'binary',
      message: 'invalid-then-nul.txt: contains NUL bytes; not a text file'
    })
    await expect(parseFile(path, progress)).rejects.toMatchObject({
      reason: 'binary',
      message: 'invalid-then-nul.txt: contains NUL bytes; not a text file'
    })
  })
})
