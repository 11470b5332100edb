// Re-embedding a collection with another model (decision 0122). The new vectors are computed from the
// records' documents and kept apart (ChromaDatabase.stageReembed) while the collection goes on answering
// with its old model; one transaction then switches every vector, the configuration and the dimension
// (finishReembed), and the index is built anew. Interrupted (a quit, a crash), it resumes where it
// stopped: the vectors made so far are in SQLite. Cancelled, it is dropped and nothing changed.
import type { ChromaDatabase } from './database.js'
import { embedCancellable, type EmbeddingFunction } from './embedding/index.js'
import type { EmbeddingFunctionConfig } from './types.js'

/** Records embedded and kept per step: one short transaction each, progress between them. */
export const REEMBED_BATCH = 256

export type ReembedPhase = 'embedding' | 'switching' | 'indexing'

export interface ReembedOptions {
  signal?: AbortSignal
  onProgress?: (done: number, total: number, phase: ReembedPhase) => void
  batch?: number
}

export interface ReembedReport extends Record<string, unknown> {
  collectionId: string
  records: number
  dimension: number | null
  /** Records whose new vector was already there from an interrupted run. */
  resumed: number
  seconds: number
}

/**
 * Embeds every record of the collection with `ef` (whose configuration is `target`) and switches the
 * collection to it. Starts or resumes; when aborted (cancel) the unfinished work is dropped, when it
 * fails otherwise the vectors made so far stay for the next run.
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
    if (signal.aborted && db.reembedTarget(collectionId) !== null) db.cancelReembed(collectionId)
    throw error
  }
  // Switched: build the new index now rather than on the first query.
  opts.onProgress?.(0, 0, 'indexing')
  const model = db.getCollectionById(collectionId)
  const records = db.count(collectionId)
  if (records > 0) {
    db.createIndex(collectionId)
    await db.settleIndexes()
  }
  return {
    collectionId,
    records,
    dimension: model.dimension,
    resumed,
    seconds: (performance.now() - start) / 1000
  }
}
