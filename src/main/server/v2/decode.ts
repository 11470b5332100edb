// Request decoding for the v2 API, mirroring how Chroma's Rust server deserializes bodies with serde:
// a structurally wrong body (wrong JSON type, missing required field, negative count, unknown include)
// is a 422 "Failed to deserialize the JSON body into the target type: <path>: <what>", before any
// semantic validation (which the engine does, with 400s). Written by hand rather than as Fastify JSON
// schemas because Fastify's Ajv coerces types ("5" -> 5) and its messages are not serde's.
// Unknown fields are ignored, as serde does.
import { HNSW_CREATE_FIELDS, HNSW_SPACES, HNSW_UPDATE_FIELDS } from '../../engine/config.js'
import { serdeNameList } from '../../engine/validation.js'
import { InvalidArgumentError, UnprocessableEntityError } from '../../engine/index.js'
import { eofDetail, UnparsedBody } from '../json-body.js'
import type {
  AddRequest,
  CreateCollectionRequest,
  DeleteRequest,
  FacetRequest,
  GetRequest,
  IncludeField,
  QueryRequest,
  UpdateCollectionRequest,
  UpdateRequest,
  UpsertRequest
} from '../../engine/index.js'

const DESERIALIZE = 'Failed to deserialize the JSON body into the target type: '

/** serde's description of an unexpected JSON value ("integer `5`", "string \"x\"", "sequence"). */
function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'sequence'
  switch (typeof v) {
    case 'boolean':
      return `boolean \`${String(v)}\``
    case 'number':
      return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``
    case 'string':
      return `string ${JSON.stringify(v)}`
    default:
      return 'map'
  }
}

function fail(path: string, detail: string): UnprocessableEntityError {
  return new UnprocessableEntityError(`${DESERIALIZE}${path ? `${path}: ` : ''}${detail}`)
}

function invalidType(path: string, v: unknown, expected: string): UnprocessableEntityError {
  return fail(path, `invalid type: ${describe(v)}, expected ${expected}`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path ? `${path}.${key}` : key
}

// ---- primitives -------------------------------------------------------------------------------

/** The error for a body that is not JSON, as axum's Json extractor words it. */
export function bodyParseError(detail: string): InvalidArgumentError {
  return new InvalidArgumentError(`Failed to parse the request body as JSON: ${detail}`)
}

/**
 * The JSON value of a route that reads its body: a missing (or empty) body is empty JSON input to
 * axum, and a body that did not parse answers its parse error. Checked before the route does
 * anything else, as axum extracts the body before the handler runs.
 */
export function presentBody(v: unknown): unknown {
  if (v instanceof UnparsedBody) throw v.error
  if (v === undefined) throw bodyParseError(eofDetail())
  return v
}

export function body(v: unknown, struct: string): Record<string, unknown> {
  const o = presentBody(v)
  if (!isObject(o)) throw invalidType('', o, `struct ${struct}`)
  return o
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw invalidType(path, v, 'a string')
  return v
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw invalidType(path, v, 'a boolean')
  return v
}

function u32(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidType(path, v, 'u32')
  if (v < 0 || v > 0xffffffff) throw fail(path, `invalid value: ${describe(v)}, expected u32`)
  return v
}

function seq(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw invalidType(path, v, 'a sequence')
  return v
}

/** Chroma's answer to an add or upsert without embeddings (its deserializer's). */
export function missingEmbeddings(): UnprocessableEntityError {
  return fail('', 'missing field `embeddings`')
}

function required(o: Record<string, unknown>, key: string, path = ''): unknown {
  if (!(key in o) || o[key] === undefined) throw fail(path, `missing field \`${key}\``)
  return o[key]
}

/** `Option<T>`: absent or null -> null. */
function opt<T>(o: Record<string, unknown>, key: string, decode: (v: unknown, path: string) => T): T | null {
  const v = o[key]
  return v === undefined || v === null ? null : decode(v, key)
}

function strings(v: unknown, path: string): string[] {
  const list = seq(v, path)
  list.forEach((s, i) => str(s, join(path, i)))
  return list as string[]
}

function optionalStrings(v: unknown, path: string): (string | null)[] {
  const list = seq(v, path)
  list.forEach((s, i) => {
    if (s !== null) str(s, join(path, i))
  })
  return list as (string | null)[]
}

// ---- embeddings -------------------------------------------------------------------------------

/** `Vec<f32>`: JSON numbers rounded to float32 (overflow becomes ±inf, which the engine rejects). */
function f32Vector(v: unknown, path: string): Float32Array | null {
  if (!Array.isArray(v)) return null
  const out = new Float32Array(v.length)
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i]
    if (typeof x !== 'number') return null
    out[i] = x
  }
  void path
  return out
}

