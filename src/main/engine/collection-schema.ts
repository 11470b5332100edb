// A collection's `schema` (Chroma 1.5): which indexes exist per value type, globally (`defaults`) and
// per metadata key (`keys`, also accepted as `key_overrides`). Checked here as Chroma's server reads
// it (docs/chroma-1.5.md, "Schema"); stored as sent and echoed; the parts that change behaviour here
// are the vector index's embedding function, space and HNSW parameters (they become the
// collection's configuration) and the full-text index switch on #document.
import { InvalidArgumentError } from './errors.js'
import type { FilterNode } from './filters/index.js'
import type {
  CollectionConfigurationInput,
  EmbeddingFunctionConfig,
  HnswConfigurationInput,
  MetadataValue,
  UpdateCollectionConfigurationInput
} from './types.js'
import { isPlainObject as isObject } from './validation.js'
import { Bm25Encoder, isChromaBm25 } from './search/bm25.js'

export type CollectionSchema = Record<string, unknown> & {
  defaults: Record<string, unknown>
  keys: Record<string, unknown>
}

export const DOCUMENT_KEY = '#document'
export const EMBEDDING_KEY = '#embedding'

/** Value type -> the index types it may carry (Chroma's ValueTypes). */
const INDEXES_BY_VALUE_TYPE: Record<string, readonly string[]> = {
  string: ['fts_index', 'string_inverted_index'],
  float_list: ['vector_index'],
  sparse_vector: ['sparse_vector_index'],
  int: ['int_inverted_index'],
  float: ['float_inverted_index'],
  bool: ['bool_inverted_index']
}
const SPACES = ['l2', 'cosine', 'ip']
const HNSW_FIELDS = [
  'ef_construction',
  'max_neighbors',
  'ef_search',
  'num_threads',
  'batch_size',
  'sync_threshold',
  'resize_factor'
]
const EF_TYPES = ['known', 'legacy', 'unknown']

