// Turns a file on disk into plain-text sections for the chunker. One module owns the per-type rules
// so every caller (UI import, CLI, job) gets the same text and the same per-file errors.
//
// Section rules, by kind:
// - text, markdown, html, docx: one section holding the whole document (the chunker splits it).
// - pdf: one section per page that has text, with its 1-based `page`.
// - csv: the first row is the header; each later row is one section rendered as `header: value`
//   lines (empty cells left out, unnamed columns called `column N`).
// - json: an array gives one section per element; any other value gives one section. See
//   `renderJsonValue` for how a value becomes text.
// - jsonl: one section per non-blank line, rendered like a JSON value.
// CSV, and JSON / JSON Lines whose items are all objects, also come back as a `table` of typed rows:
// the ingest job maps its fields to records (structured.ts) rather than chunking the sections.
// Sections with no visible text are dropped; a file left with none is an `empty` error.

import { createHash } from 'node:crypto'
import { open, readFile, stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'

import { parse as parseCsv } from 'csv-parse/sync'
import { convert as htmlToText } from 'html-to-text'
import mammoth from 'mammoth'
import { formatBytes } from '../../../shared/format-bytes.js'
import { detectKind, type FileKind } from './file-kinds.js'
import { describeTable, typeCsvColumns, type Table } from './structured.js'

export { detectKind, SUPPORTED_EXTENSIONS, type FileKind } from './file-kinds.js'
export { listFiles } from './parse-list.js'
export type { ListFilesOptions, ListFilesResult } from './parse-list.js'

export interface ParsedSection {
  text: string
  /** 1-based page number, where the format has pages (PDF). */
  page?: number
}

export interface ParsedFile {
  path: string
  fileName: string
  kind: FileKind
  sections: ParsedSection[]
  /** Size of the raw file. */
  bytes: number
  /** Hex sha256 of the raw bytes: stable chunk ids and unchanged-file skipping. */
  sha256: string
  /** Rows and fields of a structured file (CSV, JSON or JSON Lines of objects). */
  table?: Table
  /**
   * The whole file's size when only its head was read (`headBytes`): sections, table and sha256 then
   * cover that head only (`bytes` is what was read).
   */
  truncatedFrom?: number
}

export type IngestFileErrorReason = 'unsupported' | 'empty' | 'binary' | 'corrupt' | 'too-large' | 'ids-taken' | 'busy'

export class IngestFileError extends Error {
  /** The file cannot be read as what it claims to be: the message says which file and why. */
  readonly httpStatus = 422
  readonly path: string
  readonly reason: IngestFileErrorReason
  constructor(path: string, reason: IngestFileErrorReason, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'IngestFileError'
    this.path = path
    this.reason = reason
  }
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024

export interface ParseFileOptions {
  /** Files larger than this are refused with `too-large` before being read. Default 50 MB. */
  maxBytes?: number
  signal?: AbortSignal
  /** Bytes read so far of the file's size, as it is read (in READ_BLOCK steps). */
  onProgress?: (done: number, total: number) => void
  /**
   * Read at most about this many bytes from the start, cut at the last whole line (the preview), for
   * the kinds that can be read from their start: text, Markdown, HTML, CSV, JSON Lines. A JSON array,
   * a PDF or a DOCX needs the whole file (JSON.parse; PDF's cross-reference table and DOCX's zip
   * directory are at the end), so those are read whole, within maxBytes.
   */
  headBytes?: number
}

const HEAD_KINDS = new Set<FileKind>(['text', 'markdown', 'html', 'csv', 'jsonl'])

/**
 * The file's first `limit` bytes, cut after the last newline (else the last space, else a UTF-8
 * boundary). `wholeLine`: a file read by records (CSV, JSON Lines) is read on, `limit` at a time, until
 * it holds a newline, since its first record cut short could not be parsed (a JSON Lines item of 300 KiB).
 */
async function readHead(path: string, limit: number, wholeLine: boolean): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    let head = Buffer.alloc(0)
    for (;;) {
      const block = Buffer.alloc(limit)
      const { bytesRead } = await handle.read(block, 0, limit, head.length)
      head = head.length === 0 ? block.subarray(0, bytesRead) : Buffer.concat([head, block.subarray(0, bytesRead)])
      if (bytesRead < limit) return head
      const newline = head.lastIndexOf(0x0a)
      if (newline > 0) return head.subarray(0, newline + 1)
      if (!wholeLine) break
    }
    const space = head.lastIndexOf(0x20)
    if (space > 0) return head.subarray(0, space + 1)
    let end = head.length
    // Back to the start of a multi-byte character (continuation bytes are 10xxxxxx).
    while (end > 0 && ((head[end - 1] as number) & 0xc0) === 0x80) end--
    return head.subarray(0, Math.max(0, end - 1))
  } finally {
    await handle.close()
  }
}