function f32VectorStrict(v: unknown, path: string): Float32Array {
  const list = seq(v, path)
  const out = new Float32Array(list.length)
  list.forEach((x, i) => {
    if (typeof x !== 'number') throw invalidType(join(path, i), x, 'f32')
    out[i] = x
  })
  return out
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_VALUE = new Int16Array(128).fill(-1)
for (let i = 0; i < B64_ALPHABET.length; i++) B64_VALUE[B64_ALPHABET.charCodeAt(i)] = i

/**
 * Standard base64 with padding, checked as strictly as Rust's `base64` STANDARD engine (which
 * Node's lenient Buffer.from does not do), messages after its DecodeError.
 */
function base64Bytes(s: string): Buffer {
  let end = s.length
  let pad = 0
  while (end > 0 && s.charCodeAt(end - 1) === 61 /* = */ && pad < 2) {
    end--
    pad++
  }
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || B64_VALUE[c] === -1) throw new Error(`Invalid symbol ${c}, offset ${i}.`)
  }
  if (end < s.length && s.charCodeAt(end - 1) === 61) throw new Error(`Invalid symbol 61, offset ${end - 1}.`)
  if (s.length % 4 !== 0 || end % 4 === 1) {
    if (end % 4 === 1) throw new Error(`Invalid input length: ${end}`)
    throw new Error('Invalid padding')
  }
  const bytes = Buffer.from(s.slice(0, end), 'base64')
  // Trailing bits of the last symbol must be zero (canonical encoding).
  const rem = end % 4
  if (rem !== 0) {
    const last = B64_VALUE[s.charCodeAt(end - 1)] as number
    const mask = rem === 2 ? 0x0f : 0x03
    if ((last & mask) !== 0) throw new Error(`Invalid last symbol ${s.charCodeAt(end - 1)}, offset ${end - 1}.`)
  }
  return bytes
}

/** One base64 embedding: little-endian float32 bytes. */
export function decodeBase64Embedding(s: string): Float32Array {
  let bytes: Buffer
  try {
    bytes = base64Bytes(s)
  } catch (e) {
    throw new InvalidArgumentError(`Base64 decoding error: Invalid base64 string: ${(e as Error).message}`)
  }
  if (bytes.length % 4 !== 0) {
    throw new InvalidArgumentError(
      `Base64 decoding error: Invalid byte length: ${bytes.length} bytes cannot be converted to f32 values (must be divisible by 4)`
    )
  }
  const out = new Float32Array(bytes.length / 4)
  for (let i = 0; i < out.length; i++) {
    const x = bytes.readFloatLE(i * 4)
    if (!Number.isFinite(x)) {
      throw new InvalidArgumentError(`Base64 decoding error: embedding value at index ${i} is not a finite number`)
    }
    out[i] = x
  }
  return out
}

/**
 * Chroma's untagged `EmbeddingsPayload` / `UpdateEmbeddingsPayload`: either a list of number lists
 * or a list of base64 strings (with `null` entries allowed on update), never a mix.
 */
