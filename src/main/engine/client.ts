// The in-process client: mirrors the official `chromadb` JS client (v3, object-style arguments) and
// the positional signatures of the 0.3-era API (add(ids, embeddings, metadatas, documents), ...).
// Its only jobs are argument normalization (single values wrapped into arrays, camelCase or
// snake_case keys) and embedding documents/query texts with the collection's embedding function;
// everything else is database.ts, which receives the normalized requests of types.ts.
import { ChromaDatabase, DEFAULT_DATABASE, DEFAULT_TENANT, type DatabaseOptions, type Scope } from './database.js'
import { InvalidArgumentError } from './errors.js'
import { embeddingFunctionFromConfig, type EmbeddingFunction, type EmbeddingRuntimeOptions } from './embedding/index.js'
import type {
  CollectionConfiguration,
  CollectionConfigurationInput,
  CollectionModel,
  DatabaseModel,
  DeleteResult,
  EmbeddingFunctionConfig,
  EmbeddingInput,
  GetResult,
  IncludeField,
  IndexingStatus,
  Metadata,
  PreflightChecks,
  QueryResult,
  TenantModel,
  UpdateMetadata,
  Where,
  WhereDocument
} from './types.js'
import type { SearchResponse } from './search/index.js'
import { isPlainObject } from './validation.js'
import type { CollectionSchema } from './collection-schema.js'
import {
  createCollectionArgs,
  databaseArgs,
  deleteArgs,
  getArgs,
  getCollectionArgs,
  isArgs,
  modifyArgs,
  nameOf,
  peekLimit,
  pick,
  queryArgs,
  wrapMetadatas,
  wrapStrings,
  type Args
} from '../../shared/collection-args.js'

export type { EmbeddingFunction } from './embedding/index.js'

/** Chroma's own clients store this when no embedding function is given. */
const DEFAULT_EF_CONFIG: EmbeddingFunctionConfig = { type: 'known', name: 'default', config: {} }

/** Builds an embedding function from its stored config (name = `configuration_json.embedding_function.name`). */
export type EmbeddingFunctionFactory = (config: Record<string, unknown>) => EmbeddingFunction

const efRegistry = new Map<string, EmbeddingFunctionFactory>()

/** Lets getCollection rebuild a custom "known" embedding function from a stored configuration. */
export function registerEmbeddingFunction(name: string, factory: EmbeddingFunctionFactory): void {
  efRegistry.set(name, factory)
}

export interface ClientOptions {
  tenant?: string
  database?: string
  /** reset() is refused unless true (default false). */
  allowReset?: boolean
  /**
   * Passed to the transformers.js functions rebuilt from stored configurations: cache dir, worker,
   * progress, and `trust`, which models they may load (default: only Chroma's default model).
   */
  embeddingOptions?: EmbeddingRuntimeOptions
}

export interface PersistentClientOptions extends ClientOptions {
  /** Directory holding chromadesk.sqlite3 and index/. Created if missing. */
  path: string
}

// ---- argument helpers -------------------------------------------------------------------------

