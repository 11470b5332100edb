// An ingest job: files -> parse -> chunk -> embed -> write, one file at a time, into one collection.
//
// Write rules, per file:
// - Chunk ids are `${sha256 of the file}:${chunk index}`, so the same content always gets the same ids.
// - A file whose source path already has chunks with the same sha256 and settings is skipped as unchanged.
// - A file's chunks are embedded and upserted batch by batch (writes sized by time, decision 0126),
//   then the source's chunks from an older version (other ids) are deleted. An error or cancel
//   mid-write deletes the records this run created and puts back those it overwrote;
//   a crash leaves fewer chunks than their `chunk_count`, so the next ingest writes the file again.
//   The next ingest of a path whose current sha is present removes stale chunks (`cleanStale`).
// - A file made again with other settings (chunk size, overlap, field mapping: `ingest_settings`)
//   is not unchanged; a record it makes again is replaced whole (keys it no longer has deleted).
// - Rows of a structured file may carry their own ids (a mapped id field): an id held by a record
//   from another source, or by one not ingested from a file, fails the file before any write.
// - Each batch reads its ids just before it writes them: one held by anything but this source's
//   records from before the run (another path's chunk, a record written meanwhile) fails the file,
//   and a rollback deletes only the ids that were absent when it wrote them.
// - A source is written by one run at a time in this process: a second one fails the file as `busy`.
// - A file that cannot be read or parsed is reported (`file-failed`) and the job goes on.
// - Reading, parsing and chunking run in a worker thread (prepare.ts) with progress; a structured
//   file (CSV, JSON or JSON Lines of objects) gives one record per row (structured.ts): its id field's
//   value as id when the mapping names one, its chosen fields as typed metadata.
import { EventEmitter } from 'node:events'
import type { Collection } from '../client.js'
import type { Metadata, UpdateMetadata } from '../types.js'
import type { EmbeddingFunction } from '../embedding/index.js'
import { embedCancellable } from '../embedding/index.js'
import {
  DEFAULT_CHUNK_OVERLAP,
  DEFAULT_CHUNK_SIZE,
  maxChunkTokensFor,
  tokenizerFolderFor,
  type TokenCounter
} from './chunker.js'
import { InvalidArgumentError } from '../errors.js'
import { isSparseVector } from '../validation.js'
import { IngestFileError, listFiles } from './parse.js'
import { FilePreparer } from './prepare.js'
import { SETTINGS_KEY, type FieldMapping } from './structured.js'

export interface IngestOptions {
  /** Embeds the chunks; default: the collection's embedding function. */
  embeddingFunction?: EmbeddingFunction
  chunkSize?: number
  overlap?: number
  /** Token counter for chunking; default: the embedding function's tokenizer (see tokenCounterFor). */
  countTokens?: TokenCounter
  /** Larger files fail with `too-large` (parseFile's default otherwise). */
  maxBytes?: number
  /** Chunks per embedding call, so progress and cancellation are seen within a file. Default 256. */
  embedBatch?: number
  /** Chunks per write (one transaction each). Default: sized to take about WRITE_TARGET_MS each. */
  writeBatch?: number
  /** Aborting it is the same as job.cancel(). */
  signal?: AbortSignal
  /**
   * The `source` metadata of a file's chunks (default: its path). Uploaded files are staged in a
   * temporary folder; their source is the name the user knows, not the staging path.
   */
  sourceOf?: (path: string) => string
  /** The field mapping of a structured file (default: guessMapping's). */
  fields?: (path: string) => FieldMapping | undefined
}

export interface IngestCounts {
  /** Files to process (after expanding folders). */
  filesTotal: number
  /** Files finished, whatever the outcome. */
  filesDone: number
  filesWritten: number
  /** Chunks produced by the chunker so far. */
  chunks: number
  /** Chunks embedded so far. */
  embeddings: number
  /** Chunks written to the collection so far. */
  chunksWritten: number
}

