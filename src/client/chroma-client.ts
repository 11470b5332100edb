// A Chroma HTTP client with the 0.3 JavaScript API (positional arguments: `add(ids, embeddings,
// metadatas, documents)`, `new ChromaClient('http://host:8000')`) and the object-style arguments of
// the newer clients (`add({ ids, embeddings })`, `new ChromaClient({ path })`). It speaks the v2 HTTP
// API, so it works against this package's server and against Chroma >= 1.0 (which has no v1).
// Only global `fetch`: no engine, no native modules.
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
} from '../shared/collection-args.js'
import { ChromaConnectionError, ChromaValueError, errorFromResponse } from './errors.js'
import type {
  ChromaClientOptions,
  CollectionModel,
  DatabaseModel,
  DeleteResult,
  EmbeddingFunction,
  GetResult,
  IncludeField,
  Metadata,
  PreflightChecks,
  QueryResult,
  TenantModel,
  Where,
  WhereDocument
} from './types.js'

const DEFAULT_PATH = 'http://localhost:8000'
const DEFAULT_TENANT = 'default_tenant'
const DEFAULT_DATABASE = 'default_database'
const QUERY_INCLUDE_DEFAULT: IncludeField[] = ['metadatas', 'documents', 'distances']

function isVector(v: unknown): boolean {
  return ArrayBuffer.isView(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'))
}

/** [1, 2, 3] -> [[1, 2, 3]]; typed arrays become plain arrays (JSON would turn them into objects). */
function wrapEmbeddings(v: unknown): number[][] | undefined {
  if (v == null) return undefined
  const list = isVector(v) ? [v] : v
  if (!Array.isArray(list)) throw new ChromaValueError('Expected embeddings to be an array of number arrays')
  return list.map((e) => (ArrayBuffer.isView(e) ? Array.from(e as unknown as ArrayLike<number>) : (e as number[])))
}

function efConfig(ef: EmbeddingFunction): Record<string, unknown> {
  if (typeof ef.name === 'string' && typeof ef.getConfig === 'function') {
    return { type: 'known', name: ef.name, config: ef.getConfig() }
  }
  return { type: 'legacy' }
}

interface RecordSet {
  ids: string[]
  embeddings?: number[][]
  metadatas?: unknown[]
  documents?: unknown[]
  uris?: unknown[]
}

/** Thin transport: JSON in and out, Chroma's error classes on failure. */
class Transport {
  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string>,
    private readonly fetchOptions: RequestInit
  ) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    query?: Record<string, string | number | undefined>
  ): Promise<T> {
    let url = `${this.baseUrl}${path}`
    if (query) {
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
      const qs = params.toString()
      if (qs) url += `?${qs}`
    }
    const headers: Record<string, string> = { ...this.headers }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(url, {
        ...this.fetchOptions,
        method,
        headers: { ...(this.fetchOptions.headers as Record<string, string> | undefined), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    } catch (e) {
      throw new ChromaConnectionError(
        `Failed to connect to chromadb at ${this.baseUrl}. Make sure your server is running and try again. (${(e as Error).message})`
      )
    }
    const text = await res.text()
    let parsed: unknown = undefined
    if (text !== '') {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text
      }
    }
    if (!res.ok) throw errorFromResponse(res.status, res.statusText, parsed)
    return parsed as T
  }
}

export class Collection {
  readonly id: string
  name: string
  metadata: Metadata | null
  readonly tenant: string
  readonly database: string
  configuration: Record<string, unknown> | null
  embeddingFunction: EmbeddingFunction | undefined

  /** @internal created by ChromaClient */
  constructor(
    private readonly api: Transport,
    private readonly scopePath: string,
    model: CollectionModel,
    embeddingFunction: EmbeddingFunction | undefined
  ) {
    this.id = model.id
    this.name = model.name
    this.metadata = model.metadata ?? null
    this.tenant = model.tenant ?? DEFAULT_TENANT
    this.database = model.database ?? DEFAULT_DATABASE
    this.configuration = model.configuration_json ?? null
    this.embeddingFunction = embeddingFunction
  }

