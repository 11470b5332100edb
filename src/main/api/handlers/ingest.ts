// Drag-in ingest for the UI: files arrive as bytes (over IPC or HTTP), are staged in a private
// temporary folder, previewed, then ingested by the engine's ingest job. Main never opens a path the
// UI names; the only files read are the ones staged here (see docs/decisions/0014).
import { randomUUID } from 'node:crypto'
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ChunkPreview, FieldMapping, IngestFileState, IngestStatus, JobStatus } from '../../../shared/contract.js'
import { formatBytes } from '../../../shared/format-bytes.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError, type Collection } from '../../engine/index.js'
import {
  approximateTokenCounter,
  DEFAULT_CHUNK_OVERLAP,
  DEFAULT_CHUNK_SIZE,
  maxChunkTokensFor,
  prepareFileOffThread,
  startIngest,
  tokenCounterOf,
  tokenizerFolderFor,
  type IngestEvent
} from '../../engine/ingest/index.js'
import type { JobControl } from '../jobs.js'
import { privateTempDir, sweepPrivateTempDirs } from '../../engine/private-temp.js'

/** Staged uploads and finished jobs are kept this long, then removed. */
const KEEP_MS = 60 * 60 * 1000
/** How often expired uploads and jobs are swept while nothing else happens. */
const SWEEP_EVERY_MS = 10 * 60 * 1000

const GiB = 1024 * 1024 * 1024
/**
 * Disk the staged files may take (decision 0051): one upload (a drop, or an import file), and all
 * uploads together, the files of running jobs included.
 */
export const STAGING_LIMITS = { perUpload: 1 * GiB, total: 4 * GiB }

/**
 * The largest file one ingest reads (parseFile's own default is 50 MB): a dropped file is read in a
 * worker thread, in blocks with progress, and held in memory while it is chunked; 512 MiB keeps that
 * well inside a desktop's memory while taking the 100 MB text files people do drop.
 */
export const INGEST_MAX_FILE_BYTES = 512 * 1024 * 1024

/**
 * The preview reads this much of a text, CSV or JSON Lines file (far more than the chunks it shows),
 * so a large file previews at once in bounded memory; see ParseFileOptions.headBytes for the rest.
 */
export const PREVIEW_HEAD_BYTES = 256 * 1024

/** Structured files' mappings by dropped name -> by staged path, for the engine's job. */
function fieldsByPath(
  fields: Record<string, FieldMapping>,
  files: Map<string, string>
): (path: string) => FieldMapping | undefined {
  const byPath = new Map<string, FieldMapping>()
  for (const [name, mapping] of Object.entries(fields)) {
    const staged = files.get(name)
    if (staged !== undefined) byPath.set(staged, mapping)
  }
  return (p) => byPath.get(p)
}

export interface IngestOptions {
  /** Where staging folders are made and leftovers looked for (default: the OS temporary folder). */
  stagingParent?: string
  limits?: Partial<typeof STAGING_LIMITS>
  /** The clock for expiry (tests). */
  now?: () => number
}

interface Upload {
  dir: string
  /** Relative name as the user dropped it -> staged path. */
  files: Map<string, string>
  /** Relative name -> staged bytes. */
  sizes: Map<string, number>
  bytes: number
  touched: number
}

interface Job {
  status: IngestStatus
  /** Staged path -> index in status.files. */
  index: Map<string, number>
  finished: number | null
  /** The upload's staged bytes, released when the job ends and its folder is removed. */
  stagedBytes: number
}