export type IngestEvent =
  | { type: 'file-started'; path: string; counts: IngestCounts }
  | { type: 'file-parsed'; path: string; sections: number; bytes: number; counts: IngestCounts }
  | { type: 'file-chunked'; path: string; chunks: number; counts: IngestCounts }
  | { type: 'file-embedded'; path: string; chunks: number; counts: IngestCounts }
  | { type: 'file-written'; path: string; chunks: number; replaced: number; counts: IngestCounts }
  | { type: 'file-skipped'; path: string; reason: string; counts: IngestCounts }
  | { type: 'file-failed'; path: string; error: string; reason?: string; counts: IngestCounts }
  | { type: 'embed-progress'; path: string; done: number; total: number; counts: IngestCounts }
  /** Bytes of the file read so far. */
  | { type: 'parse-progress'; path: string; done: number; total: number; counts: IngestCounts }
  /** Characters of the file's text chunked so far, and the chunks made. */
  | { type: 'chunk-progress'; path: string; done: number; total: number; chunks: number; counts: IngestCounts }
  /** Chunks of the file written so far (in batches of writeBatch). */
  | { type: 'write-progress'; path: string; done: number; total: number; counts: IngestCounts }

export type IngestEventType = IngestEvent['type']

export interface IngestSummary {
  /** Files written (new or changed). */
  ingested: string[]
  /** Files whose content was already stored under the same path. */
  unchanged: string[]
  /** Files left out: unsupported type (from the folder walk) or duplicate content of another path. */
  skipped: { path: string; reason: string }[]
  failed: { path: string; error: string; reason?: string }[]
  chunksWritten: number
  /** Chunks of older versions that were removed. */
  chunksDeleted: number
  cancelled: boolean
  seconds: number
}

export interface IngestJob {
  /** Emits each IngestEvent under its `type` and under 'event'; 'done' with the summary at the end. */
  readonly events: EventEmitter
  /** Stops before the next write; the current file is dropped unless already written. */
  cancel(): void
  readonly done: Promise<IngestSummary>
  readonly counts: Readonly<IngestCounts>
}

const DEFAULT_EMBED_BATCH = 256
/**
 * Writes aim at this long each (one SQLite transaction on the main thread: the trigram index of the
 * documents is most of it); the batch size follows the last write's time (decision 0126).
 */
const WRITE_TARGET_MS = 100
const FIRST_WRITE_BATCH = 100
const WRITE_BATCH_RANGE = { min: 10, max: 1000 }

/** The next write's size: scaled toward WRITE_TARGET_MS, by at most a factor of 2 either way. */
export function nextWriteBatch(size: number, ms: number): number {
  const scaled = Math.round((size * WRITE_TARGET_MS) / Math.max(ms, 1))
  const bounded = Math.min(size * 2, Math.max(Math.ceil(size / 2), scaled))
  return Math.min(WRITE_BATCH_RANGE.max, Math.max(WRITE_BATCH_RANGE.min, bounded))
}

class Cancelled extends Error {}

/**
 * `${collection id}\n${source}` of the files being ingested in this process. A second run of a source
 * while one is writing it is refused (`busy`): each would read the other's records as the ones to put
 * back, so two rollbacks could leave records of a cancelled run in place of the stored ones.
 */
const sourcesBeingWritten = new Set<string>()

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Ingests files and folders (walked with listFiles) into a collection. Returns at once; progress
 * comes as events and the result from `done`, which rejects only when the job cannot start
 * (no embedding function, bad options).
 */