function invalid(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid schema input: ${reason}`)
}

function embeddingFunction(v: unknown, path: string): void {
  if (v === null || v === undefined) return
  if (!isObject(v) || typeof v.type !== 'string' || !EF_TYPES.includes(v.type)) {
    throw invalid(`${path} must be an object whose type is one of ${EF_TYPES.join(', ')}`)
  }
  if (v.type === 'known' && (typeof v.name !== 'string' || !isObject(v.config))) {
    throw invalid(`${path} of type known needs a name and a config object`)
  }
}

function vectorIndexConfig(cfg: Record<string, unknown>, path: string): void {
  if (cfg.space != null && (typeof cfg.space !== 'string' || !SPACES.includes(cfg.space))) {
    throw invalid(`${path}.space must be one of ${SPACES.join(', ')}`)
  }
  embeddingFunction(cfg.embedding_function, `${path}.embedding_function`)
  if (cfg.source_key != null && typeof cfg.source_key !== 'string') throw invalid(`${path}.source_key must be a string`)
  if (cfg.hnsw != null && cfg.spann != null) throw invalid(`${path} cannot set both hnsw and spann`)
  if (cfg.hnsw != null) {
    if (!isObject(cfg.hnsw)) throw invalid(`${path}.hnsw must be an object`)
    for (const [k, x] of Object.entries(cfg.hnsw)) {
      if (!HNSW_FIELDS.includes(k)) throw invalid(`${path}.hnsw has an unknown field ${k}`)
      if (x === null) continue
      const ok = k === 'resize_factor' ? typeof x === 'number' && x > 0 : Number.isInteger(x) && (x as number) >= 1
      if (!ok) throw invalid(`${path}.hnsw.${k} must be a positive ${k === 'resize_factor' ? 'number' : 'integer'}`)
    }
  }
  if (cfg.spann != null && !isObject(cfg.spann)) throw invalid(`${path}.spann must be an object`)
}

function sparseIndexConfig(cfg: Record<string, unknown>, path: string): void {
  embeddingFunction(cfg.embedding_function, `${path}.embedding_function`)
  if (cfg.source_key != null && typeof cfg.source_key !== 'string') throw invalid(`${path}.source_key must be a string`)
  if (cfg.bm25 != null && typeof cfg.bm25 !== 'boolean') throw invalid(`${path}.bm25 must be a boolean`)
  const ef = cfg.embedding_function as EmbeddingFunctionConfig | null | undefined
  // A function computed here is built once now, so a bad config fails at creation, not at the first write.
  if (isChromaBm25(ef)) {
    try {
      new Bm25Encoder(ef?.config)
    } catch (e) {
      throw invalid(`${path}.embedding_function: ${(e as Error).message}`)
    }
  }
}

function valueTypes(v: unknown, path: string, key: string | null): void {
  if (!isObject(v)) throw invalid(`${path} must be an object`)
  for (const [rawType, types] of Object.entries(v)) {
    const valueType = rawType.startsWith('#') ? rawType.slice(1) : rawType // Chroma accepts '#string' too
    const allowed = INDEXES_BY_VALUE_TYPE[valueType]
    if (allowed === undefined || types === null) continue // unknown fields are ignored, as serde does here
    const p = `${path}.${rawType}`
    if (!isObject(types)) throw invalid(`${p} must be an object`)
    for (const [indexName, index] of Object.entries(types)) {
      if (!allowed.includes(indexName) || index === null) continue
      const ip = `${p}.${indexName}`
      if (!isObject(index) || typeof index.enabled !== 'boolean' || !isObject(index.config)) {
        throw invalid(`${ip} must be {"enabled": <bool>, "config": <object>}`)
      }
      if (indexName === 'vector_index') {
        if (key !== null && key !== EMBEDDING_KEY) {
          throw invalid(`the vector index is configured globally or on ${EMBEDDING_KEY}, not on key '${key}'`)
        }
        vectorIndexConfig(index.config, `${ip}.config`)
      }
      if (indexName === 'fts_index' && key !== null && key !== DOCUMENT_KEY && index.enabled) {
        throw invalid(`the FTS index can only be enabled on ${DOCUMENT_KEY}, not on key '${key}'`)
      }
      if (indexName === 'sparse_vector_index' && key === null && index.enabled) {
        throw invalid('a sparse vector index needs a specific key, not the defaults')
      }
      if (indexName === 'sparse_vector_index') sparseIndexConfig(index.config, `${ip}.config`)
    }
  }
}

/** `schema` of a create request, checked; null when absent. Keys starting with '#' are the system's. */
export function validateCollectionSchema(raw: unknown): CollectionSchema | null {
  if (raw === null || raw === undefined) return null
  if (!isObject(raw)) throw invalid('schema must be an object')
  const keys = raw.keys ?? raw.key_overrides
  if (!isObject(raw.defaults)) throw invalid('missing field `defaults`')
  if (!isObject(keys)) throw invalid('missing field `keys`')
  valueTypes(raw.defaults, 'defaults', null)
  for (const [key, types] of Object.entries(keys)) {
    if (key.length === 0) throw invalid('a key cannot be empty')
    if (key.startsWith('#') && key !== DOCUMENT_KEY && key !== EMBEDDING_KEY) {
      throw invalid(`Key '${key}' cannot begin with '#'. Keys starting with '#' are reserved for system use.`)
    }
    valueTypes(types, `keys.${key}`, key)
  }
  const sparse = Object.keys(keys).filter(
    (k) => path(keys[k], 'sparse_vector', 'sparse_vector_index', 'enabled') === true
  )
  if (sparse.length > 1) throw invalid(oneSparseIndex(sparse[0] as string))
  if (raw.cmek != null && !isObject(raw.cmek)) throw invalid('cmek must be an object')
  const out: CollectionSchema = { ...raw, defaults: raw.defaults, keys }
  delete out.key_overrides
  return out
}

function path(o: unknown, ...steps: string[]): unknown {
  let cur = o
  for (const s of steps) {
    if (!isObject(cur)) return undefined
    cur = cur[s] ?? cur[`#${s}`]
  }
  return cur
}

