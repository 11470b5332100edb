// Collection configuration: resolution of HNSW parameters (configuration.hnsw > legacy `hnsw:*`
// metadata > defaults), the configuration_json shape Chroma 1.x returns, and the check of the
// embedding function's model settings (embedding/model-ref.ts).
import { parseEmbeddingConfig } from './embedding/model-ref.js'
import { InvalidArgumentError, UnprocessableEntityError } from './errors.js'
import type { CollectionConfiguration, EmbeddingFunctionConfig, Metadata, Space } from './types.js'
import { isPlainObject, serdeDescribe, serdeNameList } from './validation.js'
import type { HnswParams } from './vector-index/index.js'

export const HNSW_DEFAULTS = {
  space: 'l2' as Space,
  ef_construction: 100,
  ef_search: 100,
  max_neighbors: 16,
  resize_factor: 1.2,
  sync_threshold: 1000
}

/** Chroma's Space enum, in its declaration order (serde lists variants in this order). */
export const HNSW_SPACES: readonly string[] = ['l2', 'cosine', 'ip']
type HnswKey = keyof typeof HNSW_DEFAULTS

// Legacy metadata key -> configuration field (null = accepted, not part of the returned shape).
const LEGACY_KEYS: Record<string, HnswKey | null> = {
  'hnsw:space': 'space',
  'hnsw:construction_ef': 'ef_construction',
  'hnsw:search_ef': 'ef_search',
  'hnsw:M': 'max_neighbors',
  'hnsw:resize_factor': 'resize_factor',
  'hnsw:sync_threshold': 'sync_threshold',
  'hnsw:num_threads': null,
  'hnsw:batch_size': null
}

/**
 * Fields of Chroma's HNSW configuration structs (serde `deny_unknown_fields`), in declaration order:
 * the create struct, and the update struct (space and ef_construction are fixed at creation).
 * The v2 decoder checks request bodies against the same lists.
 */
export const HNSW_CREATE_FIELDS: readonly string[] = [
  'space',
  'ef_construction',
  'ef_search',
  'max_neighbors',
  'num_threads',
  'resize_factor',
  'sync_threshold',
  'batch_size'
]
export const HNSW_UPDATE_FIELDS: readonly string[] = HNSW_CREATE_FIELDS.filter(
  (f) => f !== 'space' && f !== 'ef_construction'
)

/** Checks one HNSW parameter value; `fail` builds the error for the source (config or metadata). */
function checkValue(field: string, value: unknown, fail: (msg: string) => Error): unknown {
  switch (field) {
    case 'space':
      if (typeof value !== 'string' || !HNSW_SPACES.includes(value))
        throw fail(`invalid space ${JSON.stringify(value)}, expected one of l2, ip, cosine`)
      return value
    case 'resize_factor':
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
        throw fail(`invalid resize_factor ${JSON.stringify(value)}`)
      return value
    case 'sync_threshold':
    case 'batch_size':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 2)
        throw fail(`invalid ${field} ${JSON.stringify(value)}, must be an integer >= 2`)
      return value
    default:
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        throw fail(`invalid ${field} ${JSON.stringify(value)}, must be a positive integer`)
      return value
  }
}

const configError = (msg: string): Error => new UnprocessableEntityError(`Invalid HNSW configuration: ${msg}`)

function readHnswObject(hnsw: unknown, allowed: readonly string[]): Partial<Record<HnswKey, unknown>> {
  if (hnsw == null) return {}
  if (!isPlainObject(hnsw)) throw configError('expected an object')
  const out: Partial<Record<HnswKey, unknown>> = {}
  for (const [k, v] of Object.entries(hnsw)) {
    if (!allowed.includes(k)) throw configError(`unknown field \`${k}\``)
    if (v === null || v === undefined) continue
    const checked = checkValue(k, v, configError)
    if (k in HNSW_DEFAULTS) out[k as HnswKey] = checked
  }
  return out
}

const LEGACY_ORDER = [
  'hnsw:space',
  'hnsw:construction_ef',
  'hnsw:search_ef',
  'hnsw:M',
  'hnsw:num_threads',
  'hnsw:resize_factor',
  'hnsw:sync_threshold',
  'hnsw:batch_size'
]

/**
 * Why a legacy value does not deserialize, in serde's words, or null if it does. Values reaching here
 * passed metadata validation (never null or a map).
 */
function legacyTypeError(key: string, v: unknown): string | null {
  if (key === 'hnsw:space') {
    if (typeof v === 'string')
      return HNSW_SPACES.includes(v) ? null : `unknown variant \`${v}\`, expected one of ${serdeNameList(HNSW_SPACES)}`
    return `${serdeDescribe(v)}, expected one of ${serdeNameList(HNSW_SPACES)}`
  }
  if (key === 'hnsw:resize_factor') return typeof v === 'number' ? null : `${serdeDescribe(v)}, expected f64`
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : `${serdeDescribe(v)}, expected usize`
}

