// Our engine as a connection. It talks to the database layer (normalized requests) rather than the
// client API, so no embedding function is ever built: records move with their stored embeddings.
import {
  EphemeralClient,
  type AddRequest,
  NotFoundError,
  PersistentClient,
  type ChromaDatabase,
  type CollectionModel,
  type Metadata,
  type Scope
} from '../engine/index.js'
import { schemaForCopy } from '../engine/collection-schema.js'
import type { CollectionEndpoint, CollectionSpec, Connection, DocumentGaps, RecordBatch } from './types.js'
import { PortabilityError } from './types.js'

type EngineClient = EphemeralClient | PersistentClient

function specOf(model: CollectionModel): CollectionSpec {
  const cfg = model.configuration_json
  return {
    name: model.name,
    metadata: model.metadata,
    configuration: { hnsw: { ...cfg.hnsw }, embedding_function: cfg.embedding_function },
    dimension: model.dimension,
    schema: model.schema
  }
}

/** A batch as the engine's write request; an empty metadata map is none. */
function request(batch: RecordBatch): AddRequest {
  return {
    ids: batch.ids,
    embeddings: batch.embeddings,
    documents: batch.documents,
    metadatas: batch.metadatas.map((m) => (m && Object.keys(m).length > 0 ? m : null)) as (Metadata | null)[],
    uris: batch.uris
  }
}

class LocalCollection implements CollectionEndpoint {
  constructor(
    private readonly db: ChromaDatabase,
    private readonly id: string
  ) {}

  /** Read on each use: the dimension is set by the first write. */
  get spec(): CollectionSpec {
    return specOf(this.db.getCollectionById(this.id))
  }

  async count(): Promise<number> {
    return this.db.count(this.id)
  }

  async *read(batchSize: number, signal?: AbortSignal): AsyncIterable<RecordBatch> {
    for (let offset = 0; ; offset += batchSize) {
      // A read runs while the caller writes the previous batch (copyCollection reads ahead): let the
      // event loop run between the two, so the thread is never held for both at once.
      await new Promise((resolve) => setImmediate(resolve))
      if (signal?.aborted) return
      const batch = this.batch({ limit: batchSize, offset })
      if (batch.ids.length === 0) return
      yield batch
      if (batch.ids.length < batchSize) return
    }
  }

  async readIds(ids: string[]): Promise<RecordBatch> {
    return this.batch({ ids })
  }

  private batch(which: { ids: string[] } | { limit: number; offset: number }): RecordBatch {
    const r = this.db.get(this.id, { ...which, include: ['embeddings', 'documents', 'metadatas', 'uris'] })
    return {
      ids: r.ids,
      embeddings: (r.embeddings ?? []).map((e) => Float32Array.from(e)),
      documents: r.documents ?? r.ids.map(() => null),
      metadatas: r.metadatas ?? r.ids.map(() => null),
      uris: r.uris ?? r.ids.map(() => null)
    }
  }

  async existing(ids: string[]): Promise<Set<string>> {
    return new Set(this.db.get(this.id, { ids, include: [] }).ids)
  }

  async add(batch: RecordBatch): Promise<void> {
    // One call = one SQLite transaction: a batch is written whole or not at all. Written once the
    // index has room, so a long import waits for the index worker instead of being refused as busy.
    await this.db.addWhenRoom(this.id, request(batch))
  }

  async replace(batch: RecordBatch): Promise<void> {
    await this.db.writeWhenRoom(this.id, () => this.db.replace(this.id, request(batch)))
  }

  async remove(ids: string[]): Promise<void> {
    await this.db.writeWhenRoom(this.id, () => this.db.delete(this.id, { ids }))
  }

  /** Reads documents and URIs only (no vectors), a page at a time, yielding between pages. */
  async documentGaps(signal?: AbortSignal): Promise<DocumentGaps> {
    const gaps: DocumentGaps = { withoutDocument: 0, uriOnly: 0 }
    const page = 5000
    for (let offset = 0; ; offset += page) {
      signal?.throwIfAborted()
      const r = this.db.get(this.id, { limit: page, offset, include: ['documents', 'uris'] })
      r.ids.forEach((_, i) => {
        if (r.documents?.[i] != null) return
        gaps.withoutDocument++
        if (r.uris?.[i] != null) gaps.uriOnly++
      })
      if (r.ids.length < page) return gaps
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}

export class LocalConnection implements Connection {
  readonly readOnly = false
  private readonly scope: Scope

  /**
   * `owned`: close() closes the client too (it was opened for this connection). `scope`: the tenant
   * and database to act on, default the client's.
   */
  constructor(
    private readonly client: EngineClient,
    readonly label: string,
    private readonly owned = false,
    scope?: Scope
  ) {
    this.scope = scope ?? { tenant: client.tenant, database: client.database }
  }

  /** Opens (creating if needed) the Chromadesk data directory `path`. */
  static open(path: string): LocalConnection {
    return new LocalConnection(new PersistentClient({ path }), path, true)
  }

  async maxBatchSize(): Promise<number> {
    return this.client.getMaxBatchSize()
  }

  async list(): Promise<string[]> {
    return this.client.db.listCollections(this.scope).map((c) => c.name)
  }

  async open(name: string): Promise<CollectionEndpoint | null> {
    let model: CollectionModel
    try {
      model = this.client.db.getCollection(this.scope, name)
    } catch (e) {
      if (e instanceof NotFoundError) return null
      throw e
    }
    return new LocalCollection(this.client.db, model.id)
  }

  async create(spec: CollectionSpec): Promise<CollectionEndpoint> {
    if (await this.open(spec.name)) {
      throw new PortabilityError(`Collection "${spec.name}" already exists at ${this.label}`)
    }
    const configuration = {
      hnsw: spec.configuration.hnsw,
      embedding_function: spec.configuration.embedding_function
    }
    // A schema travels with its configuration, made to agree with it, so it is stored as is.
    const schema = spec.schema ? schemaForCopy(spec.schema, spec.configuration) : null
    const model = this.client.db.createCollection(
      this.scope,
      { name: spec.name, metadata: spec.metadata, configuration, schema },
      { stored: schema !== null }
    )
    return new LocalCollection(this.client.db, model.id)
  }

  async drop(name: string): Promise<void> {
    this.client.db.deleteCollection(this.scope, name)
  }

  async close(): Promise<void> {
    if (this.owned) await this.client.close()
  }
}
