// Public surface of the engine: clients, the database layer, errors and types.
//
// Layers: client.ts (chromadb-style API, object or positional arguments, embedding functions) ->
// database.ts (normalized requests of types.ts, one SQLite transaction per call, drives the vector
// indexes) -> store/ (schema + migrations, records) and filters/ (where / where_document -> SQL).
// Known differences from Chroma: JS numbers carry no int/float distinction (Number.isInteger decides),
// $regex uses JS RegExp (see filters/regex.ts), and where Chroma 1.0 and later Chroma disagree the
// engine follows the later behaviour described in chroma-http-api.md sections 3-4.
export {
  Collection,
  EphemeralClient,
  PersistentClient,
  registerEmbeddingFunction,
  type ClientOptions,
  type PersistentClientOptions,
  type EmbeddingFunction,
  type EmbeddingFunctionFactory
} from './client.js'
export {
  ChromaDatabase,
  DEFAULT_DATABASE,
  DEFAULT_TENANT,
  MAX_BATCH_SIZE,
  SERVER_VERSION,
  DATABASE_FILE,
  INDEX_DIR,
  type DatabaseOptions,
  type MetadataKeySummary,
  type FacetRequest,
  type FacetResult,
  type Scope
} from './database.js'
export * from './errors.js'
export type * from './types.js'
export { HNSW_DEFAULTS } from './config.js'
export type { SearchResponse } from './search/index.js'
