// Export to a file, import from a file, copy between connections. All three stream in batches, so
// no operation holds more than one batch of records (import also keeps the set of ids it has seen).
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs'
import { open as openFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import {
  headerFor,
  parseHeader,
  parseLine,
  recordLines,
  toBatch,
  type FileFooter,
  type FileHeader,
  type RecordBatchEntry
} from './format.js'
import { isParquet, openParquetExport, ParquetExportWriter } from './parquet.js'
import { onlyRecords } from './selection.js'
import { exportFormatOf, type ExportFormat } from '../../shared/file-names.js'
import {
  PortabilityError,
  throwIfAborted,
  type CollectionEndpoint,
  type CollectionSpec,
  type Connection,
  type ProgressCallback,
  type RecordBatch
} from './types.js'

export const DEFAULT_BATCH_SIZE = 1000

interface CommonOptions {
  batchSize?: number
  onProgress?: ProgressCallback
  signal?: AbortSignal
}

function batchSizeOf(opts: CommonOptions, ...limits: number[]): number {
  const wanted = opts.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isInteger(wanted) || wanted < 1) throw new PortabilityError(`Invalid batch size ${wanted}`)
  return Math.min(wanted, ...limits)
}

// ---- export --------------------------------------------------------------------------------------

export interface ExportReport {
  collection: string
  file: string
  format: ExportFormat
  records: number
  bytes: number
  sha256: string
}

export interface ExportOptions extends CommonOptions {
  /** Default: from the file name (`.parquet`), else JSONL. */
  format?: ExportFormat
  /** Only these records (the map's selection); default every record. */
  ids?: string[]
}

/** Where an export's batches go: the JSONL text, or Parquet row groups. */
interface ExportSink {
  /** `lines` are the batch's JSONL record lines (the checksum is computed over them for both formats). */
  write(spec: CollectionSpec, total: number, batch: RecordBatch, lines: string[]): Promise<void>
  finish(spec: CollectionSpec, total: number, footer: FileFooter): Promise<void>
  abort(): Promise<void>
}

function jsonlSink(file: string): ExportSink {
  const out = createWriteStream(file)
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  failed.catch(() => undefined)
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed])
  }
  let headerWritten = false
  const header = async (spec: CollectionSpec, total: number): Promise<void> => {
    if (!headerWritten) await write(JSON.stringify(headerFor(spec, total)) + '\n')
    headerWritten = true
  }
  return {
    async write(spec, total, _batch, lines) {
      await header(spec, total)
      await write(lines.join(''))
    },
    async finish(spec, total, footer) {
      await header(spec, total)
      await write(JSON.stringify(footer) + '\n')
      out.end()
      await Promise.race([once(out, 'close'), failed])
    },
    abort: async () => void out.destroy()
  }
}

async function parquetSink(file: string): Promise<ExportSink> {
  const writer = await ParquetExportWriter.create(file)
  return {
    write: (_spec, _total, batch) => writer.write(batch),
    // Parquet's metadata is written last, so it carries the final count, not the count at the start.
    finish: (spec, _total, footer) => writer.finish({ ...headerFor(spec, footer.count), sha256: footer.sha256 }),
    abort: () => writer.abort()
  }
}

/**
 * Writes the collection to `file` as JSONL or Parquet (docs/export-format.md). The file appears under
 * its name only when complete: it is written as `<file>.partial` and renamed at the end.
 */