/** The vector index's config: the defaults' fields, overridden by those #embedding sets. */
function vectorConfig(schema: CollectionSchema): Record<string, unknown> | null {
  const own = path(schema.keys, EMBEDDING_KEY, 'float_list', 'vector_index', 'config')
  const dflt = path(schema.defaults, 'float_list', 'vector_index', 'config')
  if (!isObject(own) && !isObject(dflt)) return null
  const set = (o: unknown): Record<string, unknown> =>
    isObject(o) ? Object.fromEntries(Object.entries(o).filter(([, v]) => v != null)) : {}
  return { ...set(dflt), ...set(own) }
}

/** Chroma's default embedding function counts as unset (Chroma's is_default); "legacy" does not. */
function setsEmbeddingFunction(ef: EmbeddingFunctionConfig | null | undefined): boolean {
  return ef != null && (ef.type === 'legacy' || (ef.type === 'known' && ef.name !== 'default'))
}

function setsVectorIndex(cfg: Record<string, unknown> | null): boolean {
  if (cfg === null) return false
  const ef = cfg.embedding_function as EmbeddingFunctionConfig | undefined
  // A schema's vector index says "legacy" when it names no function: that is its default.
  const named = ef !== undefined && ef.type === 'known' && ef.name !== 'default'
  return named || (cfg.space !== undefined && cfg.space !== 'l2') || cfg.hnsw !== undefined || cfg.spann !== undefined
}

function setsConfiguration(c: CollectionConfigurationInput | null | undefined): boolean {
  if (!c) return false
  const hnsw = Object.entries(c.hnsw ?? {}).some(([k, v]) => v != null && !(k === 'space' && v === 'l2'))
  const spann = c.spann != null && Object.keys(c.spann).length > 0
  return setsEmbeddingFunction(c.embedding_function) || hnsw || spann
}

/**
 * The configuration a create request amounts to. A schema whose vector index sets something (a
 * named embedding function, a space other than l2, HNSW or SPANN parameters) is the source of truth
 * and a configuration that also sets something conflicts, as in Chroma; otherwise the
 * configuration's embedding function is kept, and the schema's ("legacy", none) fills in.
 */
export function configurationWithSchema(
  configuration: CollectionConfigurationInput | null | undefined,
  schema: CollectionSchema | null
): CollectionConfigurationInput | null | undefined {
  if (schema === null) return configuration
  const cfg = vectorConfig(schema)
  const schemaSets = setsVectorIndex(cfg)
  if (schemaSets && setsConfiguration(configuration)) {
    throw new InvalidArgumentError('Cannot set both collection config and schema simultaneously')
  }
  if (cfg === null) return configuration
  const out: CollectionConfigurationInput = { ...configuration }
  const fromSchema = (cfg.embedding_function as EmbeddingFunctionConfig | undefined) ?? { type: 'legacy' }
  out.embedding_function = schemaSets ? fromSchema : (configuration?.embedding_function ?? fromSchema)
  const hnsw: HnswConfigurationInput = { ...(configuration?.hnsw ?? {}) }
  if (isObject(cfg.hnsw)) Object.assign(hnsw, cfg.hnsw)
  if (typeof cfg.space === 'string') hnsw.space = cfg.space as HnswConfigurationInput['space']
  if (Object.keys(hnsw).length > 0) out.hnsw = hnsw
  return out
}

function indexSwitch(schema: CollectionSchema, key: string, valueType: string, index: string): boolean {
  // A key's own entry for the value type wins, else the defaults'; an index not written down is on.
  const own = path(schema.keys, key, valueType)
  const entry = path(isObject(own) ? own : path(schema.defaults, valueType), index)
  return !isObject(entry) || entry.enabled !== false
}

/** A copy of the schema whose vector index configs (defaults and #embedding) went through `change`. */
function withVectorConfigs(schema: CollectionSchema, change: (cfg: Record<string, unknown>) => void): CollectionSchema {
  const out = structuredClone(schema)
  for (const cfg of [
    path(out.defaults, 'float_list', 'vector_index', 'config'),
    path(out.keys, EMBEDDING_KEY, 'float_list', 'vector_index', 'config')
  ]) {
    if (isObject(cfg)) change(cfg)
  }
  return out
}