/** Reads are made in blocks this big, so a large file reports progress and cancels between them. */
const READ_BLOCK = 4 * 1024 * 1024

/** Reads a file block by block, each handed to `onBlock` before its progress is reported; returns the bytes read. */
async function readBlocks(
  path: string,
  size: number,
  signal: AbortSignal | undefined,
  onProgress: (done: number, total: number) => void,
  onBlock: (block: Buffer) => void
): Promise<number> {
  const handle = await open(path, 'r')
  try {
    let done = 0
    for (;;) {
      signal?.throwIfAborted()
      const block = Buffer.allocUnsafe(READ_BLOCK)
      const { bytesRead } = await handle.read(block, 0, READ_BLOCK, null)
      if (bytesRead === 0) break
      onBlock(block.subarray(0, bytesRead))
      done += bytesRead
      onProgress(done, Math.max(size, done))
    }
    return done
  } finally {
    await handle.close()
  }
}

async function readWithProgress(
  path: string,
  size: number,
  signal: AbortSignal | undefined,
  onProgress: (done: number, total: number) => void
): Promise<Buffer> {
  const parts: Buffer[] = []
  const done = await readBlocks(path, size, signal, onProgress, (block) => parts.push(block))
  return Buffer.concat(parts, done)
}

/** Kinds whose text is the file's decoded bytes, so they can be checked, hashed and decoded as read. */
const PLAIN_TEXT_KINDS = new Set<FileKind>(['text', 'markdown'])

/**
 * A plain text file read with progress: every block is hashed and decoded as it arrives, so nothing
 * after the last block's progress takes long (a 100 MB file held the worker silent for seconds while it
 * was checked, decoded, normalised and hashed whole), and the raw bytes are never held.
 */
async function readPlainText(
  path: string,
  size: number,
  signal: AbortSignal | undefined,
  onProgress: (done: number, total: number) => void
): Promise<{ text: string; bytes: number; sha256: string }> {
  const hash = createHash('sha256')
  const text = new StrictText(path)
  const bytes = await readBlocks(path, size, signal, onProgress, (block) => {
    hash.update(block)
    text.push(block)
  })
  return { text: text.finish(), bytes, sha256: hash.digest('hex') }
}

export async function parseFile(path: string, opts: ParseFileOptions = {}): Promise<ParsedFile> {
  const { maxBytes = DEFAULT_MAX_BYTES, signal, onProgress, headBytes } = opts
  const fileName = basename(path)
  signal?.throwIfAborted()

  const kind = detectKind(path)
  if (!kind) {
    const ext = extname(path)
    throw new IngestFileError(
      path,
      'unsupported',
      ext ? `${fileName}: unsupported file type "${ext}"` : `${fileName}: unsupported file (no extension)`
    )
  }

  const info = await stat(path)
  if (!info.isFile()) throw new IngestFileError(path, 'unsupported', `${fileName}: not a regular file`)
  // Checked before reading so a huge file never lands in memory.
  if (info.size > maxBytes) {
    throw new IngestFileError(
      path,
      'too-large',
      `${fileName}: ${formatBytes(info.size)} exceeds the ${formatBytes(maxBytes)} limit`
    )
  }
  const head = headBytes !== undefined && HEAD_KINDS.has(kind) && info.size > headBytes
  let bytes: Buffer | null = null
  let size: number
  let sha256: string
  let sections: ParsedSection[] = []
  let table: Table | undefined
  if (!head && onProgress && PLAIN_TEXT_KINDS.has(kind)) {
    const read = await readPlainText(path, info.size, signal, onProgress)
    ;({ bytes: size, sha256 } = read)
    sections = [{ text: read.text }]
  } else {
    bytes = head
      ? await readHead(path, headBytes, kind === 'csv' || kind === 'jsonl')
      : onProgress
        ? await readWithProgress(path, info.size, signal, onProgress)
        : await readFile(path, { signal })
    size = bytes.length
    sha256 = createHash('sha256').update(bytes).digest('hex')
  }
  // The file may have grown between stat and read.
  if (size > maxBytes) {
    throw new IngestFileError(
      path,
      'too-large',
      `${fileName}: ${formatBytes(size)} exceeds the ${formatBytes(maxBytes)} limit`
    )
  }
  if (size === 0) throw new IngestFileError(path, 'empty', `${fileName}: the file is empty`)

  if (bytes !== null) {
    try {
      ;({ sections, table } = await parseBytes(kind, bytes, path, signal, head))
    } catch (err) {
      if (err instanceof IngestFileError) throw err
      if (signal?.aborted) throw signal.reason
      const reason = err instanceof Error ? err.message : String(err)
      throw new IngestFileError(path, 'corrupt', `${fileName}: could not be read as ${KIND_LABEL[kind]} (${reason})`, {
        cause: err
      })
    }
  }
  signal?.throwIfAborted()

  sections = sections.map((s) => ({ ...s, text: s.text.trim() })).filter((s) => s.text.length > 0)
  if (sections.length === 0) {
    throw new IngestFileError(path, 'empty', `${fileName}: no text found in the file`)
  }
  return {
    path,
    fileName,
    kind,
    sections,
    bytes: size,
    sha256,
    ...(table ? { table } : {}),
    ...(head ? { truncatedFrom: info.size } : {})
  }
}