export async function exportCollection(
  whole: CollectionEndpoint,
  file: string,
  opts: ExportOptions = {}
): Promise<ExportReport> {
  const source = opts.ids ? onlyRecords(whole, opts.ids) : whole
  const batchSize = batchSizeOf(opts)
  const format = opts.format ?? exportFormatOf(file)
  const total = await source.count()
  const partial = `${file}.partial`
  // The checksum: SHA-256 over the JSONL record lines, newlines included, whatever the format.
  const checksum = createHash('sha256')
  let records = 0
  let sink: ExportSink | null = null
  try {
    sink = format === 'parquet' ? await parquetSink(partial) : jsonlSink(partial)
    let spec = source.spec
    for await (const batch of source.read(batchSize, opts.signal)) {
      throwIfAborted(opts.signal, 'Export')
      // A source that cannot tell its dimension up front (a remote server) shows it in its records.
      if (spec.dimension === null) spec = { ...spec, dimension: batch.embeddings[0]?.length ?? null }
      const lines = recordLines(batch)
      for (const line of lines) checksum.update(line)
      await sink.write(spec, total, batch, lines)
      records += batch.ids.length
      opts.onProgress?.({ done: records, total })
    }
    throwIfAborted(opts.signal, 'Export')
    const sha256 = checksum.digest('hex')
    await sink.finish(spec, total, { end: true, count: records, sha256 })
    renameSync(partial, file)
    return { collection: source.spec.name, file, format, records, bytes: statSync(file).size, sha256 }
  } catch (e) {
    await sink?.abort()
    rmSync(partial, { force: true })
    if (e instanceof PortabilityError) throw e
    throw new PortabilityError(`Export of "${source.spec.name}" failed: ${(e as Error).message}`, undefined, {
      cause: e
    })
  }
}

// ---- reading a file ------------------------------------------------------------------------------

/**
 * The file's header and an iterator over its record batches, JSONL or Parquet (told by the magic
 * bytes), checked the same way: count and checksum at the end, before the last batch is yielded.
 */
async function* readFile(
  file: string,
  batchSize: number,
  onHeader: (h: FileHeader) => void
): AsyncGenerator<RecordBatchEntry[]> {
  const head = Buffer.alloc(4)
  try {
    const handle = await openFile(file, 'r')
    try {
      await handle.read(head, 0, 4, 0)
    } finally {
      await handle.close()
    }
  } catch (e) {
    throw new PortabilityError(`Cannot read ${file}: ${(e as Error).message}`)
  }
  if (isParquet(head)) yield* readParquet(file, batchSize, onHeader)
  else yield* readJsonl(file, batchSize, onHeader)
}

async function* readParquet(
  file: string,
  batchSize: number,
  onHeader: (h: FileHeader) => void
): AsyncGenerator<RecordBatchEntry[]> {
  const { header, rows, read } = await openParquetExport(file)
  onHeader(header)
  const damaged = (why: string): PortabilityError => new PortabilityError(`${file} is damaged: ${why}`)
  if (rows !== header.count) throw damaged(`it holds ${rows} rows, its metadata says ${header.count} records`)
  const dim = header.dimension
  const checksum = createHash('sha256')
  let last: RecordBatchEntry[] | null = null
  for await (const { first, entries } of read(batchSize)) {
    entries.forEach((e, i) => {
      if (dim === null) throw damaged('a record in a file whose metadata has no dimension')
      if (e.embedding.length !== dim) {
        throw new PortabilityError(
          `${file} row ${first + i + 1}: embedding of dimension ${e.embedding.length}, the metadata says ${dim}`
        )
      }
    })
    for (const line of recordLines(toBatch(entries))) checksum.update(line)
    if (last) yield last
    last = entries
  }
  if (checksum.digest('hex') !== header.sha256) {
    throw damaged('the checksum of its records does not match its metadata')
  }
  if (last) yield last
}