function embeddingsPayload(v: unknown, path: string, allowNull: boolean): (Float32Array | null)[] {
  const enumName = allowNull ? 'UpdateEmbeddingsPayload' : 'EmbeddingsPayload'
  const mismatch = (): UnprocessableEntityError =>
    fail(path, `data did not match any variant of untagged enum ${enumName}`)
  if (!Array.isArray(v)) throw mismatch()
  const arrays: (Float32Array | null)[] = []
  let asArrays = true
  for (const e of v) {
    if (e === null && allowNull) {
      arrays.push(null)
      continue
    }
    const vec = f32Vector(e, path)
    if (!vec) {
      asArrays = false
      break
    }
    arrays.push(vec)
  }
  if (asArrays) return arrays
  // Not all number lists: the whole list must then be base64 strings (or nulls on update).
  for (const e of v) if (!(typeof e === 'string' || (e === null && allowNull))) throw mismatch()
  return (v as (string | null)[]).map((e) => (e === null ? null : decodeBase64Embedding(e)))
}

// ---- metadata ---------------------------------------------------------------------------------

/**
 * `Metadata` / `UpdateMetadata` maps. Values of a shape no variant of Chroma's untagged
 * MetadataValue accepts (objects other than a sparse vector, null outside updates) are a 422; value
 * rules beyond the shape (finite numbers, homogeneous lists, key names) are the engine's 400s.
 */
function metadataMap(v: unknown, path: string, allowNull: boolean): Record<string, unknown> {
  if (!isObject(v)) throw invalidType(path, v, 'a map')
  const enumName = allowNull ? 'UpdateMetadataValue' : 'MetadataValue'
  for (const [k, value] of Object.entries(v)) {
    const ok =
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      Array.isArray(value) ||
      (value === null && allowNull) ||
      (isObject(value) && ('#type' in value || 'indices' in value || 'values' in value))
    if (!ok) throw fail(join(path, k), `data did not match any variant of untagged enum ${enumName}`)
  }
  return v
}

function metadataList(v: unknown, path: string, allowNull: boolean): (Record<string, unknown> | null)[] {
  const list = seq(v, path)
  list.forEach((m, i) => {
    if (m !== null) metadataMap(m, join(path, i), allowNull)
  })
  return list as (Record<string, unknown> | null)[]
}

// ---- include ----------------------------------------------------------------------------------

// Chroma's HTTP server takes exactly these: "data" (which its Python bindings map to metadatas) is an
// unknown variant here, a 422 like any other.
const INCLUDE: readonly string[] = ['distances', 'documents', 'embeddings', 'metadatas', 'uris']

function include(v: unknown, path: string): IncludeField[] {
  const list = seq(v, path)
  list.forEach((x, i) => {
    if (typeof x !== 'string') throw invalidType(join(path, i), x, 'enum Include')
    if (!INCLUDE.includes(x)) {
      throw fail(join(path, i), `unknown variant \`${x}\`, expected one of ${serdeNameList(INCLUDE)}`)
    }
  })
  return list as IncludeField[]
}

// ---- collection configuration -------------------------------------------------------------------

function usize(v: unknown, path: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidType(path, v, 'usize')
  if (v < 0) throw fail(path, `invalid value: ${describe(v)}, expected usize`)
}

/**
 * Chroma's HNSW configuration structs (serde `deny_unknown_fields`): field names and JSON types.
 * Value ranges (sync_threshold >= 2, ...) are the engine's checks.
 */