const KIND_LABEL: Record<FileKind, string> = {
  text: 'text',
  markdown: 'Markdown',
  pdf: 'PDF',
  docx: 'DOCX',
  html: 'HTML',
  csv: 'CSV',
  json: 'JSON',
  jsonl: 'JSON Lines'
}

async function parseBytes(
  kind: FileKind,
  bytes: Buffer,
  path: string,
  signal: AbortSignal | undefined,
  head = false
): Promise<{ sections: ParsedSection[]; table?: Table | undefined }> {
  switch (kind) {
    case 'pdf':
      return { sections: await parsePdf(bytes, signal) }
    case 'docx':
      return { sections: await parseDocx(bytes) }
    case 'text':
    case 'markdown':
      return { sections: [{ text: decodeText(bytes, path) }] }
    case 'html':
      return { sections: [{ text: parseHtml(decodeText(bytes, path)) }] }
    case 'csv':
      return head ? parseCsvHead(decodeText(bytes, path)) : parseCsvText(decodeText(bytes, path))
    case 'json': {
      // An array of objects is a table (a record per item); a single document stays one text, nested
      // parts included.
      const value: unknown = JSON.parse(decodeText(bytes, path))
      return Array.isArray(value) ? withTable(value) : { sections: [{ text: renderJsonValue(value) }] }
    }
    case 'jsonl':
      return withTable(parseJsonlItems(decodeText(bytes, path), path))
  }
}

/** JSON items as sections, and as a table when every item is an object. */
function withTable(items: unknown[]): { sections: ParsedSection[]; table?: Table } {
  const sections = items.map((item) => ({ text: renderJsonValue(item) }))
  const objects = items.length > 0 && items.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i))
  return objects ? { sections, table: describeTable(items as Record<string, unknown>[]) } : { sections }
}

/**
 * Strict UTF-8 text, fed block by block: a NUL byte or an invalid sequence means the "text" file is
 * really binary. Line ends become \n, also where a \r\n pair falls across two blocks.
 */
class StrictText {
  // Drops a leading BOM.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  private readonly parts: string[] = []
  private carry = ''
  /**
   * The first fault seen, thrown by finish() once every block has been seen: as when the file was
   * checked whole, a NUL byte anywhere is named even after an invalid sequence in an earlier block.
   */
  private fault: 'nul' | 'utf8' | null = null

  constructor(private readonly path: string) {}

  push(bytes: Uint8Array, final = false): void {
    if (bytes.includes(0)) this.fault = 'nul'
    if (this.fault !== null) return
    let text: string
    try {
      text = this.carry + this.decoder.decode(bytes, { stream: !final })
    } catch {
      this.fault = 'utf8'
      this.parts.length = 0
      return
    }
    this.carry = !final && text.endsWith('\r') ? '\r' : ''
    if (this.carry !== '') text = text.slice(0, -1)
    this.parts.push(text.replace(/\r\n?/g, '\n'))
  }

  finish(): string {
    this.push(new Uint8Array(0), true)
    const fileName = basename(this.path)
    if (this.fault === 'nul') {
      throw new IngestFileError(this.path, 'binary', `${fileName}: contains NUL bytes; not a text file`)
    }
    if (this.fault === 'utf8') throw new IngestFileError(this.path, 'binary', `${fileName}: not valid UTF-8 text`)
    return this.parts.join('')
  }
}

function decodeText(bytes: Buffer, path: string): string {
  const text = new StrictText(path)
  text.push(bytes)
  return text.finish()
}