async function* readJsonl(
  file: string,
  batchSize: number,
  onHeader: (h: FileHeader) => void
): AsyncGenerator<RecordBatchEntry[]> {
  let input
  try {
    statSync(file)
    input = createReadStream(file, { encoding: 'utf8' })
  } catch (e) {
    throw new PortabilityError(`Cannot read ${file}: ${(e as Error).message}`)
  }
  const lines = createInterface({ input, crlfDelay: Infinity })
  let lineNo = 0
  let header: FileHeader | null = null
  let footer: FileFooter | null = null
  let count = 0
  const checksum = createHash('sha256')
  let batch: RecordBatchEntry[] = []
  try {
    for await (const line of lines) {
      lineNo++
      if (header === null) {
        header = parseHeader(line)
        onHeader(header)
        continue
      }
      if (footer !== null) {
        if (line.trim() === '') continue
        throw new PortabilityError(`${file} line ${lineNo}: data after the end-of-file line`)
      }
      let parsed
      try {
        parsed = parseLine(line)
      } catch (e) {
        throw new PortabilityError(`${file} line ${lineNo}: ${(e as Error).message}`)
      }
      if ('footer' in parsed) {
        footer = parsed.footer
        continue
      }
      checksum.update(line + '\n')
      const dim = header.dimension
      if (dim !== null && parsed.record.embedding.length !== dim) {
        throw new PortabilityError(
          `${file} line ${lineNo}: embedding of dimension ${parsed.record.embedding.length}, the header says ${dim}`
        )
      }
      if (dim === null)
        throw new PortabilityError(`${file} line ${lineNo}: a record in a file whose header has no dimension`)
      count++
      batch.push(parsed.record)
      if (batch.length >= batchSize) {
        yield batch
        batch = []
      }
    }
  } catch (e) {
    if (e instanceof PortabilityError) throw e
    throw new PortabilityError(`Cannot read ${file}: ${(e as Error).message}`, undefined, { cause: e })
  } finally {
    lines.close()
    input.destroy()
  }
  if (header === null) parseHeader(undefined)
  if (footer === null) {
    throw new PortabilityError(`${file} is truncated: it ends after ${count} records without its end-of-file line`)
  }
  if (footer.count !== count) {
    throw new PortabilityError(
      `${file} is damaged: it holds ${count} records, its end-of-file line says ${footer.count}`
    )
  }
  if (footer.sha256 !== checksum.digest('hex')) {
    throw new PortabilityError(`${file} is damaged: the checksum of its records does not match its end-of-file line`)
  }
  if (batch.length > 0) yield batch
}

// ---- import --------------------------------------------------------------------------------------

export type ConflictPolicy = 'fail' | 'skip' | 'overwrite'

export interface ImportOptions extends CommonOptions {
  /** Target collection name; default the name in the file. */
  collection?: string
  /** What to do with ids the target already holds (default 'fail': refuse before writing). */
  onConflict?: ConflictPolicy
  /** How a refused import tells the user to choose another policy (the CLI's flag by default). */
  conflictAdvice?: string
}

export interface ImportReport {
  collection: string
  file: string
  /** true when the import created the collection. */
  created: boolean
  records: number
  imported: number
  skipped: number
  overwritten: number
  /** Values tagged float but integral (2.0): stored as integers, the engine's numbers carry no type. */
  integralFloats: number
  /** An existing target's configuration fields that differ from the file's (kept as they are). */
  configurationDifferences: string[]
}

/**
 * Imports an export file. The whole file is checked first (format, header, every line, dimension,
 * count and checksum in the footer, id conflicts against the target), so a bad file or a refused
 * conflict leaves the target untouched. Then records are written in batches, each batch one call.
 * If writing fails, a collection created by the import is removed again; an existing collection
 * keeps the batches already written, and the error's report says how many.
 */
