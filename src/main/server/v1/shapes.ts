// JSON shapes of the v1 API. The collection object differs by client generation, and each old client
// breaks on keys it does not expect (chroma-http-api.md sections 8 and 9), so it is chosen per request.
import { availableParallelism } from 'node:os'
import type {
  CollectionConfiguration,
  CollectionConfigurationInput,
  CollectionModel,
  GetResult,
  HnswConfigurationInput,
  IncludeField,
  QueryResult
} from '../../engine/types.js'

/**
 * - `legacy`: JS 1.x and Python 0.3.x era: `{name, id, metadata}` only (JS 1.4.2's tests deep-equal it).
 * - `requests`: Python HttpClient 0.4.x-0.5.3 (`python-requests/*`).
 * - `httpx`: Python HttpClient 0.5.4-0.5.15 (`python-httpx/*`): the full CollectionModel with a
 *   Python-style `configuration_json`.
 */
export type ClientFlavor = 'legacy' | 'requests' | 'httpx'

export function clientFlavor(userAgent: string | undefined): ClientFlavor {
  const ua = (userAgent ?? '').toLowerCase()
  if (ua.startsWith('python-httpx/')) return 'httpx'
  if (ua.startsWith('python-requests/')) return 'requests'
  return 'legacy'
}

/** Python's defaults for the two HNSW parameters Chroma's Rust config does not keep. */
const PY_BATCH_SIZE = 100

/** `configuration_json` as Python 0.5.4-0.6.x serialize it (`_type` tags, `M` for max_neighbors). */
export function pythonConfiguration(cfg: CollectionConfiguration): Record<string, unknown> {
  const h = cfg.hnsw
  return {
    hnsw_configuration: {
      space: h.space,
      ef_construction: h.ef_construction,
      ef_search: h.ef_search,
      num_threads: availableParallelism(),
      M: h.max_neighbors,
      resize_factor: h.resize_factor,
      batch_size: PY_BATCH_SIZE,
      sync_threshold: h.sync_threshold,
      _type: 'HNSWConfigurationInternal'
    },
    _type: 'CollectionConfigurationInternal'
  }
}

const PY_HNSW_KEYS: Record<string, keyof HnswConfigurationInput> = {
  space: 'space',
  ef_construction: 'ef_construction',
  ef_search: 'ef_search',
  M: 'max_neighbors',
  num_threads: 'num_threads',
  resize_factor: 'resize_factor',
  batch_size: 'batch_size',
  sync_threshold: 'sync_threshold'
}

/**
 * A v1 create `configuration` (Python style) as the engine's v2-style input. Unknown shapes are
 * ignored: Python validated them client-side, and the collection metadata's `hnsw:*` keys still apply.
 */
export function engineConfiguration(v1: unknown): CollectionConfigurationInput | null {
  if (!isObject(v1)) return null
  const hnswIn = v1.hnsw_configuration
  if (!isObject(hnswIn)) return null
  const hnsw: Record<string, unknown> = {}
  for (const [pyKey, key] of Object.entries(PY_HNSW_KEYS)) {
    if (hnswIn[pyKey] !== undefined && hnswIn[pyKey] !== null) hnsw[key] = hnswIn[pyKey]
  }
  return Object.keys(hnsw).length > 0 ? { hnsw: hnsw as HnswConfigurationInput } : null
}

/**
 * The collection object for this client. `full` = create/get answers, where Python 0.5.0-0.5.3
 * (requests) read `dimension` and `version`; list answers stay within the keys 0.4.x accepts.
 */
export function collectionJson(m: CollectionModel, flavor: ClientFlavor, full: boolean): Record<string, unknown> {
  switch (flavor) {
    case 'legacy':
      return { name: m.name, id: m.id, metadata: m.metadata }
    case 'requests':
      return full
        ? {
            name: m.name,
            id: m.id,
            metadata: m.metadata,
            tenant: m.tenant,
            database: m.database,
            dimension: m.dimension,
            version: m.version
          }
        : { name: m.name, id: m.id, metadata: m.metadata, tenant: m.tenant, database: m.database }
    case 'httpx':
      return {
        id: m.id,
        name: m.name,
        configuration_json: pythonConfiguration(m.configuration_json),
        metadata: m.metadata,
        dimension: m.dimension,
        tenant: m.tenant,
        database: m.database,
        version: m.version
      }
  }
}

/** v1 GetResult: every key present, `null` when not included; `data` is client-side only. */
export function getResultJson(r: GetResult, included: string[]): Record<string, unknown> {
  return {
    ids: r.ids,
    embeddings: r.embeddings,
    metadatas: r.metadatas,
    documents: r.documents,
    uris: r.uris,
    data: null,
    included
  }
}

export function queryResultJson(r: QueryResult, included: string[]): Record<string, unknown> {
  return {
    ids: r.ids,
    distances: r.distances,
    embeddings: r.embeddings,
    metadatas: r.metadatas,
    documents: r.documents,
    uris: r.uris,
    data: null,
    included
  }
}

/** Splits a v1 include list into what the engine computes and what is echoed in `included`. */
export function splitInclude(include: unknown, fallback: IncludeField[]): { engine: unknown; included: string[] } {
  if (include == null) return { engine: fallback, included: [...fallback] }
  if (!Array.isArray(include)) return { engine: include, included: [] }
  // `data` is filled by the Python client's data loader, never by the server.
  const engine = include.filter((i) => i !== 'data')
  return { engine, included: include.filter((i): i is string => typeof i === 'string') }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