/**
 * The stored schema after a modify's `new_configuration` (already applied to the configuration):
 * its vector index takes the new embedding function and HNSW values, so the echo stays true.
 */
export function schemaWithConfiguration(
  schema: CollectionSchema,
  update: UpdateCollectionConfigurationInput
): CollectionSchema {
  return withVectorConfigs(schema, (cfg) => {
    if (update.embedding_function != null) cfg.embedding_function = update.embedding_function
    const hnsw = Object.entries(update.hnsw ?? {}).filter(([, v]) => v != null)
    if (hnsw.length > 0) cfg.hnsw = { ...(isObject(cfg.hnsw) ? cfg.hnsw : {}), ...Object.fromEntries(hnsw) }
  })
}

/**
 * A schema carried to a copy of its collection (fork, copy, clone) whose configuration may differ
 * (a clone's new model or space): the vector index names the copy's function and space. Unchanged
 * parts stay as written, so a fork echoes its source's schema.
 */
export function schemaForCopy(
  schema: CollectionSchema,
  configuration: { embedding_function: EmbeddingFunctionConfig | null; hnsw: { space?: string } | null }
): CollectionSchema {
  const derived = configurationWithSchema(undefined, schema)
  const ef = configuration.embedding_function ?? { type: 'legacy' }
  const sameEf = JSON.stringify(derived?.embedding_function) === JSON.stringify(ef)
  const space = configuration.hnsw?.space ?? 'l2'
  const sameSpace = (derived?.hnsw?.space ?? 'l2') === space
  if (sameEf && sameSpace) return schema
  return withVectorConfigs(schema, (cfg) => {
    if (!sameEf) cfg.embedding_function = ef
    if (!sameSpace) cfg.space = space
  })
}

/** False when the schema turns the full-text index of #document off (then document filters are refused). */
function ftsEnabled(schema: CollectionSchema): boolean {
  return indexSwitch(schema, DOCUMENT_KEY, 'string', 'fts_index')
}

/** Chroma's name of a filter operand's type (MetadataValueType) and the inverted index it needs. */
function operandType(v: unknown): [name: string, valueType: string, index: string] | null {
  const x = Array.isArray(v) ? v[0] : v
  if (typeof x === 'boolean') return ['Bool', 'bool', 'bool_inverted_index']
  if (typeof x === 'string') return ['Str', 'string', 'string_inverted_index']
  if (typeof x === 'number') {
    return Number.isInteger(x) ? ['Int', 'int', 'int_inverted_index'] : ['Float', 'float', 'float_inverted_index']
  }
  return null
}

/** Refuses a filter that needs an index the schema turns off, with Chroma's messages. */
export function refuseDisabledIndexes(schema: CollectionSchema | null, filter: FilterNode | null): void {
  if (schema === null || filter === null) return
  if (filter.kind === 'and' || filter.kind === 'or') {
    for (const child of filter.children) refuseDisabledIndexes(schema, child)
  } else if (filter.kind === 'doc') {
    if (!ftsEnabled(schema)) {
      throw new InvalidArgumentError('Cannot filter using full-text search because FTS indexing is disabled')
    }
  } else if (filter.kind === 'meta' && !filter.key.startsWith('#')) {
    // '#' keys (the search API's #id) are the system's, never governed by a metadata index.
    const t = operandType(filter.value)
    if (t !== null && !indexSwitch(schema, filter.key, t[1], t[2])) {
      throw new InvalidArgumentError(
        `Cannot filter using metadata key '${filter.key}' with type '${t[0]}' because indexing is disabled`
      )
    }
  }
}

/** Chroma's rule and words: one enabled sparse vector index per collection. */
export function oneSparseIndex(existingKey: string): string {
  return `Only one sparse vector index allowed per collection. Key '${existingKey}' already has a sparse vector index. Remove it first or use that key.`
}

/** The key of the schema's enabled sparse vector index, or null. */
export function sparseIndexKey(schema: CollectionSchema | null): string | null {
  if (schema === null) return null
  return (
    Object.keys(schema.keys).find(
      (k) => path(schema.keys[k], 'sparse_vector', 'sparse_vector_index', 'enabled') === true
    ) ?? null
  )
}