function isNumberVector(v: unknown): boolean {
  return (
    v instanceof Float32Array ||
    v instanceof Float64Array ||
    (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'))
  )
}

/** [1, 2, 3] (one embedding) -> [[1, 2, 3]]. */
function wrapEmbeddings(v: unknown): unknown {
  return isNumberVector(v) ? [v] : v
}

/** Which records get, query and delete act on: ids, where and where_document. */
function recordFilter(a: Args): { ids?: string[]; where?: Where; where_document?: WhereDocument } {
  return {
    ids: wrapStrings(a.ids) as string[] | undefined,
    where: pick(a, 'where') as Where | undefined,
    where_document: pick(a, 'whereDocument', 'where_document') as WhereDocument | undefined
  }
}

function asOptional<T>(v: unknown): T | undefined {
  return v === undefined ? undefined : (v as T)
}

interface RecordSetArgs {
  ids: unknown
  embeddings: unknown
  metadatas: unknown
  documents: unknown
  uris: unknown
}

function recordSetArgs(first: unknown, rest: unknown[]): RecordSetArgs {
  if (isArgs(first)) {
    return {
      ids: wrapStrings(first.ids),
      embeddings: wrapEmbeddings(first.embeddings),
      metadatas: wrapMetadatas(first.metadatas),
      documents: wrapStrings(first.documents),
      uris: wrapStrings(first.uris)
    }
  }
  // Positional: (ids, embeddings, metadatas, documents, increment_index); the 0.3 API had no uris
  // and increment_index has no meaning here (the index is always maintained).
  return {
    ids: wrapStrings(first),
    embeddings: wrapEmbeddings(rest[0]),
    metadatas: wrapMetadatas(rest[1]),
    documents: wrapStrings(rest[2]),
    uris: undefined
  }
}

function efConfigOf(ef: EmbeddingFunction): EmbeddingFunctionConfig {
  const candidate = ef as Partial<EmbeddingFunction>
  if (typeof candidate.name !== 'string' || typeof candidate.getConfig !== 'function') return { type: 'legacy' }
  return { type: 'known', name: candidate.name, config: candidate.getConfig() }
}

// ---- collection -------------------------------------------------------------------------------

export class Collection {
  readonly id: string
  name: string
  metadata: Metadata | null
  configuration: CollectionConfiguration
  /** Chroma 1.5's index schema given at creation (docs/chroma-1.5.md), or null. */
  readonly schema: CollectionSchema | null
  readonly tenant: string
  readonly database: string
  embeddingFunction: EmbeddingFunction | null

  constructor(
    private readonly db: ChromaDatabase,
    model: CollectionModel,
    embeddingFunction: EmbeddingFunction | null
  ) {
    this.id = model.id
    this.name = model.name
    this.metadata = model.metadata
    this.configuration = model.configuration_json
    this.schema = model.schema
    this.tenant = model.tenant
    this.database = model.database
    this.embeddingFunction = embeddingFunction
  }

  private async embed(texts: unknown, what: string): Promise<number[][]> {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
      throw new InvalidArgumentError(`Expected ${what} to be a list of strings`)
    }
    if (!this.embeddingFunction) {
      throw new InvalidArgumentError('Embedding function must be defined for operations requiring embeddings.')
    }
    return this.embeddingFunction.generate(texts as string[])
  }

  /** Embeddings from the arguments, or generated from the documents. */
  private async resolveEmbeddings(a: RecordSetArgs, required: boolean): Promise<unknown> {
    if (a.embeddings != null) return a.embeddings
    if (a.documents == null) {
      if (required) throw new InvalidArgumentError('embeddings and documents cannot both be undefined')
      return undefined
    }
    return this.embedDocuments(a.documents, !required)
  }

  /**
   * The embeddings of a write's documents, with the collection's function. `partial` (update): a null
   * document gets a null embedding (the record keeps its own); otherwise every entry must be a string.
   * Chroma's REST API on this server uses it too, for writes that carry documents only (decision 0121).
   */
  async embedDocuments(documents: unknown, partial = false): Promise<(number[] | null)[]> {
    if (partial && Array.isArray(documents) && documents.some((d) => d == null)) {
      const present = documents.filter((d): d is string => typeof d === 'string')
      const vectors = await this.embed(present, 'documents')
      let k = 0
      return documents.map((d) => (typeof d === 'string' ? (vectors[k++] ?? null) : null))
    }
    return this.embed(documents, 'documents')
  }

  /** Query texts as vectors, with the collection's function (the REST API's query_texts too). */
  async embedQueryTexts(texts: unknown): Promise<number[][]> {
    return this.embed(texts, 'query texts')
  }

  async count(): Promise<number> {
    return this.db.readDurable(() => this.db.count(this.id))
  }

  /**
   * Runs a write once the index has room for it, awaiting the index worker instead of blocking on it
   * or being refused as busy (decision 0050: the backpressure of in-process callers).
   */
  private write<T>(run: () => T): Promise<T> {
    return this.db.writeWhenRoom(this.id, run)
  }

  /** add({ ids, embeddings?, metadatas?, documents?, uris? }) or add(ids, embeddings?, metadatas?, documents?). */
  async add(idsOrArgs: unknown, ...rest: unknown[]): Promise<void> {
    const r = await this.recordsWithEmbeddings(idsOrArgs, rest)
    await this.db.addWhenRoom(this.id, { ...r, metadatas: asOptional<(Metadata | null)[]>(r.metadatas) })
  }

  /** upsert({ ids, embeddings?, metadatas?, documents?, uris? }) or upsert(ids, embeddings?, metadatas?, documents?). */
  async upsert(idsOrArgs: unknown, ...rest: unknown[]): Promise<void> {
    const r = await this.recordsWithEmbeddings(idsOrArgs, rest)
    await this.write(() =>
      this.db.upsert(this.id, { ...r, metadatas: asOptional<(UpdateMetadata | null)[]>(r.metadatas) })
    )
  }

  /** add and upsert: the record set with its embeddings (given, or computed from the documents). */
  private async recordsWithEmbeddings(
    idsOrArgs: unknown,
    rest: unknown[]
  ): Promise<{
    ids: string[]
    embeddings: EmbeddingInput[]
    metadatas: unknown
    documents?: (string | null)[]
    uris?: (string | null)[]
  }> {
    const a = recordSetArgs(idsOrArgs, rest)
    const embeddings = await this.resolveEmbeddings(a, true)
    return {
      ids: a.ids as string[],
      embeddings: embeddings as EmbeddingInput[],
      metadatas: a.metadatas,
      documents: asOptional<(string | null)[]>(a.documents),
      uris: asOptional<(string | null)[]>(a.uris)
    }
  }

  /** update({ ids, embeddings?, metadatas?, documents?, uris? }) or update(ids, embeddings?, metadatas?, documents?). */
  async update(idsOrArgs: unknown, ...rest: unknown[]): Promise<void> {
    const a = recordSetArgs(idsOrArgs, rest)
    if (a.embeddings == null && a.documents == null && a.metadatas == null && a.uris == null) {
      throw new InvalidArgumentError('embeddings, documents, and metadatas cannot all be undefined')
    }
    const embeddings = await this.resolveEmbeddings(a, false)
    await this.write(() =>
      this.db.update(this.id, {
        ids: a.ids as string[],
        embeddings: asOptional<(EmbeddingInput | null)[]>(embeddings),
        metadatas: asOptional<(UpdateMetadata | null)[]>(a.metadatas),
        documents: asOptional<(string | null)[]>(a.documents),
        uris: asOptional<(string | null)[]>(a.uris)
      })
    )
  }

  /**
   * get({ ids, where, whereDocument, limit, offset, include }) or
   * get(ids?, where?, limit?, offset?, include?, where_document?).
   */
  async get(idsOrArgs?: unknown, ...rest: unknown[]): Promise<GetResult> {
    const a = getArgs(idsOrArgs, rest)
    return this.db.readDurable(() =>
      this.db.get(this.id, {
        ...recordFilter(a),
        limit: pick(a, 'limit') as number | undefined,
        offset: pick(a, 'offset') as number | undefined,
        include: pick(a, 'include') as IncludeField[] | undefined
      })
    )
  }

  /** peek({ limit }) or peek(limit): the first records in insertion order (default 10). */
  async peek(limitOrArgs?: unknown): Promise<GetResult> {
    const limit = peekLimit(limitOrArgs)
    return this.db.readDurable(() => this.db.get(this.id, { limit: (limit ?? 10) as number }))
  }

  /**
   * query({ queryEmbeddings | queryTexts, nResults, where, whereDocument, include, ids }) or
   * query(query_embeddings, n_results?, where?, query_text?, where_document?, include?).
   */
  async query(embeddingsOrArgs?: unknown, ...rest: unknown[]): Promise<QueryResult> {
    const a = queryArgs(embeddingsOrArgs, rest)
    let embeddings = wrapEmbeddings(pick(a, 'queryEmbeddings', 'query_embeddings'))
    if (embeddings == null) {
      const texts = wrapStrings(pick(a, 'queryTexts', 'query_texts'))
      if (texts == null) throw new InvalidArgumentError('Either queryEmbeddings or queryTexts must be provided')
      embeddings = await this.embedQueryTexts(texts)
    }
    const request = {
      query_embeddings: embeddings as EmbeddingInput[],
      n_results: pick(a, 'nResults', 'n_results') as number | undefined,
      ...recordFilter(a),
      // The official JS client sends this default (the order is echoed back in `include`).
      include: (pick(a, 'include') as IncludeField[] | undefined) ?? ['metadatas', 'documents', 'distances']
    }
    return this.db.queryWhenAnswerable(this.id, request)
  }

  /**
   * search(payload | payload[]): Chroma 1.5's search API (docs/search-api.md). A payload is the wire
   * JSON ({ filter, rank, group_by, limit, select }) or anything with toPayload(), such as the
   * official client's Search builder. Text Knn queries are embedded with the embedding function.
   */
  async search(searches: unknown): Promise<SearchResponse> {
    const list = (Array.isArray(searches) ? searches : [searches]).map((s) =>
      isPlainObject(s) || s === null || typeof (s as { toPayload?: unknown }).toPayload !== 'function'
        ? s
        : (s as { toPayload(): unknown }).toPayload()
    )
    const embedded = await Promise.all(list.map((p) => this.embedTextKnn(p)))
    return this.db.readWhenAnswerable(() => this.db.search(this.id, embedded))
  }

  /** A copy of a payload part whose `$knn` string queries are replaced by their embeddings. */
  private async embedTextKnn(v: unknown): Promise<unknown> {
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.embedTextKnn(x)))
    if (!isPlainObject(v)) return v
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      // Only the dense key's text is embedded here; a sparse key's text needs its sparse function.
      if (k === '$knn' && isPlainObject(x) && typeof x.query === 'string' && (x.key ?? '#embedding') === '#embedding') {
        const [vector] = await this.embed([x.query], 'Knn query text')
        out[k] = { ...x, query: vector }
      } else {
        out[k] = await this.embedTextKnn(x)
      }
    }
    return out
  }

  /** delete({ ids, where, whereDocument, limit }) or delete(ids?, where?, where_document?). */
  async delete(idsOrArgs?: unknown, ...rest: unknown[]): Promise<DeleteResult> {
    const a = deleteArgs(idsOrArgs, rest)
    return this.write(() =>
      this.db.delete(this.id, {
        ...recordFilter(a),
        limit: pick(a, 'limit') as number | undefined
      })
    )
  }

  /**
   * modify({ name, metadata, configuration }) or modify(name?, metadata?). Metadata replaces the
   * collection's metadata; configuration merges (hnsw.ef_search etc.).
   */
  async modify(nameOrArgs?: unknown, metadata?: unknown): Promise<void> {
    const a = modifyArgs(nameOrArgs, metadata)
    let configuration = a.configuration as Args | undefined
    let newEf: EmbeddingFunction | undefined
    if (isPlainObject(configuration) && configuration.embeddingFunction !== undefined) {
      newEf = configuration.embeddingFunction as EmbeddingFunction
      const { embeddingFunction: _ef, ...restCfg } = configuration
      configuration = { ...restCfg, embedding_function: efConfigOf(newEf) }
    }
    const model = await this.write(() =>
      this.db.updateCollection(this.id, {
        new_name: a.name as string | undefined,
        new_metadata: a.metadata as UpdateMetadata | undefined,
        new_configuration: configuration as CollectionConfigurationInput | undefined
      })
    )
    this.name = model.name
    this.metadata = model.metadata
    this.configuration = model.configuration_json
    if (newEf) this.embeddingFunction = newEf
  }

  /** Chroma 1.5's getIndexingStatus(): how many of this collection's writes the vector index covers. */
  async getIndexingStatus(): Promise<IndexingStatus> {
    return this.db.indexingStatus(this.id)
  }

  /** Builds the vector index now and (persistent mode) writes its snapshot. */
  async createIndex(): Promise<boolean> {
    await this.write(() => this.db.createIndex(this.id))
    await this.db.settleIndexes()
    return true
  }
}