/** A dropped name made safe as a relative path inside the staging folder: no `..`, no absolute roots. */
export function safeRelativeName(name: string): string {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.' && p !== '..')
    .map((p) => p.replace(/[\0<>:"|?*]/g, '_'))
  if (parts.length === 0) throw new InvalidArgumentError(`Invalid file name: ${JSON.stringify(name)}`)
  return parts.join('/')
}

export class IngestManager {
  /** Private staging folder (mode 0700), made on the first upload. */
  private rootDir: string | null = null
  private readonly uploads = new Map<string, Upload>()
  private readonly jobs = new Map<string, Job>()
  private readonly stagingParent: string
  private readonly limits: typeof STAGING_LIMITS
  private readonly now: () => number
  private readonly sweeper: NodeJS.Timeout
  /** Bytes staged by every upload and running job. */
  private stagedBytes = 0

  constructor(
    private readonly ctx: Pick<AppContext, 'connections' | 'events' | 'jobs'>,
    options: IngestOptions = {}
  ) {
    this.stagingParent = options.stagingParent ?? tmpdir()
    this.limits = { ...STAGING_LIMITS, ...options.limits }
    this.now = options.now ?? Date.now
    // Leftovers of crashed runs (staged uploads, exports, backups: decision 0051). File times are real.
    sweepPrivateTempDirs(this.stagingParent)
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS)
    this.sweeper.unref()
  }

  /** Bytes currently staged (uploads and running jobs). */
  get staged(): number {
    return this.stagedBytes
  }

  /** The collection and the model that embeds for it (local or remote alike). */
  private async target(connection: string | undefined, id: string) {
    const backend = this.ctx.connections.backend(connection)
    const collection = await backend.get(id)
    return { collection, embeddingFunction: backend.embedder(collection) }
  }

  upload(
    uploadId: string | undefined,
    files: { name: string; data: string; append?: boolean | undefined }[]
  ): { uploadId: string; files: string[] } {
    this.sweep()
    let upload = uploadId === undefined ? undefined : this.uploads.get(uploadId)
    if (uploadId !== undefined && !upload) throw new NotFoundError(`Upload ${uploadId} does not exist (or expired)`)
    // The whole call is checked against the limits before anything is written: a name given again
    // replaces its file (only the difference counts), an appended part adds to it.
    const incoming: { name: string; data: string; size: number; append: boolean }[] = []
    const sizes = new Map(upload?.sizes)
    let uploadBytes = upload?.bytes ?? 0
    for (const file of files) {
      const name = safeRelativeName(file.name)
      const size = Buffer.byteLength(file.data, 'base64')
      const append = file.append === true
      if (append && !sizes.has(name)) {
        throw new InvalidArgumentError(`${file.name}: nothing to append to; send the file's first part without append`)
      }
      const before = sizes.get(name) ?? 0
      const after = append ? before + size : size
      uploadBytes += after - before
      sizes.set(name, after)
      incoming.push({ name, data: file.data, size, append })
    }
    if (uploadBytes > this.limits.perUpload) {
      throw new InvalidArgumentError(
        `Upload too large: ${formatBytes(uploadBytes)}, at most ${formatBytes(this.limits.perUpload)} can be staged ` +
          'per upload. Add the files in several smaller drops.'
      )
    }
    const total = this.stagedBytes + uploadBytes - (upload?.bytes ?? 0)
    if (total > this.limits.total) {
      throw new ResourceExhaustedError(
        `Not enough staging space: ${formatBytes(this.stagedBytes)} of ${formatBytes(this.limits.total)} are taken ` +
          'by other uploads and running ingest jobs. Retry when they have finished, or drop fewer files.'
      )
    }
    const id = uploadId ?? randomUUID()
    if (!upload) {
      this.rootDir ??= privateTempDir('ingest', this.stagingParent)
      upload = { dir: path.join(this.rootDir, id), files: new Map(), sizes: new Map(), bytes: 0, touched: this.now() }
      mkdirSync(upload.dir, { recursive: true })
      this.uploads.set(id, upload)
    }
    for (const { name, data, size, append } of incoming) {
      const target = path.join(upload.dir, name)
      mkdirSync(path.dirname(target), { recursive: true })
      if (append) appendFileSync(target, Buffer.from(data, 'base64'))
      else writeFileSync(target, Buffer.from(data, 'base64'))
      const before = upload.sizes.get(name) ?? 0
      const after = append ? before + size : size
      upload.files.set(name, target)
      upload.sizes.set(name, after)
      upload.bytes += after - before
      this.stagedBytes += after - before
    }
    upload.touched = this.now()
    return { uploadId: id, files: [...upload.files.keys()] }
  }

  async preview(input: {
    connection?: string
    uploadId: string
    file: string
    collectionId: string
    chunkSize?: number
    overlap?: number
    limit?: number
    fields?: FieldMapping
  }): Promise<ChunkPreview> {
    const staged = this.stagedFile(input.uploadId, input.file)
    const { embeddingFunction } = await this.target(input.connection, input.collectionId)
    const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_SIZE
    const overlap = input.overlap ?? Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 2))
    const limit = maxChunkTokensFor(embeddingFunction)
    if (limit !== null && chunkSize > limit) {
      throw new InvalidArgumentError(`Chunk size ${chunkSize} exceeds the ${limit} tokens the embedding model reads`)
    }
    if (overlap >= chunkSize) throw new InvalidArgumentError('The overlap must be smaller than the chunk size')
    const tokenizer = await tokenizerFolderFor(embeddingFunction)
    // In the ingest worker, as the job does: a large file's preview does not block the main thread.
    const prepared = await prepareFileOffThread(
      {
        path: staged,
        chunkSize,
        overlap,
        tokenizer,
        maxBytes: INGEST_MAX_FILE_BYTES,
        headBytes: PREVIEW_HEAD_BYTES,
        ...(input.fields ? { fields: input.fields } : {})
      },
      () => undefined
    ).catch((err: unknown) => {
      // Messages name the file the user dropped, not its staging copy.
      if (err instanceof Error) err.message = err.message.replaceAll(staged, input.file)
      throw err
    })
    const count = tokenizer === null ? approximateTokenCounter : await tokenCounterOf(tokenizer)
    return {
      file: input.file,
      chunks: prepared.chunks.slice(0, input.limit ?? 20).map((c) => ({
        index: c.index,
        text: c.text,
        tokens: count(c.text),
        ...(c.page !== undefined ? { page: c.page } : {}),
        ...(c.id !== undefined ? { id: c.id } : {}),
        ...(c.metadata !== undefined ? { metadata: c.metadata as Record<string, string | number | boolean> } : {})
      })),
      total: prepared.chunks.length,
      ...(prepared.truncatedFrom !== undefined ? { head: { bytes: prepared.bytes, of: prepared.truncatedFrom } } : {}),
      ...(prepared.table && prepared.mapping
        ? {
            table: {
              fields: prepared.table.fields.map(({ name, type, unique, sample }) => ({ name, type, unique, sample })),
              mapping: prepared.mapping,
              rows: prepared.table.rows
            }
          }
        : {})
    }
  }

  async start(input: {
    connection?: string
    uploadId: string
    collectionId: string
    chunkSize?: number
    overlap?: number
    fields?: Record<string, FieldMapping>
  }): Promise<IngestStatus> {
    const upload = this.upload_(input.uploadId)
    // The upload is this start's from here on: taken out before anything is awaited, so a second
    // start (or a discard) meanwhile finds no upload; given back if the start fails before its job.
    this.uploads.delete(input.uploadId)
    let target: Awaited<ReturnType<typeof this.target>>
    try {
      target = await this.target(input.connection, input.collectionId)
      if (!target.embeddingFunction) {
        throw new InvalidArgumentError(
          `Collection "${target.collection.name}" has no embedding model; documents can only be added to a collection created with one`
        )
      }
      // Its vectors would come from the model being replaced (decision 0122).
      const reembedding = this.ctx.jobs
        .list()
        .some((j) => j.kind === 'reembed' && j.collectionId === target.collection.id && j.state === 'running')
      if (reembedding) {
        throw new InvalidArgumentError(
          `Collection "${target.collection.name}" is being re-embedded with another model: add documents once that job has finished`
        )
      }
    } catch (err) {
      this.uploads.set(input.uploadId, upload)
      throw err
    }
    const { collection, embeddingFunction } = target
    const nameOf = new Map([...upload.files].map(([name, staged]) => [staged, name]))
    const staged = [...upload.files.values()]
    const names = [...upload.files.keys()]
    const status: IngestStatus = {
      jobId: '',
      collectionId: collection.id,
      files: names.map((name) => ({ name, state: 'queued' })),
      counts: { filesTotal: staged.length, filesDone: 0, chunks: 0, embeddings: 0, chunksWritten: 0 },
      summary: null,
      error: null
    }
    const entry: Job = {
      status,
      index: new Map(staged.map((p, i) => [p, i])),
      finished: null,
      stagedBytes: upload.bytes
    }
    // The app's jobs registry runs it: listed by jobs.list, cancelled by jobs.cancel, shown in the
    // header's Jobs panel from any tab or window; this manager keeps the per-file detail beside it.
    const title = `Add ${names.length === 1 ? names[0] : `${names.length} files`} to ${collection.name}`
    const started: JobStatus = this.ctx.jobs.start({
      kind: 'ingest',
      title,
      unit: 'bytes',
      collectionId: collection.id,
      run: async ({ signal, progress }): Promise<Record<string, unknown>> => {
        try {
          // The ingest job needs only get/upsert/delete, which local and remote collections share.
          const job = startIngest(collection as unknown as Collection, staged, {
            embeddingFunction,
            ...(input.chunkSize !== undefined ? { chunkSize: input.chunkSize } : {}),
            ...(input.overlap !== undefined ? { overlap: input.overlap } : {}),
            ...(input.fields !== undefined ? { fields: fieldsByPath(input.fields, upload.files) } : {}),
            maxBytes: INGEST_MAX_FILE_BYTES,
            signal,
            sourceOf: (p) => nameOf.get(p) ?? path.basename(p)
          })
          let lastPush = 0
          job.events.on('event', (event: IngestEvent) => {
            this.apply(entry, event)
            reportPhase(event, names[entry.index.get(event.path) ?? -1] ?? '', progress)
            // Detail is pushed at most every 100 ms; file boundaries always.
            const now = Date.now()
            if (!PROGRESS_EVENTS.has(event.type) || now - lastPush > 100) {
              lastPush = now
              this.push(entry)
            }
            if (event.type === 'file-written')
              this.ctx.events.emit({ type: 'records-changed', collectionId: collection.id })
          })
          const summary = await job.done
          status.summary = {
            ingested: summary.ingested.length,
            unchanged: summary.unchanged.length,
            skipped: summary.skipped.length,
            failed: summary.failed.length,
            chunksWritten: summary.chunksWritten,
            chunksDeleted: summary.chunksDeleted,
            cancelled: summary.cancelled,
            // The job's whole duration, from the moment it was listed to now.
            seconds: (Date.now() - started.startedAt) / 1000
          }
          if (summary.cancelled) {
            for (const f of status.files)
              if (f.state === 'queued' || f.state === 'working') Object.assign(f, cancelled())
            throw new Error(`${title}: cancelled`)
          }
          return { ...status.summary }
        } catch (error) {
          if (status.summary === null) status.error = error instanceof Error ? error.message : String(error)
          throw error
        } finally {
          this.finish(entry, upload.dir)
        }
      }
    })
    status.jobId = started.jobId
    this.jobs.set(started.jobId, entry)
    return structuredClone(status)
  }

  status(jobId: string): IngestStatus {
    return structuredClone(this.job_(jobId).status)
  }

  cancel(jobId: string): IngestStatus {
    const entry = this.job_(jobId)
    this.ctx.jobs.cancel(jobId)
    return structuredClone(entry.status)
  }

  /** Cancels running jobs and removes every staged file. */
  async close(): Promise<void> {
    clearInterval(this.sweeper)
    const running = [...this.jobs.entries()].filter(([, j]) => j.finished === null).map(([id]) => id)
    for (const id of running) this.ctx.jobs.cancel(id)
    await Promise.allSettled(running.map((id) => this.ctx.jobs.settled(id)))
    if (this.rootDir) rmSync(this.rootDir, { recursive: true, force: true })
    this.rootDir = null
    this.uploads.clear()
    this.stagedBytes = 0
  }

  private apply(entry: Job, event: IngestEvent): void {
    const { status } = entry
    const { filesTotal, filesDone, chunks, embeddings, chunksWritten } = event.counts
    status.counts = { filesTotal, filesDone, chunks, embeddings, chunksWritten }
    const i = entry.index.get(event.path)
    const file = i === undefined ? undefined : status.files[i]
    if (!file) return
    const set = (state: IngestFileState): void => {
      for (const key of Object.keys(file)) if (key !== 'name') delete (file as Record<string, unknown>)[key]
      Object.assign(file, state)
    }
    switch (event.type) {
      case 'file-started':
        set({ state: 'working', step: 'parsing', done: 0, total: 0 })
        break
      case 'parse-progress':
        set({ state: 'working', step: 'parsing', done: event.done, total: event.total })
        break
      case 'chunk-progress':
        set({ state: 'working', step: 'chunking', done: event.done, total: event.total })
        break
      case 'file-parsed':
        set({ state: 'working', step: 'chunking', done: 1, total: 1 })
        break
      case 'file-chunked':
        set({ state: 'working', step: 'embedding', done: 0, total: event.chunks })
        break
      case 'embed-progress':
        set({ state: 'working', step: 'embedding', done: event.done, total: event.total })
        break
      case 'file-embedded':
        set({ state: 'working', step: 'writing', done: 0, total: event.chunks })
        break
      case 'write-progress':
        // Writes run a batch behind embedding; the file shows embedding until every chunk is embedded.
        if (file.state === 'working' && file.step === 'writing')
          set({ state: 'working', step: 'writing', done: event.done, total: event.total })
        break
      case 'file-written':
        set({ state: 'written', chunks: event.chunks, replaced: event.replaced })
        break
      case 'file-skipped':
        set({ state: 'skipped', reason: event.reason })
        break
      case 'file-failed':
        set({ state: 'failed', error: event.error })
        break
    }
  }

  private push(entry: Job): void {
    this.ctx.events.emit({ type: 'ingest', status: structuredClone(entry.status) })
  }

  private finish(entry: Job, dir: string): void {
    entry.finished = this.now()
    rmSync(dir, { recursive: true, force: true })
    this.stagedBytes -= entry.stagedBytes
    entry.stagedBytes = 0
    this.push(entry)
    this.ctx.events.emit({ type: 'records-changed', collectionId: entry.status.collectionId })
    this.ctx.events.emit({ type: 'collections-changed' })
  }

  /** A staged file's path (for the chunk preview and the collection import). */
  stagedFile(uploadId: string, name: string): string {
    const staged = this.upload_(uploadId).files.get(name)
    if (!staged) throw new NotFoundError(`File ${name} is not part of upload ${uploadId}`)
    return staged
  }

  /** Removes an upload's staged files. */
  discard(uploadId: string): void {
    const upload = this.uploads.get(uploadId)
    if (!upload) return
    this.remove(uploadId, upload)
  }

  private remove(uploadId: string, upload: Upload): void {
    rmSync(upload.dir, { recursive: true, force: true })
    this.uploads.delete(uploadId)
    this.stagedBytes -= upload.bytes
  }

  private upload_(uploadId: string): Upload {
    const upload = this.uploads.get(uploadId)
    if (!upload) throw new NotFoundError(`Upload ${uploadId} does not exist (or expired)`)
    upload.touched = this.now()
    return upload
  }

  private job_(jobId: string): Job {
    const job = this.jobs.get(jobId)
    if (!job) throw new NotFoundError(`Ingest job ${jobId} does not exist`)
    return job
  }

  /** Removes uploads untouched for KEEP_MS and forgets jobs finished that long ago; runs on every
   * upload and every SWEEP_EVERY_MS. */
  sweep(): void {
    const now = this.now()
    for (const [id, u] of this.uploads) if (now - u.touched > KEEP_MS) this.remove(id, u)
    for (const [id, j] of this.jobs) if (j.finished !== null && now - j.finished > KEEP_MS) this.jobs.delete(id)
  }
}