export function startIngest(collection: Collection, paths: string[], opts: IngestOptions = {}): IngestJob {
  const events = new EventEmitter()
  const controller = new AbortController()
  if (opts.signal !== undefined) {
    if (opts.signal.aborted) controller.abort()
    else opts.signal.addEventListener('abort', () => controller.abort(), { once: true })
  }
  const counts: IngestCounts = {
    filesTotal: 0,
    filesDone: 0,
    filesWritten: 0,
    chunks: 0,
    embeddings: 0,
    chunksWritten: 0
  }
  const emit = (event: IngestEvent): void => {
    events.emit(event.type, event)
    events.emit('event', event)
  }
  const done = run(collection, paths, opts, controller.signal, counts, emit).then((summary) => {
    events.emit('done', summary)
    return summary
  })
  // Callers may only listen to events; `done` still reports failures to whoever awaits it.
  done.catch(() => undefined)
  return { events, cancel: () => controller.abort(), done, counts }
}

async function run(
  collection: Collection,
  paths: string[],
  opts: IngestOptions,
  signal: AbortSignal,
  counts: IngestCounts,
  emit: (event: IngestEvent) => void
): Promise<IngestSummary> {
  const started = performance.now()
  const ef = opts.embeddingFunction ?? collection.embeddingFunction
  if (ef === null)
    throw new InvalidArgumentError(`Collection "${collection.name}" has no embedding function; pass one in options`)
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE
  const overlap = opts.overlap ?? Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 2))
  const limit = maxChunkTokensFor(ef)
  if (limit !== null && chunkSize > limit) {
    throw new InvalidArgumentError(`chunkSize ${chunkSize} exceeds the ${limit} tokens the embedding model reads`)
  }
  const embedBatch = opts.embedBatch ?? DEFAULT_EMBED_BATCH
  // The worker loads the tokenizer from its folder; a custom counter keeps the work on this thread.
  const tokenizer = opts.countTokens === undefined ? await tokenizerFolderFor(ef) : null

  const summary: IngestSummary = {
    ingested: [],
    unchanged: [],
    skipped: [],
    failed: [],
    chunksWritten: 0,
    chunksDeleted: 0,
    cancelled: false,
    seconds: 0
  }
  const snapshot = (): IngestCounts => ({ ...counts })
  const finish = (): IngestSummary => {
    summary.cancelled = signal.aborted
    summary.seconds = (performance.now() - started) / 1000
    return summary
  }

  let listed: Awaited<ReturnType<typeof listFiles>>
  try {
    listed = await listFiles(paths, { signal })
  } catch (error) {
    if (signal.aborted) return finish()
    throw error
  }
  summary.skipped.push(...listed.skipped)
  counts.filesTotal = listed.files.length
  for (const skipped of listed.skipped) emit({ type: 'file-skipped', ...skipped, counts: snapshot() })

  const embedder: EmbeddingFunction = ef
  const preparer = new FilePreparer(opts.countTokens)
  try {
    await ingestFiles()
  } finally {
    await preparer.close()
  }
  return finish()

  async function ingestFiles(): Promise<void> {
    for (const file of listed.files) {
      if (signal.aborted) break
      emit({ type: 'file-started', path: file, counts: snapshot() })
      let writing: string | null = null
      try {
        const parsed = await preparer.prepare(
          {
            path: file,
            chunkSize,
            overlap,
            tokenizer,
            ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
            ...(opts.fields?.(file) !== undefined ? { fields: opts.fields(file) } : {})
          },
          (p) =>
            emit(
              p.phase === 'reading'
                ? { type: 'parse-progress', path: file, done: p.done, total: p.total, counts: snapshot() }
                : {
                    type: 'chunk-progress',
                    path: file,
                    done: p.done,
                    total: p.total,
                    chunks: p.chunks,
                    counts: snapshot()
                  }
            ),
          signal
        )
        const { chunks } = parsed
        emit({
          type: 'file-parsed',
          path: file,
          sections: chunks.length,
          bytes: parsed.bytes,
          counts: snapshot()
        })

        const source = opts.sourceOf?.(parsed.path) ?? parsed.path
        // One run at a time per source: two would each read the other's records as the ones to put back.
        const key = `${collection.id}\n${source}`
        if (sourcesBeingWritten.has(key)) {
          throw new IngestFileError(
            file,
            'busy',
            `${parsed.fileName}: another job is adding ${source} to ${collection.name}; add it again once that job has finished`
          )
        }
        sourcesBeingWritten.add(key)
        writing = key
        const existing = await collection.get({ where: { source }, include: ['metadatas'] })
        const existingIds = existing.ids
        const shaOf = (i: number): unknown => existing.metadatas?.[i]?.file_sha256
        const settings = ingestSettings(parsed.mapping, chunkSize, overlap)
        // Unchanged: this content is stored whole under this path with the same chunking or field
        // mapping (a crash mid-write leaves fewer chunks than their chunk_count; records from before
        // ingest_settings existed count as changed, so they are made again once).
        const current = (i: number): boolean =>
          shaOf(i) === parsed.sha256 && existing.metadatas?.[i]?.[SETTINGS_KEY] === settings
        const same = existingIds.filter((_, i) => current(i)).length
        const expected = existing.metadatas?.find((_, i) => current(i))?.chunk_count
        if (same > 0 && (typeof expected !== 'number' || same >= expected)) {
          summary.chunksDeleted += await cleanStale(collection, existingIds, (i) => !current(i))
          summary.unchanged.push(file)
          counts.filesDone++
          emit({ type: 'file-skipped', path: file, reason: 'unchanged', counts: snapshot() })
          continue
        }

        if (chunks.length === 0)
          throw new IngestFileError(file, 'empty', `${parsed.fileName}: no text found in the file`)
        counts.chunks += chunks.length
        emit({ type: 'file-chunked', path: file, chunks: chunks.length, counts: snapshot() })
        const ids = chunks.map((chunk) => chunk.id ?? `${parsed.sha256}:${chunk.index}`)

        // Same content already stored under another path: the ids are taken; keep that copy.
        const owner = await collection.get({ ids: ids.slice(0, 1), include: ['metadatas'] })
        const ownerSource = owner.metadatas?.[0]?.source
        if (typeof ownerSource === 'string' && ownerSource !== source) {
          summary.chunksDeleted += await cleanStale(collection, existingIds, () => true)
          const reason = `same content as ${ownerSource}`
          summary.skipped.push({ path: file, reason })
          counts.filesDone++
          emit({ type: 'file-skipped', path: file, reason, counts: snapshot() })
          continue
        }

        // Ids mapped from the file's own field may name records this file does not own: refused
        // before anything is written.
        if (parsed.mapping !== null) {
          for (let start = 0; start < ids.length; start += 1000) {
            const found = await collection.get({ ids: ids.slice(start, start + 1000), include: ['metadatas'] })
            found.ids.forEach((id, i) => {
              const owner = found.metadatas?.[i]?.source
              if (owner !== source) {
                throw new IngestFileError(
                  file,
                  'ids-taken',
                  `${parsed.fileName}: id ${JSON.stringify(id)} already belongs to ${
                    typeof owner === 'string' ? owner : 'a record not ingested from a file'
                  }; map another id field, or none`
                )
              }
            })
          }
        }

        if (signal.aborted) throw new Cancelled()
        const ingestedAt = new Date().toISOString()
        // This source's records before the run, by id: a record the new run makes again under the same
        // id (a mapped id, or a chunk of the same content chunked anew) is replaced whole, not merged.
        const before = new Map(existingIds.map((id, i) => [id, existing.metadatas?.[i] ?? null]))
        // Embedded and written batch by batch, the next batch embedding (in the embedding worker) while
        // this one is written: only a batch's vectors are held, never a whole file's. Writes are sized
        // to take about WRITE_TARGET_MS each (decision 0126), so no write holds the main thread long.
        // A file stays as it was or is written whole: an error or a cancel removes what this run
        // created and puts back the records it overwrote, and `chunk_count` lets the next run see a
        // file a crash left half written (it is then ingested again, not skipped as unchanged).
        const written: string[] = []
        // Ids no record held just before this run wrote them: a rollback deletes these and no other.
        const created: string[] = []
        const overwritten: OldRecords[] = []
        const ready: number[][] = []
        let embedded = 0
        const embedNext = (): Promise<number[][]> | null => {
          if (embedded >= chunks.length) return null
          const texts = chunks.slice(embedded, embedded + embedBatch).map((chunk) => chunk.text)
          embedded += texts.length
          const vectors = embedCancellable(embedder, texts, signal)
          // Awaited below; a rejection while a write fails first must not go unhandled.
          vectors.catch(() => undefined)
          return vectors
        }
        let embedding = embedNext()
        let batch = opts.writeBatch ?? FIRST_WRITE_BATCH
        try {
          while (written.length < chunks.length) {
            if (signal.aborted) throw new Cancelled()
            if (ready.length < batch && embedding !== null) {
              const vectors = await embedding
              embedding = embedNext()
              for (const v of vectors) ready.push(v)
              counts.embeddings += vectors.length
              const done = written.length + ready.length
              emit({ type: 'embed-progress', path: file, done, total: chunks.length, counts: snapshot() })
              if (done === chunks.length)
                emit({ type: 'file-embedded', path: file, chunks: chunks.length, counts: snapshot() })
              continue
            }
            const start = written.length
            const part = chunks.slice(start, start + Math.min(batch, ready.length))
            const partIds = ids.slice(start, start + part.length)
            const metadatas = part.map((chunk): Metadata => ({
              ...chunk.metadata,
              ...(parsed.mapping !== null ? { row: chunk.index + 1 } : {}),
              source,
              file_name: parsed.fileName,
              chunk_index: chunk.index,
              chunk_count: chunks.length,
              ...(chunk.page !== undefined ? { page: chunk.page } : {}),
              ingested_at: ingestedAt,
              file_sha256: parsed.sha256,
              [SETTINGS_KEY]: settings
            }))
            const began = performance.now()
            const stored = await storedVersions(collection, file, parsed.fileName, source, partIds, metadatas, before)
            if (stored.old !== null) overwritten.push(stored.old)
            await collection.upsert({
              ids: partIds,
              embeddings: ready.splice(0, part.length),
              documents: part.map((chunk) => chunk.text),
              metadatas: metadatas.map((m, i) => replacing(before.get(partIds[i] as string), m))
            })
            if (opts.writeBatch === undefined) batch = nextWriteBatch(batch, performance.now() - began)
            written.push(...partIds)
            created.push(...stored.absent)
            emit({ type: 'write-progress', path: file, done: written.length, total: chunks.length, counts: snapshot() })
            // A write that needs no wait resolves at once: without this turn of the event loop a large
            // file's batches would run back to back and starve every request meanwhile.
            await new Promise((resolve) => setImmediate(resolve))
          }
        } catch (error) {
          await rollBack(collection, created, overwritten)
          throw error
        }
        const fresh = new Set(ids)
        const replaced = await cleanStale(collection, existingIds, (i) => !fresh.has(existingIds[i] as string))
        summary.chunksDeleted += replaced
        summary.chunksWritten += chunks.length
        summary.ingested.push(file)
        counts.chunksWritten += chunks.length
        counts.filesWritten++
        counts.filesDone++
        emit({ type: 'file-written', path: file, chunks: chunks.length, replaced, counts: snapshot() })
      } catch (error) {
        if (error instanceof Cancelled || signal.aborted) break
        const reason = error instanceof IngestFileError ? error.reason : undefined
        const failure = { path: file, error: message(error), ...(reason !== undefined ? { reason } : {}) }
        summary.failed.push(failure)
        counts.filesDone++
        emit({ type: 'file-failed', ...failure, counts: snapshot() })
      } finally {
        if (writing !== null) sourcesBeingWritten.delete(writing)
      }
    }
  }
}