// ---- clients ----------------------------------------------------------------------------------

abstract class BaseClient {
  readonly tenant: string
  readonly database: string
  /** The database layer, for callers that speak the normalized requests (REST server). */
  readonly db: ChromaDatabase
  private readonly embeddingOptions: EmbeddingRuntimeOptions
  // Embedding functions this client created (closed with the client; user-supplied ones are not).
  private readonly ownedEfs = new Set<EmbeddingFunction>()
  private readonly efCache = new Map<string, EmbeddingFunction>()

  protected constructor(dbOptions: DatabaseOptions, opts: ClientOptions) {
    this.tenant = opts.tenant ?? DEFAULT_TENANT
    this.database = opts.database ?? DEFAULT_DATABASE
    this.embeddingOptions = opts.embeddingOptions ?? {}
    this.db = new ChromaDatabase(dbOptions)
  }

  protected get scope(): Scope {
    return { tenant: this.tenant, database: this.database }
  }

  async heartbeat(): Promise<number> {
    return this.db.heartbeat()
  }

  async version(): Promise<string> {
    return this.db.version()
  }

  async getPreflightChecks(): Promise<PreflightChecks> {
    return this.db.preflightChecks()
  }

  async getMaxBatchSize(): Promise<number> {
    return this.db.preflightChecks().max_batch_size
  }

