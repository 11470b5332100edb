// A file made ready to embed: read (with byte progress), parsed, then chunked, or for a structured
// file mapped row by row to records. This is the CPU-heavy part of ingest, so it runs in a worker
// thread (ingest-worker.ts): a 100 MB file never blocks the main thread, and cancelling ends the
// worker at once, whatever phase it is in. Without a worker script it runs inline, with the same
// progress and cancellation between blocks.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Metadata } from '../types.js'
import type { Worker } from 'node:worker_threads'
import { findWorkerScript, startWorker } from '../worker-entry.js'
import { approximateTokenCounter, chunkSections, tokenCounterOf, type Chunk, type TokenCounter } from './chunker.js'
import { IngestFileError, parseFile, type ParsedFile } from './parse.js'
import { wordPieceCounterOf } from './wordpiece.js'
import { checkMapping, guessMapping, tableRecords, type FieldMapping, type TableField } from './structured.js'

export interface PreparedChunk {
  /** 0-based: the chunk's position in the file, or the row's for a structured file. */
  index: number
  text: string
  page?: number
  /** The id a structured file's id field gives. */
  id?: string
  /** A structured row's typed fields. */
  metadata?: Metadata
}

export interface PreparedFile extends Omit<ParsedFile, 'sections' | 'table'> {
  chunks: PreparedChunk[]
  /** The mapping a structured file was read with; null for text chunked by tokens. */
  mapping: FieldMapping | null
  /** A structured file's fields and row count (the preview offers them); null for text. */
  table: { fields: TableField[]; rows: number } | null
}

/** Everything the worker needs, as plain data. */
export interface PrepareTask {
  path: string
  chunkSize: number
  overlap: number
  maxBytes?: number
  /** Only the file's head (the preview): see ParseFileOptions.headBytes. */
  headBytes?: number
  /** For a structured file: the fields to use; absent: guessMapping's defaults. */
  fields?: FieldMapping
  /** Folder of the model's tokenizer; null: approximateTokenCounter. */
  tokenizer: string | null
}

export type PrepareProgress =
  { phase: 'reading'; done: number; total: number } | { phase: 'chunking'; done: number; total: number; chunks: number }

/** Progress messages at most this often (the job's 2 s promise needs far less). */
const PROGRESS_MS = 100

/**
 * Reads, parses and chunks one file. With `onChunks` the chunks go there in batches of CHUNK_BATCH as
 * they are made (the ingest worker posts them on at once) and the result's list is empty.
 */