/**
 * How a file was made into records, stored on each of them: a file read again with other settings is
 * ingested again, not skipped as unchanged. Text: the chunk size and overlap in tokens; a structured
 * file: its field mapping (chunking does not apply to rows).
 */
export function ingestSettings(mapping: FieldMapping | null, chunkSize: number, overlap: number): string {
  if (mapping === null) return `chunks of ${chunkSize} tokens, overlap ${overlap}`
  const { document, id, metadata } = mapping
  return `fields ${JSON.stringify({ document, id, metadata })}`
}

/**
 * New metadata for a record that may already exist: upsert merges metadata, so every key the old
 * version had and the new one lacks is deleted (null), leaving the record exactly as the new run makes it.
 * A sparse vector is left out, not deleted: ingest never writes one, so it is the collection's own (a
 * keyword index computes it from the document when the write leaves its key out, and an explicit null
 * would delete it instead).
 */
function replacing(old: Metadata | null | undefined, next: Metadata): UpdateMetadata {
  if (old === undefined || old === null) return next
  const out: UpdateMetadata = { ...next }
  for (const key of Object.keys(old)) if (!(key in next) && !isSparseVector(old[key])) out[key] = null
  return out
}

interface OldRecords {
  ids: string[]
  embeddings: number[][]
  documents: string[]
  /** Each old version as the rollback writes it back: the keys the new version added deleted again. */
  metadatas: UpdateMetadata[]
}