  async reset(): Promise<boolean> {
    return this.db.reset()
  }

  /** Writes index snapshots (persistent mode), closes SQLite and the embedding functions it made. */
  async close(): Promise<void> {
    await this.db.closeAsync()
    const efs = [...this.ownedEfs]
    this.ownedEfs.clear()
    this.efCache.clear()
    for (const ef of efs) {
      const closable = ef as EmbeddingFunction & { close?: () => Promise<void> }
      if (typeof closable.close === 'function') await closable.close()
    }
  }

  /**
   * The embedding function a stored configuration names (null for none, legacy or unknown), shared
   * with this client's collections: a re-embed uses it for its target model.
   */
  embeddingFunctionFor(cfg: EmbeddingFunctionConfig | null): EmbeddingFunction | null {
    return this.efFromConfig(cfg)
  }

  /** Rebuilt functions are shared per configuration, so reopening collections loads no second model. */
  private efFromConfig(cfg: EmbeddingFunctionConfig | null): EmbeddingFunction | null {
    if (!cfg || cfg.type !== 'known' || !cfg.name) return null
    const factory = efRegistry.get(cfg.name)
    if (factory) return factory(cfg.config ?? {})
    const key = JSON.stringify([cfg.name, cfg.config ?? {}])
    const cached = this.efCache.get(key)
    if (cached) return cached
    const ef = embeddingFunctionFromConfig(cfg, this.embeddingOptions)
    if (ef) {
      this.ownedEfs.add(ef)
      this.efCache.set(key, ef)
    }
    return ef
  }

