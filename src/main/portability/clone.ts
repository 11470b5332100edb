// Clone with new settings: a collection copied under a new name with another distance space, other
// HNSW parameters or another embedding model (Chroma cannot change these in place). The copying is
// copyCollection's (batches, cancel, cleanup); this module decides what changes and, when the model
// changes, re-embeds each batch's documents before it is written. The source is only read.
import { resolveCreateConfiguration } from '../engine/config.js'
import {
  chosenModelFunction,
  type EmbeddingRuntimeOptions,
  type StoredEmbeddingFunctionConfig,
  type TransformersEmbeddingFunction
} from '../engine/embedding/index.js'
import { parseEmbeddingConfig, type ModelChoice } from '../engine/embedding/model-ref.js'
import type { EmbeddingFunctionConfig, HnswConfigurationInput } from '../engine/index.js'
import { validateCollectionName } from '../engine/validation.js'
import { configurationDifferences, copyCollection, type CopyReport } from './transfer.js'
import {
  PortabilityError,
  throwIfAborted,
  type CollectionEndpoint,
  type CollectionSpec,
  type Connection,
  type DocumentGaps,
  type ProgressCallback,
  type RecordBatch
} from './types.js'

/** HNSW fields a clone may set; the others keep the source's values. */
export type CloneHnsw = Pick<
  HnswConfigurationInput,
  'space' | 'ef_construction' | 'ef_search' | 'max_neighbors' | 'resize_factor' | 'sync_threshold'
>

export interface CloneSettings {
  /** Name of the new collection (must not exist). */
  as: string
  hnsw?: CloneHnsw
  /**
   * The new collection's embedding function; undefined keeps the source's. One naming another model
   * re-embeds every document; null (embeddings only) keeps the vectors as stored.
   */
  embeddingFunction?: EmbeddingFunctionConfig | null
  /** When re-embedding: leave out records without a document instead of refusing (decision 0081). */
  skipWithoutDocument?: boolean
}

/** What a clone will do, checked before anything is written. */
export interface ClonePlan {
  source: string
  target: string
  /** The new collection's settings. */
  spec: CollectionSpec
  /** Records in the source when planned. */
  total: number
  /** true when the model changes: documents are embedded again, the dimension may change. */
  reembed: boolean
  /** The model that embeds, when re-embedding. */
  model: string | null
  /** Records that have no document (counted only when re-embedding); left out when allowed. */
  gaps: DocumentGaps
  /** Records without a document are left out (else one met while cloning fails the clone). */
  skipWithoutDocument: boolean
  /** Settings that differ from the source's ("hnsw.space: l2 -> cosine"). */
  changes: string[]
}

/** What embeds the documents when the model changes (TransformersEmbeddingFunction fits). */
export interface CloneEmbedder {
  generate(
    texts: string[],
    options?: { signal?: AbortSignal; onProgress?: (p: { done: number; total: number }) => void }
  ): Promise<number[][]>
  /** Loads the model, so a model that cannot load fails before the new collection exists. */
  load?(): Promise<void>
}

export interface CloneOptions {
  /** Required when the plan re-embeds. */
  embedder?: CloneEmbedder
  batchSize?: number
  signal?: AbortSignal
  /** `done` counts records handled (written or left out); phase 'loading model', 'embedding', 'writing' or 'copying'. */
  onProgress?: ProgressCallback
}

export interface CloneReport extends CopyReport {
  reembedded: number
  /** Records without a document left out (skipWithoutDocument). */
  skipped: number
  model: string | null
  changes: string[]
}

function modelOf(cfg: EmbeddingFunctionConfig | null | undefined): ModelChoice | null {
  try {
    return parseEmbeddingConfig(cfg)
  } catch {
    return null // a stored model that may not be named embeds nothing
  }
}

async function gapsOf(source: CollectionEndpoint, signal?: AbortSignal): Promise<DocumentGaps> {
  if (source.documentGaps) return source.documentGaps(signal)
  const gaps: DocumentGaps = { withoutDocument: 0, uriOnly: 0 }
  for await (const b of source.read(1000, signal)) {
    b.documents.forEach((d, i) => {
      if (d !== null) return
      gaps.withoutDocument++
      if (b.uris[i] != null) gaps.uriOnly++
    })
  }
  return gaps
}

/**
 * Checks a clone without writing: the source exists, the new name is valid and free, the settings
 * pass the engine's rules, and (when the model changes) every record has a document to embed unless
 * records without one may be left out. Throws with a message for the user.
 */