/**
 * The batch's ids as stored just before it is written: those absent (the run creates them), and the
 * stored versions of those this source held before the run (the run overwrites them), for a rollback.
 * An id held by anything else (a record of another path, one not ingested from a file, or one written
 * under this source's name since the run began) fails the file: it is neither overwritten nor, by a
 * rollback, deleted. (The ids of a copy of a stored file, past a first chunk the user deleted; a record
 * the user wrote under a mapped id after the check before the embedding.)
 */
async function storedVersions(
  collection: Collection,
  file: string,
  fileName: string,
  source: string,
  ids: string[],
  next: Metadata[],
  before: Map<string, Metadata | null>
): Promise<{ absent: string[]; old: OldRecords | null }> {
  const got = await collection.get({ ids, include: ['embeddings', 'documents', 'metadatas'] })
  got.ids.forEach((id, i) => {
    const owner = got.metadatas?.[i]?.source
    if (!before.has(id) || owner !== source) {
      throw new IngestFileError(
        file,
        'ids-taken',
        `${fileName}: id ${JSON.stringify(id)} belongs to ${
          typeof owner === 'string' ? owner : 'a record not ingested from a file'
        }; nothing of this file was kept`
      )
    }
  })
  const found = new Set(got.ids)
  const absent = ids.filter((id) => !found.has(id))
  if (got.ids.length === 0) return { absent, old: null }
  const nextOf = new Map(ids.map((id, i) => [id, next[i] as Metadata]))
  return {
    absent,
    old: {
      ids: got.ids,
      embeddings: (got.embeddings ?? []) as number[][],
      // Ingested records always carry a document.
      documents: (got.documents ?? []).map((d) => d ?? ''),
      metadatas: got.ids.map((id, i) => replacing(nextOf.get(id), got.metadatas?.[i] ?? {}))
    }
  }
}

/**
 * Undoes a file's partial write: removes the records the run created and puts back, whole, the ones it
 * overwrote; the source is then as it was before the run.
 */
async function rollBack(collection: Collection, created: string[], overwritten: OldRecords[]): Promise<void> {
  if (created.length > 0) await collection.delete({ ids: created })
  for (const old of overwritten) await collection.upsert(old)
}

/** Deletes the existing chunks selected by index; returns how many. */
async function cleanStale(collection: Collection, ids: string[], select: (i: number) => boolean): Promise<number> {
  const stale = ids.filter((_, i) => select(i))
  if (stale.length > 0) await collection.delete({ ids: stale })
  return stale.length
}