  private collectionFrom(model: CollectionModel, ef: EmbeddingFunction | null | undefined): Collection {
    const resolved = ef ?? this.efFromConfig(model.configuration_json.embedding_function)
    return new Collection(this.db, model, resolved)
  }

  /** Normalizes createCollection/getOrCreateCollection arguments (object or positional). */
  private createArgs(
    nameOrArgs: unknown,
    metadata: unknown,
    ef: unknown
  ): {
    name: unknown
    metadata: unknown
    configuration: Args
    schema: unknown
    ef: EmbeddingFunction | null | undefined
  } {
    const a = createCollectionArgs(nameOrArgs, metadata, ef)
    const efArg = a.embeddingFunction as EmbeddingFunction | null | undefined
    const configuration: Args = isPlainObject(a.configuration) ? { ...a.configuration } : {}
    // Chroma's JS client accepts the function in configuration.embeddingFunction as well.
    const cfgEf = configuration.embeddingFunction as EmbeddingFunction | undefined
    delete configuration.embeddingFunction
    const given = efArg ?? cfgEf
    if (configuration.embedding_function === undefined) {
      if (given) configuration.embedding_function = efConfigOf(given)
      else configuration.embedding_function = efArg === null ? null : DEFAULT_EF_CONFIG
    }
    // `schema`: its JSON, or a Schema object of Chroma's JS client (serialized as that client sends it).
    const raw = isPlainObject(nameOrArgs) ? nameOrArgs.schema : undefined
    const toJson = (raw as { serializeToJSON?: unknown } | null | undefined)?.serializeToJSON
    const schema = typeof toJson === 'function' ? (toJson as () => unknown).call(raw) : raw
    return {
      name: a.name,
      metadata: a.metadata,
      configuration,
      schema,
      ef: given ?? (efArg === null ? null : undefined)
    }
  }

  /** createCollection({ name, metadata?, configuration?, embeddingFunction? }) or createCollection(name, metadata?, ef?). */
  async createCollection(nameOrArgs: unknown, metadata?: unknown, embeddingFunction?: unknown): Promise<Collection> {
    const a = this.createArgs(nameOrArgs, metadata, embeddingFunction)
    const model = this.db.createCollection(this.scope, {
      name: a.name as string,
      metadata: a.metadata as Metadata | undefined,
      configuration: a.configuration as CollectionConfigurationInput,
      schema: a.schema
    })
    return this.collectionFrom(model, a.ef)
  }