export async function importFile(target: Connection, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const policy = opts.onConflict ?? 'fail'
  if (!['fail', 'skip', 'overwrite'].includes(policy)) {
    throw new PortabilityError(`Unknown conflict policy "${policy}" (fail, skip or overwrite)`)
  }
  const batchSize = batchSizeOf(opts, await target.maxBatchSize())
  let header: FileHeader | null = null
  let name = opts.collection
  let existing: CollectionEndpoint | null = null
  const seen = new Set<string>()
  let conflicts = 0
  const conflictSample: string[] = []
  let records = 0

  // Pass 1: validate everything, write nothing.
  for await (const entries of readFile(file, batchSize, (h) => (header = h))) {
    throwIfAborted(opts.signal, 'Import')
    if (records === 0) {
      name ??= (header as FileHeader | null)?.name
      existing = await target.open(name as string)
      checkDimension(existing, header as FileHeader | null, target)
    }
    for (const e of entries) {
      if (seen.has(e.id)) throw new PortabilityError(`${file}: id "${e.id}" appears twice`)
      seen.add(e.id)
    }
    records += entries.length
    if (existing) {
      const found = await existing.existing(entries.map((e) => e.id))
      conflicts += found.size
      for (const id of found) if (conflictSample.length < 5) conflictSample.push(id)
    }
  }
  const h = header as FileHeader | null
  if (h === null) throw new PortabilityError(`${file} is empty`)
  name ??= h.name
  if (records === 0) existing = await target.open(name)
  if (conflicts > 0 && policy === 'fail') {
    throw new PortabilityError(
      `${conflicts} of the ${records} ids in ${file} already exist in "${name}" (e.g. ${conflictSample
        .map((id) => JSON.stringify(id))
        .join(', ')}); nothing was imported. ${opts.conflictAdvice ?? 'Choose --on-conflict skip or overwrite.'}`
    )
  }

  // Pass 2: write.
  const created = existing === null
  const spec: CollectionSpec = {
    name,
    metadata: h.metadata,
    configuration: h.configuration,
    dimension: h.dimension,
    schema: h.schema ?? null
  }
  const col = existing ?? (await target.create(spec))
  const report: ImportReport = {
    collection: name,
    file,
    created,
    records,
    imported: 0,
    skipped: 0,
    overwritten: 0,
    integralFloats: 0,
    configurationDifferences: created ? [] : configurationDifferences(spec, col.spec)
  }
  try {
    for await (const entries of readFile(file, batchSize, () => undefined)) {
      throwIfAborted(opts.signal, 'Import')
      let batch: RecordBatch = toBatch(entries)
      if (!created) {
        const found = await col.existing(batch.ids)
        if (found.size > 0 && policy === 'skip') {
          batch = filterBatch(batch, (id) => !found.has(id))
          report.skipped += found.size
        } else if (found.size > 0) {
          // A record is replaced whole (upsert would merge metadata and keep a null document's old
          // text), in one write where the target can: a refused batch then leaves the old records.
          if (col.replace === undefined) await col.remove([...found])
          report.overwritten += found.size
        }
      }
      if (batch.ids.length > 0) await (col.replace && !created ? col.replace(batch) : col.add(batch))
      report.imported += batch.ids.length
      report.integralFloats += (batch.integralFloats ?? []).reduce((n, k) => n + (k?.length ?? 0), 0)
      opts.onProgress?.({ done: report.imported + report.skipped, total: records })
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    if (created) {
      await target.drop(name).catch(() => undefined)
      throw new PortabilityError(`Import into "${name}" failed, the new collection was removed: ${message}`, {
        ...report,
        imported: 0
      })
    }
    throw new PortabilityError(
      `Import into "${name}" stopped after ${report.imported} of ${records} records (written in whole batches): ${message}`,
      { ...report },
      { cause: e }
    )
  }
  return report
}

function checkDimension(existing: CollectionEndpoint | null, header: FileHeader | null, target: Connection): void {
  const want = existing?.spec.dimension
  const have = header?.dimension
  if (want != null && have != null && want !== have) {
    throw new PortabilityError(
      `Dimension mismatch: the file's embeddings have ${have} dimensions, collection "${existing?.spec.name}" at ${target.label} has ${want}; nothing was imported`
    )
  }
}

function filterBatch(b: RecordBatch, keep: (id: string) => boolean): RecordBatch {
  const idx = b.ids.map((id, i) => (keep(id) ? i : -1)).filter((i) => i >= 0)
  return {
    ids: idx.map((i) => b.ids[i] as string),
    embeddings: idx.map((i) => b.embeddings[i] as Float32Array),
    documents: idx.map((i) => b.documents[i] ?? null),
    metadatas: idx.map((i) => b.metadatas[i] ?? null),
    uris: idx.map((i) => b.uris[i] ?? null),
    integralFloats: b.integralFloats ? idx.map((i) => b.integralFloats?.[i] ?? null) : undefined
  }
}

// ---- copy ----------------------------------------------------------------------------------------

export interface CopyOptions extends CommonOptions {
  /** Name at the target; default the source name. */
  as?: string
  /** Settings of the new collection that differ from the source's (a clone with new settings). */
  spec?: Partial<Pick<CollectionSpec, 'metadata' | 'configuration' | 'dimension'>>
  /** Changes each batch before it is written (a clone's re-embedding); may drop records. */
  transform?: (batch: RecordBatch, signal?: AbortSignal) => Promise<RecordBatch>
  /** On failure or cancel, remove the new collection instead of keeping the batches written. */
  removeOnFailure?: boolean
  /** For messages: 'Copy' (default) or 'Clone'. */
  operation?: string
  /** Only these records (the map's selection); default every record. */
  ids?: string[]
}

export interface CopyReport {
  from: string
  to: string
  collection: string
  target: string
  total: number
  copied: number
  batches: number
  batchSize: number
  seconds: number
  /** Configuration fields that came out different at the target (what the target cannot express). */
  configurationDifferences: string[]
}

/**
 * Copies one collection into a new collection at `to`, in batches, embeddings as stored (nothing is
 * re-embedded). Each batch is one write, so after a failure or a cancel the target holds exactly
 * the first `copied` records; the error's report says so.
 */
export async function copyCollection(
  from: Connection,
  to: Connection,
  name: string,
  opts: CopyOptions = {}
): Promise<CopyReport> {
  const started = performance.now()
  const operation = opts.operation ?? 'Copy'
  const targetName = opts.as ?? name
  const whole = await from.open(name)
  if (!whole) throw new PortabilityError(`Collection "${name}" does not exist at ${from.label}`)
  const source = opts.ids ? onlyRecords(whole, opts.ids) : whole
  if (to.readOnly) throw new PortabilityError(`${to.label} is read-only`)
  if (await to.open(targetName)) {
    throw new PortabilityError(`Collection "${targetName}" already exists at ${to.label}; nothing was copied`)
  }
  const batchSize = batchSizeOf(opts, await from.maxBatchSize(), await to.maxBatchSize())
  const total = await source.count()
  throwIfAborted(opts.signal, operation)
  const target = await to.create({ ...source.spec, ...opts.spec, name: targetName })
  const report: CopyReport = {
    from: from.label,
    to: to.label,
    collection: name,
    target: targetName,
    total,
    copied: 0,
    batches: 0,
    batchSize,
    seconds: 0,
    configurationDifferences: configurationDifferences(source.spec, target.spec)
  }
  const batches = source.read(batchSize, opts.signal)[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<RecordBatch>> | null = null
  try {
    for (;;) {
      const next = await (pending ?? batches.next())
      if (next.done) break
      // Read the next batch while this one is written: a server answers while we write locally.
      pending = batches.next()
      pending.catch(() => undefined)
      throwIfAborted(opts.signal, operation)
      const batch = opts.transform ? await opts.transform(next.value, opts.signal) : next.value
      throwIfAborted(opts.signal, operation)
      if (batch.ids.length > 0) await target.add(batch)
      report.copied += batch.ids.length
      report.batches++
      opts.onProgress?.({ done: report.copied, total })
    }
    throwIfAborted(opts.signal, operation)
  } catch (e) {
    await batches.return?.().catch(() => undefined)
    report.seconds = (performance.now() - started) / 1000
    const message = opts.signal?.aborted ? `${operation} cancelled` : e instanceof Error ? e.message : String(e)
    if (opts.removeOnFailure) {
      await to.drop(targetName).catch(() => undefined)
      throw new PortabilityError(
        `${operation} of "${name}" stopped: ${message}. "${targetName}" was removed again.`,
        { ...report, copied: 0 },
        { cause: e }
      )
    }
    throw new PortabilityError(
      `${operation} of "${name}" stopped: ${message}. "${targetName}" at ${to.label} holds the first ${report.copied} of ${total} records (whole batches only).`,
      { ...report },
      { cause: e }
    )
  }
  report.seconds = (performance.now() - started) / 1000
  return report
}

export function configurationDifferences(a: CollectionSpec, b: CollectionSpec): string[] {
  const out: string[] = []
  const ha = a.configuration.hnsw
  const hb = b.configuration.hnsw
  if (ha && hb) {
    for (const k of Object.keys(ha) as (keyof typeof ha)[]) {
      if (ha[k] !== hb[k]) out.push(`hnsw.${k}: ${String(ha[k])} -> ${String(hb[k])}`)
    }
  }
  const ea = JSON.stringify(a.configuration.embedding_function ?? null)
  const eb = JSON.stringify(b.configuration.embedding_function ?? null)
  if (ea !== eb) out.push(`embedding_function: ${ea} -> ${eb}`)
  return out
}