function hnswConfig(v: unknown, path: string, fields: readonly string[]): void {
  if (!isObject(v)) throw invalidType(path, v, 'struct HnswConfiguration')
  for (const [k, x] of Object.entries(v)) {
    const p = join(path, k)
    if (!fields.includes(k)) {
      throw fail(p, `unknown field \`${k}\`, expected one of ${serdeNameList(fields)}`)
    }
    if (x === null) continue
    if (k === 'space') {
      if (typeof x !== 'string') throw invalidType(p, x, 'enum Space')
      if (!HNSW_SPACES.includes(x))
        throw fail(p, `unknown variant \`${x}\`, expected one of ${serdeNameList(HNSW_SPACES)}`)
    } else if (k === 'resize_factor') {
      if (typeof x !== 'number') throw invalidType(p, x, 'f64')
    } else {
      usize(x, p)
    }
  }
}

function configuration(o: Record<string, unknown>, key: string, hnswFields: readonly string[]): unknown {
  const v = o[key]
  if (v === undefined || v === null) return null
  if (!isObject(v)) throw invalidType(key, v, 'struct CollectionConfiguration')
  if (v.hnsw !== undefined && v.hnsw !== null) hnswConfig(v.hnsw, join(key, 'hnsw'), hnswFields)
  return v
}

// ---- request bodies ---------------------------------------------------------------------------

export function nameBody(raw: unknown, struct: string): string {
  const o = body(raw, struct)
  return str(required(o, 'name'), 'name')
}

export function createCollectionBody(raw: unknown): CreateCollectionRequest {
  const o = body(raw, 'CreateCollectionPayload')
  const name = str(required(o, 'name'), 'name')
  const metadata = opt(o, 'metadata', (v, p) => metadataMap(v, p, false))
  const getOrCreate = o.get_or_create === undefined ? false : bool(o.get_or_create, 'get_or_create')
  const req: CreateCollectionRequest = { name, get_or_create: getOrCreate }
  if (metadata !== null) req.metadata = metadata as CreateCollectionRequest['metadata']
  const config = configuration(o, 'configuration', HNSW_CREATE_FIELDS)
  if (config !== null) req.configuration = config as CreateCollectionRequest['configuration']
  // Chroma 1.5's index schema: checked by the engine (collection-schema.ts), which every caller reaches.
  if (o.schema !== undefined && o.schema !== null) req.schema = o.schema
  return req
}

export function updateCollectionBody(raw: unknown): UpdateCollectionRequest {
  const o = body(raw, 'UpdateCollectionPayload')
  const req: UpdateCollectionRequest = {}
  const newName = opt(o, 'new_name', str)
  if (newName !== null) req.new_name = newName
  const newMetadata = opt(o, 'new_metadata', (v, p) => metadataMap(v, p, true))
  if (newMetadata !== null) req.new_metadata = newMetadata as UpdateCollectionRequest['new_metadata']
  const config = configuration(o, 'new_configuration', HNSW_UPDATE_FIELDS)
  if (config !== null) req.new_configuration = config as UpdateCollectionRequest['new_configuration']
  return req
}

interface RecordLists {
  documents: (string | null)[] | null
  uris: (string | null)[] | null
}

function recordLists(o: Record<string, unknown>): RecordLists {
  return { documents: opt(o, 'documents', optionalStrings), uris: opt(o, 'uris', optionalStrings) }
}

/**
 * An add or upsert body whose embeddings may be absent (null) when it carries documents: this server
 * embeds those (decision 0121, server-embedding.ts). Without either, `embeddings` is missing as in Chroma.
 */
export type DocumentsOnly<R extends { embeddings: unknown }> = Omit<R, 'embeddings'> & {
  embeddings: R['embeddings'] | null
}

type RecordsWithEmbeddings = Omit<DocumentsOnly<AddRequest>, 'metadatas'> & { metadatas: unknown }

/** add and upsert: the same payload, except that upsert metadata may hold nulls (delete a key). */
function recordsWithEmbeddings(raw: unknown, struct: string, update: boolean): RecordsWithEmbeddings {
  const o = body(raw, struct)
  const ids = strings(required(o, 'ids'), 'ids')
  const lists = recordLists(o)
  const embeddings =
    o.embeddings == null && lists.documents !== null
      ? null
      : (embeddingsPayload(required(o, 'embeddings'), 'embeddings', false) as Float32Array[])
  const metadatas = opt(o, 'metadatas', (v, p) => metadataList(v, p, update))
  return { ids, embeddings, ...lists, metadatas }
}