export async function planClone(conn: Connection, name: string, settings: CloneSettings): Promise<ClonePlan> {
  if (conn.readOnly) throw new PortabilityError(`${conn.label} is read-only`)
  const source = await conn.open(name)
  if (!source) throw new PortabilityError(`Collection "${name}" does not exist at ${conn.label}`)
  validateCollectionName(settings.as)
  if (await conn.open(settings.as)) {
    throw new PortabilityError(`Collection "${settings.as}" already exists at ${conn.label}; choose another name`)
  }
  const from = source.spec
  const embeddingFunction =
    settings.embeddingFunction === undefined ? from.configuration.embedding_function : settings.embeddingFunction
  // The engine's own rules for a new collection (HNSW values, the model reference).
  const resolved = resolveCreateConfiguration(
    { hnsw: { ...from.configuration.hnsw, ...settings.hnsw }, embedding_function: embeddingFunction },
    from.metadata
  )
  const before = modelOf(from.configuration.embedding_function)
  const after = modelOf(resolved.embedding_function)
  const reembed = after !== null && JSON.stringify(before) !== JSON.stringify(after)
  const spec: CollectionSpec = {
    name: settings.as,
    metadata: from.metadata,
    configuration: { hnsw: resolved.hnsw, embedding_function: resolved.embedding_function },
    dimension: reembed ? null : from.dimension,
    schema: from.schema
  }
  const total = await source.count()
  const gaps = reembed ? await gapsOf(source) : { withoutDocument: 0, uriOnly: 0 }
  if (gaps.withoutDocument > 0 && !settings.skipWithoutDocument) {
    const uris = gaps.uriOnly > 0 ? ` (${gaps.uriOnly} of them carry only a URI, which is not fetched)` : ''
    throw new PortabilityError(
      `${gaps.withoutDocument} of the ${total} records of "${name}" have no document${uris}, so the new model ` +
        `has nothing to embed for them; nothing was cloned. Choose to leave them out ` +
        `(skip records without a document), or keep the model.`
    )
  }
  return {
    source: name,
    target: settings.as,
    spec,
    total,
    reembed,
    model: reembed ? (after?.model ?? null) : null,
    gaps,
    skipWithoutDocument: settings.skipWithoutDocument === true,
    changes: configurationDifferences(from, spec)
  }
}

/**
 * The function that embeds for a plan that re-embeds (null otherwise), built from the new collection's
 * configuration so its vectors are the ones the clone's own function gives queries. The model was
 * chosen by the person asking for the clone, so it may load (`runtime.trust` is replaced). Throws
 * now when its files cannot be there; the model itself loads in runClone, before anything is written.
 */
export function cloneEmbedder(
  plan: ClonePlan,
  runtime: EmbeddingRuntimeOptions = {}
): TransformersEmbeddingFunction | null {
  if (!plan.reembed || plan.model === null) return null
  return chosenModelFunction(plan.spec.configuration.embedding_function as StoredEmbeddingFunctionConfig, runtime)
}

/** The records of a batch that have a document, with their documents embedded by the new model. */
function reembedder(
  plan: ClonePlan,
  embedder: CloneEmbedder,
  counts: { skipped: number; handled: () => number },
  progress: ProgressCallback
): (batch: RecordBatch, signal?: AbortSignal) => Promise<RecordBatch> {
  return async (batch, signal) => {
    const keep = batch.ids.map((_, i) => i).filter((i) => batch.documents[i] != null)
    if (keep.length < batch.ids.length && !plan.skipWithoutDocument) {
      throw new PortabilityError(`a record without a document was added to "${plan.source}" while it was cloned`)
    }
    const base = counts.handled()
    counts.skipped += batch.ids.length - keep.length
    const documents = keep.map((i) => batch.documents[i] as string)
    const vectors =
      documents.length === 0
        ? []
        : await embedder.generate(documents, {
            signal,
            onProgress: ({ done }) => progress({ done: base + done, total: plan.total, phase: 'embedding' })
          })
    const pick = <T>(list: T[]): T[] => keep.map((i) => list[i] as T)
    return {
      ids: pick(batch.ids),
      embeddings: vectors.map((v) => Float32Array.from(v)),
      documents,
      metadatas: pick(batch.metadatas),
      uris: pick(batch.uris),
      integralFloats: batch.integralFloats ? pick(batch.integralFloats) : undefined
    }
  }
}

/**
 * Runs a plan: creates the new collection and fills it through copyCollection, re-embedding each
 * batch when the model changes. A failure or a cancel removes the new collection again.
 */
export async function runClone(conn: Connection, plan: ClonePlan, opts: CloneOptions = {}): Promise<CloneReport> {
  const progress: ProgressCallback = (p) => opts.onProgress?.(p)
  const counts = { skipped: 0, copied: 0, handled: () => counts.copied + counts.skipped }
  let transform: ((batch: RecordBatch, signal?: AbortSignal) => Promise<RecordBatch>) | undefined
  if (plan.reembed) {
    const embedder = opts.embedder
    if (!embedder) throw new PortabilityError(`Cloning with model ${plan.model ?? ''} needs an embedding function`)
    progress({ done: 0, total: plan.total, phase: 'loading model' })
    await embedder.load?.()
    throwIfAborted(opts.signal, 'Clone')
    transform = reembedder(plan, embedder, counts, progress)
  }
  const report = await copyCollection(conn, conn, plan.source, {
    as: plan.target,
    spec: plan.spec,
    transform,
    removeOnFailure: true,
    operation: 'Clone',
    batchSize: opts.batchSize,
    signal: opts.signal,
    onProgress: ({ done }) => {
      counts.copied = done
      progress({ done: counts.handled(), total: plan.total, phase: plan.reembed ? 'writing' : 'copying' })
    }
  })
  return {
    ...report,
    reembedded: plan.reembed ? report.copied : 0,
    skipped: counts.skipped,
    model: plan.model,
    changes: plan.changes
  }
}

/** planClone + runClone. */
export async function cloneCollection(
  conn: Connection,
  name: string,
  settings: CloneSettings,
  opts: CloneOptions = {}
): Promise<CloneReport> {
  return runClone(conn, await planClone(conn, name, settings), opts)
}