  private get path(): string {
    return `${this.scopePath}/collections/${encodeURIComponent(this.id)}`
  }

  private async embed(texts: unknown): Promise<number[][]> {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
      throw new ChromaValueError('Expected documents to be a list of strings')
    }
    if (!this.embeddingFunction) {
      throw new ChromaValueError('embeddingFunction is undefined. Please configure an embedding function')
    }
    return this.embeddingFunction.generate(texts as string[])
  }

  /** Positional `(ids, embeddings?, metadatas?, documents?)` or `{ ids, embeddings, metadatas, documents, uris }`. */
  private recordSet(first: unknown, rest: unknown[]): { set: RecordSet; documents: unknown } {
    const a: Args = isArgs(first)
      ? first
      : // The 0.3 API's fifth positional argument is increment_index, which v2 has no use for.
        { ids: first, embeddings: rest[0], metadatas: rest[1], documents: rest[2] }
    const ids = wrapStrings(a.ids)
    if (!Array.isArray(ids)) throw new ChromaValueError('Expected ids to be a string or an array of strings')
    const documents = wrapStrings(a.documents)
    const set: RecordSet = { ids: ids as string[] }
    const embeddings = wrapEmbeddings(a.embeddings)
    if (embeddings) set.embeddings = embeddings
    const metadatas = wrapMetadatas(a.metadatas)
    if (metadatas != null) set.metadatas = metadatas as unknown[]
    if (documents != null) set.documents = documents as unknown[]
    const uris = wrapStrings(a.uris)
    if (uris != null) set.uris = uris as unknown[]
    return { set, documents }
  }

  private checkLengths(set: RecordSet): void {
    const n = set.ids.length
    for (const list of [set.embeddings, set.metadatas, set.documents, set.uris]) {
      if (list !== undefined && list.length !== n) {
        throw new ChromaValueError('ids, embeddings, metadatas, and documents must all be the same length')
      }
    }
  }

  /** add/upsert: embeddings given, or computed from the documents. */
  private async withEmbeddings(first: unknown, rest: unknown[]): Promise<RecordSet> {
    const { set, documents } = this.recordSet(first, rest)
    if (!set.embeddings) {
      if (documents == null) throw new ChromaValueError('embeddings and documents cannot both be undefined')
      set.embeddings = await this.embed(documents)
    }
    this.checkLengths(set)
    return set
  }

  /** add(ids, embeddings?, metadatas?, documents?) or add({ ids, embeddings, metadatas, documents, uris }). */
  async add(idsOrArgs: unknown, ...rest: unknown[]): Promise<void> {
    const set = await this.withEmbeddings(idsOrArgs, rest)
    await this.api.request('POST', `${this.path}/add`, set)
  }

  /** upsert(ids, embeddings?, metadatas?, documents?) or upsert({ ... }): insert or update. */
  async upsert(idsOrArgs: unknown, ...rest: unknown[]): Promise<void> {
    const set = await this.withEmbeddings(idsOrArgs, rest)
    await this.api.request('POST', `${this.path}/upsert`, set)
  }

  /** update(ids, embeddings?, metadatas?, documents?) or update({ ... }): existing ids only. */
  async update(idsOrArgs: unknown, ...rest: unknown[]): Promise<void> {
    const { set, documents } = this.recordSet(idsOrArgs, rest)
    if (!set.embeddings && set.documents === undefined && set.metadatas === undefined && set.uris === undefined) {
      throw new ChromaValueError('embeddings, documents, and metadatas cannot all be undefined')
    }
    if (!set.embeddings && documents != null) set.embeddings = await this.embed(documents)
    this.checkLengths(set)
    await this.api.request('POST', `${this.path}/update`, set)
  }

  async count(): Promise<number> {
    return this.api.request<number>('GET', `${this.path}/count`)
  }

  /** modify(name?, metadata?) or modify({ name, metadata, configuration }). Metadata replaces the old one. */
  async modify(nameOrArgs?: unknown, metadata?: unknown): Promise<void> {
    const a = modifyArgs(nameOrArgs, metadata)
    const body: Args = {}
    if (a.name != null) body.new_name = a.name
    if (a.metadata != null) body.new_metadata = a.metadata
    if (a.configuration != null) body.new_configuration = a.configuration
    await this.api.request('PUT', this.path, body)
    if (typeof a.name === 'string') this.name = a.name
    if (a.metadata != null) this.metadata = a.metadata as Metadata
  }

  /** get(ids?, where?, limit?, offset?, include?, where_document?) or get({ ids, where, limit, offset, include, whereDocument }). */
  async get(idsOrArgs?: unknown, ...rest: unknown[]): Promise<GetResult> {
    const a = getArgs(idsOrArgs, rest)
    const body: Args = {}
    const ids = wrapStrings(a.ids)
    if (ids != null) body.ids = ids
    if (a.where != null) body.where = a.where as Where
    const whereDocument = pick(a, 'whereDocument', 'where_document')
    if (whereDocument != null) body.where_document = whereDocument as WhereDocument
    if (a.limit != null) body.limit = a.limit
    if (a.offset != null) body.offset = a.offset
    if (a.include != null) body.include = a.include
    return this.api.request<GetResult>('POST', `${this.path}/get`, body)
  }

  /** peek(limit = 10) or peek({ limit }): the first records. */
  async peek(limitOrArgs?: unknown): Promise<GetResult> {
    const limit = peekLimit(limitOrArgs)
    return this.api.request<GetResult>('POST', `${this.path}/get`, { limit: limit ?? 10 })
  }

  /**
   * query(query_embeddings, n_results = 10, where?, query_text?, where_document?, include?) or
   * query({ queryEmbeddings | queryTexts, nResults, where, whereDocument, include, ids }).
   */
  async query(embeddingsOrArgs?: unknown, ...rest: unknown[]): Promise<QueryResult> {
    const a = queryArgs(embeddingsOrArgs, rest)
    let embeddings = wrapEmbeddings(pick(a, 'queryEmbeddings', 'query_embeddings'))
    if (!embeddings) {
      const texts = wrapStrings(pick(a, 'queryTexts', 'query_texts') ?? a.query_text)
      if (texts == null) throw new ChromaValueError('query_embeddings and query_text cannot both be undefined')
      embeddings = await this.embed(texts)
    }
    const body: Args = {
      query_embeddings: embeddings,
      n_results: pick(a, 'nResults', 'n_results') ?? 10,
      include: a.include ?? QUERY_INCLUDE_DEFAULT
    }
    if (a.where != null) body.where = a.where
    const whereDocument = pick(a, 'whereDocument', 'where_document')
    if (whereDocument != null) body.where_document = whereDocument
    const ids = wrapStrings(a.ids)
    if (ids != null) body.ids = ids
    return this.api.request<QueryResult>('POST', `${this.path}/query`, body)
  }

  /**
   * delete(ids?, where?, where_document?) or delete({ ids, where, whereDocument, limit }).
   * With no argument at all every record is deleted (the 0.3 API's "delete all items").
   */
  async delete(idsOrArgs?: unknown, ...rest: unknown[]): Promise<DeleteResult> {
    const a = deleteArgs(idsOrArgs, rest)
    const body: Args = {}
    let ids = wrapStrings(a.ids)
    const whereDocument = pick(a, 'whereDocument', 'where_document')
    if (ids == null && a.where == null && whereDocument == null) {
      // v2 servers treat an empty delete as a no-op; the 0.3 API deleted everything.
      ids = (await this.get({ include: [] })).ids
      if ((ids as string[]).length === 0) return { deleted: 0 }
    }
    if (ids != null) body.ids = ids
    if (a.where != null) body.where = a.where
    if (whereDocument != null) body.where_document = whereDocument
    if (a.limit != null) body.limit = a.limit
    return (await this.api.request<DeleteResult | null>('POST', `${this.path}/delete`, body)) ?? {}
  }

  /**
   * The 0.3 API's "build the index now". v2 servers index every write as it happens, so this only
   * checks that the collection still exists.
   */
  async createIndex(): Promise<boolean> {
    await this.count()
    return true
  }
}

