// Public types of the engine. The request types (`*Request`) are the single normalized shape that
// database.ts accepts: client.ts converts positional and object-style arguments into them, and the
// REST server can pass a v2 JSON body straight through (field names follow the v2 HTTP API, snake_case).
// database.ts validates every request at runtime, so callers may hand it untrusted JSON.

import type { CollectionSchema } from './collection-schema.js'

export type MetadataScalar = string | number | boolean
export type MetadataArray = string[] | number[] | boolean[]
/**
 * Chroma 1.5's sparse vector (a record metadata value; JSON adds `"#type": "sparse_vector"`): indices
 * strictly ascending, one value each. Searched by a sparse Knn (docs/search-api.md).
 */
export interface SparseVector {
  indices: number[]
  values: number[]
}
export type MetadataValue = MetadataScalar | MetadataArray | SparseVector
/** Record or collection metadata. Integers (Number.isInteger) are stored as int, others as float. */
export type Metadata = Record<string, MetadataValue>
/** Metadata in update/upsert: `null` deletes the key. */
export type UpdateMetadata = Record<string, MetadataValue | null>

export type Embedding = number[]
/** Anything indexable by position: number[], Float32Array (e.g. decoded base64), ... */
export type EmbeddingInput = ArrayLike<number>

export type IncludeField = 'documents' | 'embeddings' | 'metadatas' | 'distances' | 'uris'

// ---- filters ----------------------------------------------------------------------------------
export type WhereOperand = string | number | boolean
export type WhereOperator =
  | { $eq: WhereOperand }
  | { $ne: WhereOperand }
  | { $gt: number }
  | { $gte: number }
  | { $lt: number }
  | { $lte: number }
  | { $in: WhereOperand[] }
  | { $nin: WhereOperand[] }
  | { $contains: WhereOperand }
  | { $not_contains: WhereOperand }
export type WhereDocumentOperator =
  { $contains: string } | { $not_contains: string } | { $regex: string } | { $not_regex: string }
export type Where =
  | { $and: Where[] }
  | { $or: Where[] }
  | { [key: string]: WhereOperand | WhereOperator | WhereDocumentOperator | Where[] }
export type WhereDocument =
  | { $contains: string }
  | { $not_contains: string }
  | { $regex: string }
  | { $not_regex: string }
  | { $and: WhereDocument[] }
  | { $or: WhereDocument[] }

// ---- collection configuration ----------------------------------------------------------------
export type Space = 'l2' | 'ip' | 'cosine'

/** Stored embedding-function descriptor, as Chroma echoes it in configuration_json. */
export interface EmbeddingFunctionConfig {
  type: string // 'known' | 'legacy' | 'unknown'
  name?: string
  config?: Record<string, unknown>
}

/** `configuration.hnsw` in a create request (v2). Every field optional. */
export interface HnswConfigurationInput {
  space?: Space
  ef_construction?: number
  ef_search?: number
  max_neighbors?: number
  num_threads?: number
  resize_factor?: number
  sync_threshold?: number
  batch_size?: number
}

export interface CollectionConfigurationInput {
  hnsw?: HnswConfigurationInput | null
  spann?: Record<string, unknown> | null
  embedding_function?: EmbeddingFunctionConfig | null
}

/** `new_configuration` in a modify request: space and ef_construction cannot change. */
export interface UpdateCollectionConfigurationInput {
  hnsw?: Omit<HnswConfigurationInput, 'space' | 'ef_construction'> | null
  spann?: Record<string, unknown> | null
  embedding_function?: EmbeddingFunctionConfig | null
}

/** The returned `configuration_json` (v2 shape: always the three keys). */
export interface CollectionConfiguration {
  hnsw: {
    space: Space
    ef_construction: number
    ef_search: number
    max_neighbors: number
    resize_factor: number
    sync_threshold: number
  }
  spann: null
  embedding_function: EmbeddingFunctionConfig | null
}

/** A collection as the v2 API returns it. */
export interface CollectionModel {
  id: string
  name: string
  configuration_json: CollectionConfiguration
  /** The schema given at creation, as stored; null when none was. */
  schema: CollectionSchema | null
  metadata: Metadata | null
  dimension: number | null
  tenant: string
  database: string
  log_position: number
  version: number
}

export interface TenantModel {
  name: string
  resource_name: string | null
}

export interface DatabaseModel {
  id: string
  name: string
  tenant: string
}

// ---- normalized requests (database.ts input) -------------------------------------------------
export interface CreateCollectionRequest {
  name: string
  metadata?: Metadata | null
  configuration?: CollectionConfigurationInput | null
  get_or_create?: boolean
  /** Chroma 1.5's index schema (collection-schema.ts); checked by the engine. */
  schema?: unknown
}

export interface UpdateCollectionRequest {
  new_name?: string | null
  /** Replaces the whole collection metadata (null values are dropped). */
  new_metadata?: UpdateMetadata | null
  new_configuration?: UpdateCollectionConfigurationInput | null
}

export interface AddRequest {
  ids: string[]
  embeddings: EmbeddingInput[]
  metadatas?: (Metadata | null)[] | null
  documents?: (string | null)[] | null
  uris?: (string | null)[] | null
}

/** upsert: same as add; metadata null values delete keys of existing records. */
export interface UpsertRequest {
  ids: string[]
  embeddings: EmbeddingInput[]
  metadatas?: (UpdateMetadata | null)[] | null
  documents?: (string | null)[] | null
  uris?: (string | null)[] | null
}

/** update: every list optional; a null entry means "leave unchanged". */
export interface UpdateRequest {
  ids: string[]
  embeddings?: (EmbeddingInput | null)[] | null
  metadatas?: (UpdateMetadata | null)[] | null
  documents?: (string | null)[] | null
  uris?: (string | null)[] | null
}

export interface GetRequest {
  ids?: string[] | null
  where?: Where | null
  where_document?: WhereDocument | null
  limit?: number | null
  offset?: number | null
  /** Default ['documents', 'metadatas']. */
  include?: IncludeField[] | null
}

export interface QueryRequest {
  query_embeddings: EmbeddingInput[]
  /** Default 10. */
  n_results?: number | null
  ids?: string[] | null
  where?: Where | null
  where_document?: WhereDocument | null
  /** Default ['documents', 'metadatas', 'distances']. */
  include?: IncludeField[] | null
}

export interface DeleteRequest {
  ids?: string[] | null
  where?: Where | null
  where_document?: WhereDocument | null
  limit?: number | null
}

// ---- results (v2 JSON shape; every key present, null when not included) ---------------------
export interface GetResult {
  ids: string[]
  embeddings: Embedding[] | null
  documents: (string | null)[] | null
  uris: (string | null)[] | null
  metadatas: (Metadata | null)[] | null
  include: IncludeField[]
}

export interface QueryResult {
  ids: string[][]
  embeddings: Embedding[][] | null
  documents: (string | null)[][] | null
  uris: (string | null)[][] | null
  metadatas: (Metadata | null)[][] | null
  distances: number[][] | null
  include: IncludeField[]
}

export interface DeleteResult {
  deleted: number
}

/**
 * GET …/collections/{id}/indexing_status (Chroma 1.5). An op is one committed write call on the
 * collection (its sequence number); indexed ops are the prefix whose vectors the HNSW index holds.
 */
export interface IndexingStatus {
  num_indexed_ops: number
  num_unindexed_ops: number
  total_ops: number
  /** num_indexed_ops / total_ops; 1 when there are no ops. */
  op_indexing_progress: number
}

export interface PreflightChecks {
  max_batch_size: number
  supports_base64_encoding: boolean
}