/** Events that only move a bar; the rest change a file's state and are pushed at once. */
const PROGRESS_EVENTS = new Set<IngestEvent['type']>([
  'parse-progress',
  'chunk-progress',
  'embed-progress',
  'write-progress'
])

/**
 * The registry's one-line progress for an ingest event: each phase in its own unit (bytes read and
 * parsed, text chunked, chunks embedded and written), named with the file it works on.
 */
function reportPhase(event: IngestEvent, name: string, progress: JobControl['progress']): void {
  const files = `file ${event.counts.filesDone + 1}/${event.counts.filesTotal}`
  switch (event.type) {
    case 'parse-progress':
      progress(event.done, event.total, `reading ${name} (${files})`, 'bytes')
      break
    case 'chunk-progress':
      progress(event.done, event.total, `chunking ${name}: ${event.chunks.toLocaleString()} chunks`, 'bytes')
      break
    // Each batch is written while the next one embeds, a batch behind at most: the bar follows the
    // chunks embedded, which only grows (the written count is in the file's own detail).
    case 'embed-progress':
      progress(event.done, event.total, `embedding and writing ${name} (${files})`, 'chunks')
      break
    default:
      break
  }
}

function cancelled(): IngestFileState {
  return { state: 'skipped', reason: 'cancelled' }
}

export function ingestHandlers(
  manager: IngestManager
): Pick<Handlers, 'ingest.upload' | 'ingest.preview' | 'ingest.start' | 'ingest.status' | 'ingest.cancel'> {
  return {
    'ingest.upload': async ({ uploadId, files }) => manager.upload(uploadId, files),
    'ingest.preview': async (input) => manager.preview(input),
    'ingest.start': async (input) => manager.start(input),
    'ingest.status': async ({ jobId }) => manager.status(jobId),
    'ingest.cancel': async ({ jobId }) => manager.cancel(jobId)
  }
}