export class ChromaClient {
  readonly path: string
  readonly tenant: string
  readonly database: string
  private readonly api: Transport

  /** `new ChromaClient('http://localhost:8000')`, `new ChromaClient({ path })` or `new ChromaClient({ host, port, ssl })`. */
  constructor(pathOrOptions?: string | ChromaClientOptions) {
    const opts: ChromaClientOptions =
      typeof pathOrOptions === 'string' ? { path: pathOrOptions } : (pathOrOptions ?? {})
    let path = opts.path
    if (!path && opts.host) {
      const scheme = opts.ssl ? 'https' : 'http'
      path = `${scheme}://${opts.host}${opts.port !== undefined ? `:${opts.port}` : ''}`
    }
    this.path = (path ?? DEFAULT_PATH).replace(/\/+$/, '')
    this.tenant = opts.tenant ?? DEFAULT_TENANT
    this.database = opts.database ?? DEFAULT_DATABASE
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers['x-chroma-token'] = opts.token
    this.api = new Transport(this.path, headers, opts.fetchOptions ?? {})
  }

  private get scopePath(): string {
    return `/api/v2/tenants/${encodeURIComponent(this.tenant)}/databases/${encodeURIComponent(this.database)}`
  }

  private collection(model: CollectionModel, ef: EmbeddingFunction | undefined): Collection {
    return new Collection(this.api, this.scopePath, model, ef)
  }