async function parsePdf(bytes: Buffer, signal: AbortSignal | undefined): Promise<ParsedSection[]> {
  // Loaded lazily: pdfjs is large and only PDF imports need it.
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs')
  const task = pdfjs.getDocument({
    // pdfjs takes ownership of (and may detach) the buffer it is given, so hand it a copy.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: true,
    verbosity: pdfjs.VerbosityLevel.ERRORS
  })
  const onAbort = (): void => void task.destroy()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const doc = await task.promise
    const sections: ParsedSection[] = []
    for (let n = 1; n <= doc.numPages; n++) {
      signal?.throwIfAborted()
      const page = await doc.getPage(n)
      const content = await page.getTextContent()
      let text = ''
      for (const item of content.items) {
        if (!('str' in item)) continue
        text += item.str
        if (item.hasEOL) text += '\n'
      }
      page.cleanup()
      sections.push({ text: tidyLines(text), page: n })
    }
    return sections
  } finally {
    signal?.removeEventListener('abort', onAbort)
    await task.destroy()
  }
}

async function parseDocx(bytes: Buffer): Promise<ParsedSection[]> {
  const result = await mammoth.extractRawText({ buffer: bytes })
  return [{ text: tidyLines(result.value) }]
}

function parseHtml(html: string): string {
  const text = htmlToText(html, {
    wordwrap: false,
    selectors: [
      // Navigation, scripts and embedded media are page chrome, not content.
      ...['script', 'style', 'noscript', 'template', 'nav', 'iframe', 'svg', 'canvas'].map((selector) => ({
        selector,
        format: 'skip'
      })),
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
        selector,
        options: { uppercase: false }
      })),
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } }
    ]
  })
  return tidyLines(text)
}

/**
 * A CSV file's head: its last line may end inside a quoted field that goes on in the part not read (a
 * field of thousands of lines). It is cut after the last line break outside quotes (a `"` opens or
 * closes a quoted field, `""` inside one is two toggles); if that still does not parse (a stray quote
 * in an unquoted field), lines are dropped from the end until it does.
 */
function parseCsvHead(text: string): { sections: ParsedSection[]; table?: Table } {
  let quoted = false
  let outside = -1
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x22) quoted = !quoted
    else if (code === 0x0a && !quoted) outside = i + 1
  }
  if (outside > 0 && outside < text.length) {
    try {
      return parseCsvText(text.slice(0, outside))
    } catch {
      // Read by lines below.
    }
  }
  let end = text.length
  // A few tries: a broken line further up is the file's own error, reported as such.
  for (let tries = 0; ; tries++) {
    try {
      return parseCsvText(text.slice(0, end))
    } catch (err) {
      end = text.lastIndexOf('\n', end - 2) + 1
      if (end <= 0 || tries === 20) throw err
    }
  }
}

function parseCsvText(text: string): { sections: ParsedSection[]; table?: Table } {
  // Raw rows rather than `columns: true`, so duplicate or blank header cells do not abort the file.
  const rows = parseCsv(text, {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true
  }) as string[][]
  const [header, ...records] = rows
  if (!header) return { sections: [] }
  const names = header.map((h, i) => h.trim() || `column ${i + 1}`)
  // A repeated header name gets its position, so no column hides another in the table.
  const fieldNames = names.map((n, i) => (names.indexOf(n) === i ? n : `${n} (column ${i + 1})`))
  const table = records.length > 0 ? describeTable(typeCsvColumns(fieldNames, records)) : undefined
  const sections = records.map((record) => ({
    text: record
      .map((value, i) => [names[i] ?? `column ${i + 1}`, value.trim()] as const)
      .filter(([, value]) => value.length > 0)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n')
  }))
  return table ? { sections, table } : { sections }
}

function parseJsonlItems(text: string, path: string): unknown[] {
  const items: unknown[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (!line) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      throw new IngestFileError(path, 'corrupt', `${basename(path)}: line ${i + 1} is not valid JSON (${reason})`, {
        cause: err
      })
    }
    items.push(value)
  }
  return items
}

/** Fields that hold the document text itself, checked in this order. */
export const JSON_TEXT_FIELDS = ['text', 'content', 'document'] as const

/**
 * A JSON value as text: strings as they are; numbers and booleans stringified; null as nothing;
 * an object with a non-empty string `text`, `content` or `document` field (first match) becomes that
 * field alone, since the other fields are usually metadata; any other object becomes `key: value`
 * lines (nested values as compact JSON); an array becomes its elements' texts, one per line.
 */
export function renderJsonValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.map(renderJsonValue).filter(Boolean).join('\n')
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    for (const field of JSON_TEXT_FIELDS) {
      const candidate = record[field]
      if (typeof candidate === 'string' && candidate.trim()) return candidate
    }
    return Object.entries(record)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join('\n')
  }
  return ''
}

/** Trims trailing spaces and collapses runs of blank lines that extractors leave behind. */
function tidyLines(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