  /** getOrCreateCollection(...): the existing collection unchanged, or a new one. */
  async getOrCreateCollection(
    nameOrArgs: unknown,
    metadata?: unknown,
    embeddingFunction?: unknown
  ): Promise<Collection> {
    const a = this.createArgs(nameOrArgs, metadata, embeddingFunction)
    const model = this.db.createCollection(this.scope, {
      name: a.name as string,
      metadata: a.metadata as Metadata | undefined,
      configuration: a.configuration as CollectionConfigurationInput,
      schema: a.schema,
      get_or_create: true
    })
    return this.collectionFrom(model, a.ef)
  }

  /** getCollection({ name, embeddingFunction? }) or getCollection(name, ef?). */
  async getCollection(nameOrArgs: unknown, embeddingFunction?: unknown): Promise<Collection> {
    const a = getCollectionArgs(nameOrArgs, embeddingFunction)
    const model = this.db.getCollection(this.scope, a.name as string)
    return this.collectionFrom(model, a.embeddingFunction as EmbeddingFunction | undefined)
  }

  /** A collection by its UUID. */
  async getCollectionById(id: string, embeddingFunction?: EmbeddingFunction): Promise<Collection> {
    return this.collectionFrom(this.db.getCollectionById(id), embeddingFunction)
  }

  /** listCollections({ limit, offset }): Collection objects ordered by id. */
  async listCollections(args?: { limit?: number; offset?: number }): Promise<Collection[]> {
    return this.db.listCollections(this.scope, args?.limit, args?.offset).map((m) => this.collectionFrom(m, undefined))
  }

  async countCollections(): Promise<number> {
    return this.db.countCollections(this.scope)
  }

  /** deleteCollection({ name }) or deleteCollection(name). */
  async deleteCollection(nameOrArgs: unknown): Promise<void> {
    const name = nameOf(nameOrArgs)
    this.db.deleteCollection(this.scope, name as string)
  }

  // tenants and databases (v3 object args; a bare name is accepted too)

  async createTenant(nameOrArgs: unknown): Promise<void> {
    this.db.createTenant(nameOf(nameOrArgs))
  }

  async getTenant(nameOrArgs: unknown): Promise<TenantModel> {
    return this.db.getTenant(nameOf(nameOrArgs) as string)
  }

  async createDatabase(nameOrArgs: unknown, tenant?: string): Promise<void> {
    const a = databaseArgs(nameOrArgs, tenant)
    this.db.createDatabase((a.tenant as string | undefined) ?? this.tenant, a.name)
  }

  async getDatabase(nameOrArgs: unknown, tenant?: string): Promise<DatabaseModel> {
    const a = databaseArgs(nameOrArgs, tenant)
    return this.db.getDatabase((a.tenant as string | undefined) ?? this.tenant, a.name as string)
  }

  async listDatabases(args?: { tenant?: string; limit?: number; offset?: number }): Promise<DatabaseModel[]> {
    return this.db.listDatabases(args?.tenant ?? this.tenant, args?.limit, args?.offset)
  }

  async deleteDatabase(nameOrArgs: unknown, tenant?: string): Promise<void> {
    const a = databaseArgs(nameOrArgs, tenant)
    this.db.deleteDatabase((a.tenant as string | undefined) ?? this.tenant, a.name as string)
  }
}

/** In-memory engine: everything is lost on close(). */
export class EphemeralClient extends BaseClient {
  constructor(opts: ClientOptions = {}) {
    super({ path: null, allowReset: opts.allowReset ?? false }, opts)
  }
}

/** Engine stored in `path` (chromadesk.sqlite3 + index/ snapshots). Call close() to flush. */
export class PersistentClient extends BaseClient {
  readonly path: string
  constructor(opts: PersistentClientOptions) {
    if (!opts || typeof opts.path !== 'string' || opts.path.length === 0) {
      throw new InvalidArgumentError('PersistentClient requires a path')
    }
    super({ path: opts.path, allowReset: opts.allowReset ?? false }, opts)
    this.path = opts.path
  }
}