  /** Server time in nanoseconds. */
  async heartbeat(): Promise<number> {
    const body = await this.api.request<{ 'nanosecond heartbeat': number }>('GET', '/api/v2/heartbeat')
    return body['nanosecond heartbeat']
  }

  async version(): Promise<string> {
    return this.api.request<string>('GET', '/api/v2/version')
  }

  /** Deletes everything (the server must allow reset). */
  async reset(): Promise<boolean> {
    return this.api.request<boolean>('POST', '/api/v2/reset')
  }

  async getPreflightChecks(): Promise<PreflightChecks> {
    return this.api.request<PreflightChecks>('GET', '/api/v2/pre-flight-checks')
  }

  async getMaxBatchSize(): Promise<number> {
    return (await this.getPreflightChecks()).max_batch_size
  }

  private createBody(
    nameOrArgs: unknown,
    metadata: unknown,
    ef: unknown,
    getOrCreate: boolean
  ): { body: Args; ef: EmbeddingFunction | undefined } {
    const a = createCollectionArgs(nameOrArgs, metadata, ef)
    const embeddingFunction = (a.embeddingFunction ?? undefined) as EmbeddingFunction | undefined
    const body: Args = { name: a.name, get_or_create: getOrCreate }
    if (a.metadata != null) body.metadata = a.metadata
    const configuration: Args = isArgs(a.configuration) ? { ...a.configuration } : {}
    if (embeddingFunction && configuration.embedding_function === undefined) {
      configuration.embedding_function = efConfig(embeddingFunction)
    }
    if (Object.keys(configuration).length > 0) body.configuration = configuration
    return { body, ef: embeddingFunction }
  }

  /** createCollection(name, metadata?, embeddingFunction?) or createCollection({ name, metadata, embeddingFunction, configuration }). */
  async createCollection(nameOrArgs: unknown, metadata?: unknown, embeddingFunction?: unknown): Promise<Collection> {
    const { body, ef } = this.createBody(nameOrArgs, metadata, embeddingFunction, false)
    const model = await this.api.request<CollectionModel>('POST', `${this.scopePath}/collections`, body)
    return this.collection(model, ef)
  }