/** A key whose sparse vectors the engine computes when a write leaves them out (Chroma's clients do it client-side). */
export interface SparseEmbeddingTarget {
  key: string
  /** '#document' or a metadata key holding the text. */
  sourceKey: string
  encoder: Bm25Encoder
}

function sparseIndexOf(schema: CollectionSchema, key: string): Record<string, unknown> | null {
  const index = path(schema.keys, key, 'sparse_vector', 'sparse_vector_index')
  return isObject(index) ? index : null
}

/** The BM25 encoder of `key`'s sparse index, when the schema gives it chroma_bm25 (null otherwise). */
export function sparseKeyEncoder(schema: CollectionSchema | null, key: string): Bm25Encoder | null {
  const index = schema === null ? null : sparseIndexOf(schema, key)
  if (index === null || index.enabled !== true || !isObject(index.config)) return null
  const ef = index.config.embedding_function as EmbeddingFunctionConfig | null | undefined
  return isChromaBm25(ef) ? new Bm25Encoder(ef?.config) : null
}

/** Keys with an enabled sparse index whose function is chroma_bm25 and whose source key is set. */
export function sparseEmbeddingTargets(schema: CollectionSchema | null): SparseEmbeddingTarget[] {
  if (schema === null) return []
  const out: SparseEmbeddingTarget[] = []
  for (const key of Object.keys(schema.keys)) {
    const sourceKey = path(sparseIndexOf(schema, key), 'config', 'source_key')
    const encoder = sparseKeyEncoder(schema, key)
    if (encoder !== null && typeof sourceKey === 'string') out.push({ key, sourceKey, encoder })
  }
  return out
}

/** False when the schema switches `key`'s sparse index off (every other key holding sparse vectors is indexed). */
export function sparseIndexEnabled(schema: CollectionSchema | null, key: string): boolean {
  return schema === null || sparseIndexOf(schema, key)?.enabled !== false
}

/**
 * The batch's metadatas with each target's vector computed from its source text, for records whose
 * metadata leaves the target key out: what Chroma's clients do before they send a write.
 */
export function withSparseEmbeddings<M extends Record<string, MetadataValue | null>>(
  targets: readonly SparseEmbeddingTarget[],
  metadatas: (M | null)[] | null,
  documents: (string | null)[] | null,
  count: number
): (M | null)[] | null {
  if (targets.length === 0) return metadatas
  const out: (M | null)[] = []
  for (let i = 0; i < count; i++) {
    let md = metadatas?.[i] ?? null
    for (const { key, sourceKey, encoder } of targets) {
      if (md !== null && key in md) continue
      const text = sourceKey === DOCUMENT_KEY ? documents?.[i] : md?.[sourceKey]
      if (typeof text === 'string') md = { ...md, [key]: encoder.encode(text) } as M
    }
    out.push(md)
  }
  return out
}

/** The metadata key the app gives a keyword index. */
export const KEYWORD_KEY = 'bm25'

/** A schema whose only entry is a keyword index on KEYWORD_KEY (a new collection with keyword search). */
export function keywordSchema(): CollectionSchema {
  return { defaults: {}, keys: { [KEYWORD_KEY]: bm25SchemaKey() } }
}

/** A schema key's entry for a keyword index: chroma_bm25 over #document with IDF (Chroma 1.5's shape). */
export function bm25SchemaKey(): Record<string, unknown> {
  return {
    sparse_vector: {
      sparse_vector_index: {
        enabled: true,
        config: {
          embedding_function: { type: 'known', name: 'chroma_bm25', config: {} },
          source_key: DOCUMENT_KEY,
          bm25: true
        }
      }
    }
  }
}

/** The key of a collection's keyword index: the first chroma_bm25 sparse key over #document, or null. */
export function keywordKeyOf(schema: unknown): string | null {
  if (!isObject(schema) || !isObject(schema.keys)) return null
  return sparseEmbeddingTargets(schema as CollectionSchema).find((t) => t.sourceKey === DOCUMENT_KEY)?.key ?? null
}