export function addBody(raw: unknown): DocumentsOnly<AddRequest> {
  const r = recordsWithEmbeddings(raw, 'AddCollectionRecordsPayload', false)
  return { ...r, metadatas: r.metadatas as AddRequest['metadatas'] }
}

export function upsertBody(raw: unknown): DocumentsOnly<UpsertRequest> {
  const r = recordsWithEmbeddings(raw, 'UpsertCollectionRecordsPayload', true)
  return { ...r, metadatas: r.metadatas as UpsertRequest['metadatas'] }
}

export function updateBody(raw: unknown): UpdateRequest {
  const o = body(raw, 'UpdateCollectionRecordsPayload')
  const ids = strings(required(o, 'ids'), 'ids')
  const embeddings = opt(o, 'embeddings', (v, p) => embeddingsPayload(v, p, true))
  const metadatas = opt(o, 'metadatas', (v, p) => metadataList(v, p, true))
  return { ids, embeddings, ...recordLists(o), metadatas: metadatas as UpdateRequest['metadatas'] }
}

/** where / where_document: any JSON; the engine parses them (400 "Invalid where clause"). */
function filters(o: Record<string, unknown>): Pick<GetRequest, 'where' | 'where_document'> {
  return {
    where: (o.where ?? null) as GetRequest['where'],
    where_document: (o.where_document ?? null) as GetRequest['where_document']
  }
}

export function getBody(raw: unknown): GetRequest {
  const o = body(raw, 'GetRequestPayload')
  return {
    ids: opt(o, 'ids', strings),
    ...filters(o),
    limit: opt(o, 'limit', u32),
    offset: opt(o, 'offset', u32),
    include: opt(o, 'include', include)
  }
}

/** A query body: `query_embeddings`, or (this server's extension, decision 0121) `query_texts` to embed. */
export type QueryBody = Omit<QueryRequest, 'query_embeddings'> &
  (
    | { query_embeddings: QueryRequest['query_embeddings']; query_texts: null }
    | { query_embeddings: null; query_texts: string[] }
  )

export function queryBody(raw: unknown): QueryBody {
  const o = body(raw, 'QueryRequestPayload')
  const texts = o.query_embeddings == null ? opt(o, 'query_texts', strings) : null
  const queries =
    texts !== null
      ? null
      : seq(required(o, 'query_embeddings'), 'query_embeddings').map((e, i) =>
          f32VectorStrict(e, join('query_embeddings', i))
        )
  const rest = {
    n_results: opt(o, 'n_results', u32),
    ids: opt(o, 'ids', strings),
    ...filters(o),
    include: opt(o, 'include', include)
  }
  if (queries === null) return { ...rest, query_embeddings: null, query_texts: texts ?? [] }
  return { ...rest, query_embeddings: queries, query_texts: null }
}

export function deleteBody(raw: unknown): DeleteRequest {
  const o = body(raw, 'DeleteCollectionRecordsPayload')
  return { ids: opt(o, 'ids', strings), ...filters(o), limit: opt(o, 'limit', u32) }
}

export function forkBody(raw: unknown): string {
  const o = body(raw, 'ForkCollectionPayload')
  return str(required(o, 'new_name'), 'new_name')
}

// ---- Chromadesk extensions (docs/extensions.md) -------------------------------------------------

/** POST .../chromadesk/count: `{ where?, where_document? }`; no body counts every record. */
export function countWhereBody(raw: unknown): Pick<GetRequest, 'where' | 'where_document'> {
  if (raw === undefined || raw === null) return { where: null, where_document: null }
  return filters(body(raw, 'CountWherePayload'))
}