  /** getOrCreateCollection(name, metadata?, embeddingFunction?) or the object form: an existing collection is returned unchanged. */
  async getOrCreateCollection(
    nameOrArgs: unknown,
    metadata?: unknown,
    embeddingFunction?: unknown
  ): Promise<Collection> {
    const { body, ef } = this.createBody(nameOrArgs, metadata, embeddingFunction, true)
    const model = await this.api.request<CollectionModel>('POST', `${this.scopePath}/collections`, body)
    return this.collection(model, ef)
  }

  /** getCollection(name, embeddingFunction?) or getCollection({ name, embeddingFunction }). */
  async getCollection(nameOrArgs: unknown, embeddingFunction?: EmbeddingFunction): Promise<Collection> {
    const a = getCollectionArgs(nameOrArgs, embeddingFunction)
    const name = String(a.name)
    const model = await this.api.request<CollectionModel>(
      'GET',
      `${this.scopePath}/collections/${encodeURIComponent(name)}`
    )
    return this.collection(model, (a.embeddingFunction ?? undefined) as EmbeddingFunction | undefined)
  }

  /** listCollections() or listCollections({ limit, offset }): Collection objects (name, id, metadata, ...). */
  async listCollections(args?: { limit?: number; offset?: number }): Promise<Collection[]> {
    const models = await this.api.request<CollectionModel[]>('GET', `${this.scopePath}/collections`, undefined, {
      limit: args?.limit,
      offset: args?.offset
    })
    return models.map((m) => this.collection(m, undefined))
  }

  async countCollections(): Promise<number> {
    return this.api.request<number>('GET', `${this.scopePath}/collections_count`)
  }

  /** deleteCollection(name) or deleteCollection({ name }). */
  async deleteCollection(nameOrArgs: unknown): Promise<void> {
    const name = String(nameOf(nameOrArgs))
    await this.api.request('DELETE', `${this.scopePath}/collections/${encodeURIComponent(name)}`)
  }

  // ---- tenants and databases (admin) ----------------------------------------------------------

  async createTenant(nameOrArgs: unknown): Promise<void> {
    await this.api.request('POST', '/api/v2/tenants', { name: nameOf(nameOrArgs) })
  }

  async getTenant(nameOrArgs: unknown): Promise<TenantModel> {
    const name = String(nameOf(nameOrArgs))
    return this.api.request<TenantModel>('GET', `/api/v2/tenants/${encodeURIComponent(name)}`)
  }

  async createDatabase(nameOrArgs: unknown, tenant?: string): Promise<void> {
    const a = databaseArgs(nameOrArgs, tenant)
    const t = String(a.tenant ?? this.tenant)
    await this.api.request('POST', `/api/v2/tenants/${encodeURIComponent(t)}/databases`, { name: a.name })
  }

  async getDatabase(nameOrArgs: unknown, tenant?: string): Promise<DatabaseModel> {
    const a = databaseArgs(nameOrArgs, tenant)
    const t = String(a.tenant ?? this.tenant)
    return this.api.request<DatabaseModel>(
      'GET',
      `/api/v2/tenants/${encodeURIComponent(t)}/databases/${encodeURIComponent(String(a.name))}`
    )
  }

  async listDatabases(args?: { tenant?: string; limit?: number; offset?: number }): Promise<DatabaseModel[]> {
    const t = args?.tenant ?? this.tenant
    return this.api.request<DatabaseModel[]>('GET', `/api/v2/tenants/${encodeURIComponent(t)}/databases`, undefined, {
      limit: args?.limit,
      offset: args?.offset
    })
  }

  async deleteDatabase(nameOrArgs: unknown, tenant?: string): Promise<void> {
    const a = databaseArgs(nameOrArgs, tenant)
    const t = String(a.tenant ?? this.tenant)
    await this.api.request(
      'DELETE',
      `/api/v2/tenants/${encodeURIComponent(t)}/databases/${encodeURIComponent(String(a.name))}`
    )
  }
}
