// The portability layer's own types: what a collection looks like independent of where it lives,
// one batch of records, and the small interfaces every "connection" implements (our engine, a remote
// Chroma server, a Chroma persistent directory read-only).
import type { CollectionSchema } from '../engine/collection-schema.js'
import type { CollectionConfiguration, EmbeddingFunctionConfig, Metadata } from '../engine/index.js'

/** HNSW parameters as Chroma 1.x returns them in `configuration_json.hnsw`. */
export type PortableHnsw = CollectionConfiguration['hnsw']

export interface PortableConfiguration {
  hnsw: PortableHnsw | null
  embedding_function: EmbeddingFunctionConfig | null
}

/** A collection's identity and settings, everything needed to recreate it elsewhere. */
export interface CollectionSpec {
  name: string
  metadata: Metadata | null
  configuration: PortableConfiguration
  /** null while the collection holds no record. */
  dimension: number | null
  /**
   * Chroma 1.5's index schema, when the collection has one: carried between local databases (fork,
   * copy, clone); export files and Chroma servers do not take it (docs/chroma-1.5.md).
   */
  schema?: CollectionSchema | null
}

/** One batch of records; every list has one entry per id. Embeddings are float32, as stored. */
export interface RecordBatch {
  ids: string[]
  embeddings: Float32Array[]
  documents: (string | null)[]
  metadatas: (Metadata | null)[]
  uris: (string | null)[]
  /**
   * Keys whose value is float-typed although integral (Chroma's 2.0). JS numbers cannot carry that,
   * so sources that know the stored type (a Chroma directory) say it here; null = none.
   */
  integralFloats?: (string[] | null)[]
}

/** One collection at one connection. */
export interface CollectionEndpoint {
  readonly spec: CollectionSpec
  count(): Promise<number>
  /** Every record in insertion order, `batchSize` at a time; stops between batches when aborted. */
  read(batchSize: number, signal?: AbortSignal): AsyncIterable<RecordBatch>
  /**
   * The records of these ids that the collection holds (at most a batch of them). Optional: a source
   * without it is read whole and filtered (selection.ts).
   */
  readIds?(ids: string[]): Promise<RecordBatch>
  /** Which of these ids the collection holds. */
  existing(ids: string[]): Promise<Set<string>>
  /** Writes one batch as a unit (one transaction or one request). Ids must be new. */
  add(batch: RecordBatch): Promise<void>
  remove(ids: string[]): Promise<void>
  /**
   * Writes the batch's records whole in one write: stored ids replaced, new ones added. Optional: a
   * target without it (a Chroma server) gets remove then add.
   */
  replace?(batch: RecordBatch): Promise<void>
  /**
   * How many records have no document, and how many of those carry a URI. Optional: a source that
   * cannot count them cheaply is scanned with read().
   */
  documentGaps?(signal?: AbortSignal): Promise<DocumentGaps>
}

export interface DocumentGaps {
  withoutDocument: number
  /** Of those without a document, the ones that carry a URI. */
  uriOnly: number
}

/** A place collections live: our engine, a Chroma server, a Chroma directory. */
export interface Connection {
  /** For messages: a path or a URL. */
  readonly label: string
  readonly readOnly: boolean
  maxBatchSize(): Promise<number>
  list(): Promise<string[]>
  /** null when there is no collection of that name. */
  open(name: string): Promise<CollectionEndpoint | null>
  /** Creates the collection with the spec's metadata and configuration; fails when it exists. */
  create(spec: CollectionSpec): Promise<CollectionEndpoint>
  drop(name: string): Promise<void>
  close(): Promise<void>
}

export interface Progress {
  /** Records written (copy/import) or read (export) so far. */
  done: number
  /** Records expected in total (from the source's count or the file's header). */
  total: number
  /** The current step, for work that has several (a clone that re-embeds: embedding, writing). */
  phase?: string
}

export type ProgressCallback = (p: Progress) => void

/** Every failure of this layer, with what had been done when it happened. */
export class PortabilityError extends Error {
  /** Written for the caller (what failed, and what had been done): shown as it is. */
  readonly httpStatus = 400
  constructor(
    message: string,
    readonly report?: Record<string, unknown>,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'PortabilityError'
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new PortabilityError(`${what} cancelled`)
}