export async function prepareFile(
  task: PrepareTask,
  onProgress: (p: PrepareProgress) => void,
  signal?: AbortSignal,
  countTokens?: TokenCounter,
  onChunks?: (chunks: PreparedChunk[]) => void
): Promise<PreparedFile> {
  let last = 0
  const throttled = (p: PrepareProgress, force = false): void => {
    const now = performance.now()
    if (!force && now - last < PROGRESS_MS) return
    last = now
    onProgress(p)
  }
  const parsed = await parseFile(task.path, {
    ...(task.maxBytes !== undefined ? { maxBytes: task.maxBytes } : {}),
    ...(task.headBytes !== undefined ? { headBytes: task.headBytes } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (done, total) => throttled({ phase: 'reading', done, total }, done === total)
  })
  const { sections, table, ...file } = parsed
  if (table) {
    const mapping = task.fields ?? guessMapping(table)
    const problem = checkMapping(table, mapping, parsed.fileName)
    if (problem !== null) throw new IngestFileError(task.path, 'corrupt', problem)
    const chunks = tableRecords(table, mapping).map((r) => ({
      index: r.row,
      text: r.text,
      metadata: r.metadata,
      ...(r.id !== undefined ? { id: r.id } : {})
    }))
    throttled({ phase: 'chunking', done: 1, total: 1, chunks: chunks.length }, true)
    const structured = { ...file, mapping, table: { fields: table.fields, rows: table.rows.length } }
    if (!onChunks) return { ...structured, chunks }
    for (let i = 0; i < chunks.length; i += CHUNK_BATCH) onChunks(chunks.slice(i, i + CHUNK_BATCH))
    return { ...structured, chunks: [] }
  }
  const count =
    countTokens ??
    (task.tokenizer === null ? approximateTokenCounter : await wordPieceOf(task.tokenizer)) ??
    (await tokenCounterOf(task.tokenizer as string))
  const plain = (c: Chunk): PreparedChunk => ({
    index: c.index,
    text: c.text,
    ...(c.page !== undefined ? { page: c.page } : {})
  })
  let batch: PreparedChunk[] = []
  const chunks = await chunkSections(sections, {
    chunkSize: task.chunkSize,
    overlap: task.overlap,
    countTokens: count,
    ...(signal ? { signal } : {}),
    // Posted as they are made: the main side receives them over the whole phase, not in one burst
    // at its end, and this thread keeps no more than a batch.
    ...(onChunks
      ? {
          onChunk: (c: Chunk) => {
            batch.push(plain(c))
            if (batch.length >= CHUNK_BATCH) {
              onChunks(batch)
              batch = []
            }
          }
        }
      : {}),
    onProgress: (done, total, made) => throttled({ phase: 'chunking', done, total, chunks: made }, done === total)
  })
  if (onChunks && batch.length > 0) onChunks(batch)
  return { ...file, chunks: chunks.map(plain), mapping: null, table: null }
}

/** What the worker posts. Chunks travel in batches so no single message blocks the main thread long. */
export type WorkerMessage =
  | { type: 'progress'; progress: PrepareProgress }
  | { type: 'chunks'; chunks: PreparedChunk[] }
  | { type: 'done'; file: Omit<PreparedFile, 'chunks'> }
  | { type: 'error'; message: string; reason?: string; name?: string }

export const CHUNK_BATCH = 2000

const moduleDir = path.dirname(fileURLToPath(import.meta.url))

/** One counter per tokenizer folder and thread: its vocabulary and memo serve every file of a job. */
const wordPieceCounters = new Map<string, Promise<TokenCounter | null>>()
function wordPieceOf(folder: string): Promise<TokenCounter | null> {
  let counter = wordPieceCounters.get(folder)
  if (counter === undefined) {
    counter = wordPieceCounterOf(folder)
    wordPieceCounters.set(folder, counter)
    counter.catch(() => wordPieceCounters.delete(folder))
  }
  return counter
}

/** Whether the worker can count for this tokenizer (wordpiece.ts); otherwise chunking stays on this thread. */
async function isWordPiece(folder: string): Promise<boolean> {
  return (await wordPieceOf(folder).catch(() => null)) !== null
}

/**
 * Prepares files in one worker thread, one file at a time (a job's files share it, so a folder of
 * small files does not start a thread per file). Aborting a file's signal terminates the worker:
 * cancel acts at once in every phase; the next file starts a new one. A custom `countTokens` cannot
 * cross into a worker, so with one the work stays on this thread.
 */
export class FilePreparer {
  private worker: Worker | null = null

  constructor(private readonly countTokens?: TokenCounter) {}

  async prepare(
    task: PrepareTask,
    onProgress: (p: PrepareProgress) => void,
    signal?: AbortSignal
  ): Promise<PreparedFile> {
    // The worker counts tokens with wordpiece.ts only (never transformers.js, see there); a tokenizer
    // of another kind is used here, on this thread, as before.
    const inWorker = this.countTokens === undefined && (task.tokenizer === null || (await isWordPiece(task.tokenizer)))
    const entry = inWorker ? findWorkerScript(moduleDir, 'ingest-worker') : null
    if (entry === null) {
      const count = this.countTokens ?? (task.tokenizer === null ? undefined : await tokenCounterOf(task.tokenizer))
      return prepareFile(task, onProgress, signal, count)
    }
    signal?.throwIfAborted()
    const worker = (this.worker ??= this.start(entry))
    const chunks: PreparedChunk[] = []
    let listener: ((msg: WorkerMessage) => void) | null = null
    let onAbort: (() => void) | null = null
    let onExit: ((code: number) => void) | null = null
    let onError: ((error: Error) => void) | null = null
    try {
      return await new Promise<PreparedFile>((resolve, reject) => {
        onAbort = () => {
          reject(signal?.reason ?? new Error('cancelled'))
          void this.close()
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        onExit = (code) => {
          this.worker = null
          reject(new Error(`the ingest worker stopped (code ${code})`))
        }
        worker.once('exit', onExit)
        // A worker's uncaught error (out of memory on a huge file, say) fails this file, not the app.
        onError = (error) => reject(new Error(`the ingest worker failed: ${error.message}`, { cause: error }))
        worker.on('error', onError)
        listener = (msg) => {
          if (msg.type === 'progress') onProgress(msg.progress)
          else if (msg.type === 'chunks') for (const c of msg.chunks) chunks.push(c)
          else if (msg.type === 'done') resolve({ ...msg.file, chunks })
          else {
            const reason = msg.reason as ConstructorParameters<typeof IngestFileError>[1] | undefined
            reject(
              msg.name === 'IngestFileError' && reason !== undefined
                ? new IngestFileError(task.path, reason, msg.message)
                : new Error(msg.message)
            )
          }
        }
        worker.on('message', listener)
        worker.postMessage(task)
      })
    } finally {
      if (listener) worker.off('message', listener)
      if (onExit) worker.off('exit', onExit)
      if (onError) worker.off('error', onError)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
  }

  /**
   * A new worker that forgets itself when it ends, and whose errors between files are absorbed (an
   * unlistened worker error would end the whole process); the next file starts another.
   */
  private start(entry: Parameters<typeof startWorker>[0]): Worker {
    const worker = startWorker(entry)
    worker.on('error', () => undefined)
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = null
    })
    return worker
  }

  /** Ends the worker (the job is over or cancelled). */
  async close(): Promise<void> {
    const worker = this.worker
    this.worker = null
    if (worker) await worker.terminate()
  }
}

/** One file prepared in its own worker (the chunk preview). */
export async function prepareFileOffThread(
  task: PrepareTask,
  onProgress: (p: PrepareProgress) => void,
  signal?: AbortSignal
): Promise<PreparedFile> {
  const preparer = new FilePreparer()
  try {
    return await preparer.prepare(task, onProgress, signal)
  } finally {
    await preparer.close()
  }
}