/**
 * `hnsw:*` metadata keys. Chroma deserializes them as one JSON object with serde, so errors read
 * like serde's, with the column where parsing stopped in that object.
 */
function readLegacyMetadata(metadata: Metadata | null): Partial<Record<HnswKey, unknown>> {
  const out: Partial<Record<HnswKey, unknown>> = {}
  if (!metadata) return out
  const fail = (msg: string, column: number): InvalidArgumentError =>
    new InvalidArgumentError(`Invalid HNSW parameters: Invalid metadata: ${msg} at line 1 column ${column}`)
  let json = '{'
  for (const [k, v] of Object.entries(metadata)) {
    if (!k.startsWith('hnsw:')) continue
    if (json.length > 1) json += ','
    json += JSON.stringify(k)
    if (!(k in LEGACY_KEYS)) {
      throw fail(`unknown field \`${k}\`, expected one of ${serdeNameList(LEGACY_ORDER)}`, json.length)
    }
    json += ':' + JSON.stringify(v)
    const typeError = legacyTypeError(k, v)
    if (typeError) throw fail(typeError, json.length)
    const field = LEGACY_KEYS[k]
    const checked = checkValue(
      field ?? k.slice(5),
      v,
      (msg) => new InvalidArgumentError(`Invalid HNSW parameters: ${k}: ${msg}`)
    )
    if (field) out[field] = checked
  }
  return out
}

function readEmbeddingFunction(ef: unknown): EmbeddingFunctionConfig | null {
  if (ef == null) return null
  if (!isPlainObject(ef) || typeof ef.type !== 'string') {
    throw new UnprocessableEntityError(
      'Invalid embedding_function configuration: expected an object with a string `type`'
    )
  }
  const out: EmbeddingFunctionConfig = { type: ef.type }
  if (typeof ef.name === 'string') out.name = ef.name
  if (isPlainObject(ef.config)) out.config = ef.config
  // A model or revision that could reach a path or URL is refused here (InvalidArgumentError); the
  // function rebuilt from a stored configuration checks it again.
  parseEmbeddingConfig(out)
  return out
}

/** The configuration_json of a new collection. */
export function resolveCreateConfiguration(configuration: unknown, metadata: Metadata | null): CollectionConfiguration {
  if (configuration != null && !isPlainObject(configuration)) {
    throw new UnprocessableEntityError('Invalid configuration: expected an object')
  }
  const cfg = configuration ?? {}
  if (cfg.hnsw != null && cfg.spann != null) {
    throw new InvalidArgumentError('Cannot specify both HNSW and SPANN configurations')
  }
  let explicit = readHnswObject(cfg.hnsw, HNSW_CREATE_FIELDS)
  // The local server builds HNSW for a spann request, keeping only its space.
  if (cfg.spann != null) {
    if (!isPlainObject(cfg.spann)) throw configError('expected spann to be an object')
    explicit = cfg.spann.space != null ? { space: checkValue('space', cfg.spann.space, configError) } : {}
  }
  const legacy = readLegacyMetadata(metadata)
  const hnsw = { ...HNSW_DEFAULTS, ...legacy, ...explicit } as CollectionConfiguration['hnsw']
  return { hnsw, spann: null, embedding_function: readEmbeddingFunction(cfg.embedding_function) }
}

/** Merges a modify request's new_configuration into the stored configuration. */
export function mergeUpdateConfiguration(current: CollectionConfiguration, update: unknown): CollectionConfiguration {
  if (update == null) return current
  if (!isPlainObject(update)) throw new UnprocessableEntityError('Invalid configuration: expected an object')
  // Chroma 1.x: one vector index per update; a spann update alone is a no-op on an HNSW collection.
  if (update.hnsw != null && update.spann != null) {
    throw new InvalidArgumentError('Multiple vector index configurations provided')
  }
  const hnsw = {
    ...current.hnsw,
    ...readHnswObject(update.hnsw, HNSW_UPDATE_FIELDS)
  } as CollectionConfiguration['hnsw']
  const embedding_function =
    update.embedding_function !== undefined
      ? readEmbeddingFunction(update.embedding_function)
      : current.embedding_function
  return { hnsw, spann: null, embedding_function }
}

export function hnswParams(cfg: CollectionConfiguration): HnswParams {
  return {
    space: cfg.hnsw.space,
    M: cfg.hnsw.max_neighbors,
    efConstruction: cfg.hnsw.ef_construction,
    efSearch: cfg.hnsw.ef_search
  }
}
