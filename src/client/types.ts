// Shapes the HTTP client exchanges with a Chroma server (v2 JSON, snake_case as on the wire).

export type MetadataValue = string | number | boolean | string[] | number[] | boolean[] | null
export type Metadata = Record<string, MetadataValue>
export type Embedding = number[]
export type IncludeField = 'documents' | 'embeddings' | 'metadatas' | 'distances' | 'uris'
export type Where = Record<string, unknown>
export type WhereDocument = Record<string, unknown>

/** What the 0.3 API calls a `CallableFunction`; newer clients add `name`/`getConfig` (stored as "known"). */
export interface EmbeddingFunction {
  generate(texts: string[]): Promise<number[][]>
  name?: string
  getConfig?(): Record<string, unknown>
}

export interface CollectionModel {
  id: string
  name: string
  metadata: Metadata | null
  configuration_json?: Record<string, unknown> | null
  dimension?: number | null
  tenant?: string
  database?: string
}

export interface GetResult {
  ids: string[]
  embeddings: Embedding[] | null
  documents: (string | null)[] | null
  metadatas: (Metadata | null)[] | null
  uris: (string | null)[] | null
  include: IncludeField[]
}

export interface QueryResult {
  ids: string[][]
  embeddings: Embedding[][] | null
  documents: (string | null)[][] | null
  metadatas: (Metadata | null)[][] | null
  uris: (string | null)[][] | null
  distances: number[][] | null
  include: IncludeField[]
}

export interface DeleteResult {
  deleted?: number
}

export interface TenantModel {
  name: string
}

export interface DatabaseModel {
  id: string
  name: string
  tenant: string
}

export interface PreflightChecks {
  max_batch_size: number
  supports_base64_encoding?: boolean
}

export interface ChromaClientOptions {
  /** Server URL, e.g. `http://localhost:8000` (default). */
  path?: string
  /** Alternative to `path`: `http(s)://host:port`. */
  host?: string
  port?: number
  ssl?: boolean
  tenant?: string
  database?: string
  /** Extra headers on every request (e.g. `Authorization`). */
  headers?: Record<string, string>
  /** Sent as `x-chroma-token`. */
  token?: string
  /** Passed to `fetch` (e.g. `signal`). */
  fetchOptions?: RequestInit
}
