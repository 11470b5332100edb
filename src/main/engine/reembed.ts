// Re-embedding a collection with another model (decision 0122). The new vectors are computed from the
// records' documents and kept apart (ChromaDatabase.stageReembed) while the collection goes on answering
// with its old model; one transaction then switches every vector, the configuration and the dimension
// (finishReembed), and the index is built anew. Interrupted (a quit, a crash), it resumes where it
// stopped: the vectors made so far are in SQLite. Cancelled, it is dropped and nothing changed.
import type { ChromaDatabase } from './database.js'
import {
  chosenModelFunction,
  embedCancellable,
  embeddingConfigFor,
  parseEmbeddingConfig,
  type EmbeddingFunction,
  type EmbeddingRuntimeOptions,
  type TransformersEmbeddingFunction
} from './embedding/index.js'
import { InvalidArgumentError } from './errors.js'
import type { EmbeddingFunctionConfig } from './types.js'

/** Records embedded and kept per step: one short transaction each, progress between them. */
export const REEMBED_BATCH = 256

export type ReembedPhase = 'embedding' | 'switching' | 'indexing'

export interface ReembedOptions {
  signal?: AbortSignal
  onProgress?: (done: number, total: number, phase: ReembedPhase) => void
  batch?: number
  /** An abort for this reason keeps the vectors made so far (the app quits: resume at the next start). */
  keepOnAbort?: (reason: unknown) => boolean
}

export interface ReembedReport extends Record<string, unknown> {
  collectionId: string
  records: number
  dimension: number | null
  /** Records whose new vector was already there from an interrupted run. */
  resumed: number
  seconds: number
}

export interface PreparedReembed {
  /** The stored form of the new model's function. */
  target: EmbeddingFunctionConfig
  /** The model as stored: hub id or absolute folder. */
  model: string
  /** Loads the new model; the caller closes it when done. */
  ef: TransformersEmbeddingFunction
}

/**
 * Everything checked before a re-embed job starts, so a mistake is reported at once: the model (hub id
 * or folder; chosen by the person asking, so it may load here), its files, that it is another model than
 * the collection's, and that every record has a document. Records the target, so the re-embedding
 * resumes after a restart.
 */
export function prepareReembed(
  db: ChromaDatabase,
  collectionId: string,
  model: string,
  runtime: EmbeddingRuntimeOptions = {}
): PreparedReembed {
  const target = embeddingConfigFor(model) as EmbeddingFunctionConfig
  const choice = parseEmbeddingConfig(target)
  if (choice === null) throw new InvalidArgumentError(`Cannot embed with ${model}`)
  const current = db.getCollectionById(collectionId)
  let currentChoice: ReturnType<typeof parseEmbeddingConfig> = null
  try {
    currentChoice = parseEmbeddingConfig(current.configuration_json.embedding_function)
  } catch {
    // A configuration naming a model it may not: any valid model is a change.
  }
  if (JSON.stringify(currentChoice) === JSON.stringify(choice)) {
    throw new InvalidArgumentError(`Collection [${current.name}] already embeds with ${choice.model}`)
  }
  const ef = chosenModelFunction(target, runtime)
  try {
    db.beginReembed(collectionId, target)
  } catch (e) {
    void ef.close()
    throw e
  }
  return { target, model: choice.model, ef }
}

/**
 * Embeds every record of the collection with `ef` (whose configuration is `target`) and switches the
 * collection to it. Starts or resumes; when aborted (cancel) the unfinished work is dropped, when it
 * fails otherwise (or is aborted for a `keepOnAbort` reason) the vectors made so far stay for the next run.
 */
export async function reembedCollection(
  db: ChromaDatabase,
  collectionId: string,
  ef: EmbeddingFunction,
  target: EmbeddingFunctionConfig,
  opts: ReembedOptions = {}
): Promise<ReembedReport> {
  const start = performance.now()
  const signal = opts.signal ?? new AbortController().signal
  const batch = Math.max(1, opts.batch ?? REEMBED_BATCH)
  db.beginReembed(collectionId, target)
  const resumed = db.reembedProgress(collectionId).done
  try {
    for (;;) {
      signal.throwIfAborted()
      const todo = db.reembedTodo(collectionId, batch)
      if (todo.length === 0) {
        opts.onProgress?.(0, 0, 'switching')
        // False when a record was written since the last step: embed it too, then switch.
        if (db.finishReembed(collectionId)) break
        continue
      }
      const vectors = await embedCancellable(
        ef,
        todo.map((t) => t.document),
        signal
      )
      signal.throwIfAborted()
      db.stageReembed(
        collectionId,
        todo.map((t, i) => ({ rid: t.rid, document: t.document, embedding: Float32Array.from(vectors[i] ?? []) }))
      )
      const { done, total } = db.reembedProgress(collectionId)
      opts.onProgress?.(done, total, 'embedding')
    }
  } catch (error) {
    const cancelled = signal.aborted && opts.keepOnAbort?.(signal.reason) !== true
    if (cancelled && !db.isClosed && db.reembedTarget(collectionId) !== null) db.cancelReembed(collectionId)
    throw error
  }
  // Switched: build the new index now rather than on the first query.
  opts.onProgress?.(0, 0, 'indexing')
  const model = db.getCollectionById(collectionId)
  const records = db.count(collectionId)
  if (records > 0) {
    // The switch has committed: an index that cannot be built now (the worker busy, say) is built by
    // the first query instead, and the job still reports the switch it made.
    try {
      db.createIndex(collectionId)
      await db.settleIndexes()
    } catch {
      /* the index is a cache */
    }
  }
  return {
    collectionId,
    records,
    dimension: model.dimension,
    resumed,
    seconds: (performance.now() - start) / 1000
  }
}