/** POST .../chromadesk/facets: `{ key, where?, where_document?, limit? }`. */
export function facetsBody(raw: unknown): FacetRequest {
  const o = body(raw, 'FacetsPayload')
  return { key: str(required(o, 'key'), 'key'), ...filters(o), limit: opt(o, 'limit', u32) }
}

/**
 * The embed extension's body, as text-embeddings-inference's `/embed` takes it: `inputs` is one text
 * or a list of them (the form Chroma's `huggingface_server` function sends). Other TEI fields
 * (`truncate`, `normalize`) are ignored: texts are always truncated to the model's limit and embedded
 * as the collection's writes are.
 */
export function embedBody(raw: unknown): string[] {
  const o = body(raw, 'EmbedPayload')
  const inputs = required(o, 'inputs')
  const texts = typeof inputs === 'string' ? [inputs] : strings(inputs, 'inputs')
  if (texts.length === 0) throw new InvalidArgumentError('inputs must hold at least one text')
  return texts
}

export function resourceNameBody(raw: unknown): string {
  const o = body(raw, 'UpdateTenantPayload')
  return str(required(o, 'resource_name'), 'resource_name')
}

// ---- path and query string --------------------------------------------------------------------

const UUID_HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const UUID_SIMPLE = /^[0-9a-f]{32}$/i

/**
 * A collection id path segment, in any form Rust's `Uuid::parse_str` accepts (hyphenated, simple,
 * braced, urn), normalized to lowercase hyphenated. Chroma's message says UUIDv4 but any version
 * parses.
 */
export function collectionId(segment: string): string {
  let s = segment
  if (s.length === 38 && s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1)
  else if (s.toLowerCase().startsWith('urn:uuid:')) s = s.slice('urn:uuid:'.length)
  if (UUID_SIMPLE.test(s)) {
    s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
  }
  if (!UUID_HYPHENATED.test(s)) throw new InvalidArgumentError('Collection ID is not a valid UUIDv4')
  return s.toLowerCase()
}

const QUERY_PREFIX = 'Failed to deserialize query string: '

/** An optional u32 query parameter, with Rust's integer parse messages. */
export function queryU32(query: Record<string, unknown>, key: string): number | null {
  const raw = query[key]
  if (raw === undefined) return null
  const s = Array.isArray(raw) ? String(raw[raw.length - 1]) : String(raw)
  const bad = (why: string): InvalidArgumentError => new InvalidArgumentError(`${QUERY_PREFIX}${key}: ${why}`)
  if (s.length === 0) throw bad('cannot parse integer from empty string')
  if (!/^\+?[0-9]+$/.test(s)) throw bad('invalid digit found in string')
  const n = Number(s)
  if (n > 0xffffffff) throw bad('number too large to fit in target type')
  return n
}

const READ_LEVELS = ['index_and_wal', 'index_only', 'index_and_bounded_wal']

/** `read_level` on count: every level accepted and ignored, reads see every write (decision 0095). */
export function readLevel(query: Record<string, unknown>): void {
  const raw = query.read_level
  if (raw === undefined) return
  const s = String(raw)
  if (!READ_LEVELS.includes(s)) {
    throw new InvalidArgumentError(
      `${QUERY_PREFIX}read_level: unknown variant \`${s}\`, expected one of ${serdeNameList(READ_LEVELS)}`
    )
  }
}

// ---- search (Chroma 1.5; docs/search-api.md) ---------------------------------------------------

/** POST .../search: `{ searches, read_level? }`; the engine checks each payload (engine/search). */
export function searchBody(raw: unknown): unknown {
  const o = body(raw, 'SearchRequestPayload')
  const level = o.read_level
  if (level !== undefined && level !== null && !READ_LEVELS.includes(String(level))) {
    throw fail('read_level', `unknown variant \`${String(level)}\`, expected one of ${serdeNameList(READ_LEVELS)}`)
  }
  return required(o, 'searches')
}
