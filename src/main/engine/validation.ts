// Chroma's validation rules, with its messages (Rust v2 server unless noted). Every function throws
// InvalidArgumentError (400) and accepts `unknown`, because the REST server passes raw JSON through.
import { isIPv4 } from 'node:net'
import { InvalidArgumentError, UnprocessableEntityError } from './errors.js'
import type { IncludeField, Metadata, MetadataValue, SparseVector, UpdateMetadata } from './types.js'

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$/

/**
 * Collection name rules of Chroma 1.x, checked in its order (charset/length, "..", IPv4). `field`
 * names the request field in the message ("name" on create, "new_name" on modify).
 */
export function validateCollectionName(name: unknown, field = 'name'): string {
  const prefix = `Validation error: ${field}: `
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new InvalidArgumentError(
      `${prefix}Expected a name containing 3-512 characters from [a-zA-Z0-9._-], ` +
        `starting and ending with a character in [a-zA-Z0-9]. Got: ${String(name)}`
    )
  }
  if (name.includes('..')) {
    throw new InvalidArgumentError(
      `${prefix}Expected a name that does not contains two consecutive periods (..). Got ${name}`
    )
  }
  if (isIPv4(name))
    throw new InvalidArgumentError(`${prefix}Expected a name that is not a valid ip address. Got ${name}`)
  return name
}

// Rust's validator reports a too-short name like this (the map is printed in Debug form).
function lengthError(field: string, name: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `Validation error: ${field}: Validation error: length [{"min": Number(3), "value": String(${JSON.stringify(name)})}]`
  )
}

export function validateTenantName(name: unknown): string {
  if (typeof name !== 'string') throw deserializeError('name', name, 'a string')
  if ([...name].length < 3) throw lengthError('name', name)
  return name
}

export function validateDatabaseName(name: unknown): string {
  if (typeof name !== 'string') throw deserializeError('name', name, 'a string')
  if ([...name].length < 3) throw lengthError('database_name', name)
  return name
}

// ---- request shape errors (Rust: 422 while deserializing the body) ---------------------------

/** serde's description of an unexpected JSON value. */
export function serdeDescribe(v: unknown): string {
  if (v === null || v === undefined) return 'invalid type: null'
  if (typeof v === 'string') return `invalid type: string ${JSON.stringify(v)}`
  if (typeof v === 'boolean') return `invalid type: boolean \`${v}\``
  if (typeof v === 'number')
    return Number.isInteger(v) ? `invalid value: integer \`${v}\`` : `invalid type: floating point \`${v}\``
  if (Array.isArray(v)) return 'invalid type: sequence'
  return 'invalid type: map'
}

/** serde's list of expected names in an error: "`a`, `b`, `c`". */
export function serdeNameList(names: readonly string[]): string {
  return names.map((n) => `\`${n}\``).join(', ')
}

/** A 422 worded like Rust's JSON body rejection (without its line/column suffix). */
export function deserializeError(path: string, value: unknown, expected: string): UnprocessableEntityError {
  return new UnprocessableEntityError(
    `Failed to deserialize the JSON body into the target type: ${path}: ${serdeDescribe(value)}, expected ${expected}`
  )
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)
}

export function validateIds(ids: unknown, field = 'ids'): string[] {
  if (!Array.isArray(ids)) throw deserializeError(field, ids, 'a sequence')
  ids.forEach((id: unknown, i) => {
    if (typeof id !== 'string') throw deserializeError(`${field}[${i}]`, id, 'a string')
    if (id.length === 0) throw new InvalidArgumentError('Empty ID, ID must have at least one character')
  })
  return ids as string[]
}

/** Every list given (non-null) must have as many entries as ids. */
export function validateLengths(n: number, ...lists: (unknown[] | null | undefined)[]): void {
  for (const l of lists) {
    if (l != null && l.length !== n) {
      throw new InvalidArgumentError('Inconsistent number of IDs, embeddings, documents, URIs and metadatas')
    }
  }
}

export function validateOptionalList(v: unknown, what: string): unknown[] | null {
  if (v == null) return null
  if (!Array.isArray(v)) throw new InvalidArgumentError(`Expected ${what} to be a list`)
  return v
}

export function validateStringOrNullList(v: unknown, what: string): (string | null)[] | null {
  const list = validateOptionalList(v, what)
  if (list === null) return null
  for (const s of list) {
    if (s !== null && s !== undefined && typeof s !== 'string') {
      throw new InvalidArgumentError(`Expected ${what} to be a list of strings or nulls`)
    }
  }
  return list.map((s) => (s === undefined ? null : (s as string | null)))
}

// ---- metadata ---------------------------------------------------------------------------------

// A value no variant of Chroma's untagged MetadataValue enum accepts (object, null in add, empty or
// mixed list, non-finite number).
function badValue(path: string, key: string, update: boolean): UnprocessableEntityError {
  return new UnprocessableEntityError(
    `Failed to deserialize the JSON body into the target type: ${path}.${key}: data did not match any variant ` +
      `of untagged enum ${update ? 'UpdateMetadataValue' : 'MetadataValue'}`
  )
}

export function isMetadataValue(value: unknown): value is MetadataValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
  }
  if (!Array.isArray(value) || value.length === 0) return false
  const t = typeof value[0]
  if (t !== 'string' && t !== 'number' && t !== 'boolean') return false
  // Numbers form one list type: ints and floats mix (it deserializes as a float list).
  return value.every((el) => typeof el === t && (t !== 'number' || Number.isFinite(el)))
}

/** A stored (already checked) sparse vector among metadata values. */
export function isSparseVector(value: unknown): value is SparseVector {
  return isPlainObject(value) && Array.isArray(value.indices) && Array.isArray(value.values)
}

const SPARSE_FIELDS = new Set(['#type', 'indices', 'values', 'tokens'])

/**
 * A sparse vector as Chroma 1.5 accepts it (`{ "#type"?: "sparse_vector", indices, values, tokens? }`),
 * checked with its rules and reduced to { indices, values } (tokens only matter to the client).
 */
export function parseSparseVector(v: Record<string, unknown>, where: string): SparseVector {
  const { indices, values, tokens } = v
  const type = v['#type']
  if (type !== undefined && type !== 'sparse_vector') {
    throw new InvalidArgumentError(`${where}: Expected #type='sparse_vector', got '${String(type)}'`)
  }
  const unknown = Object.keys(v).find((k) => !SPARSE_FIELDS.has(k))
  if (unknown !== undefined) throw new InvalidArgumentError(`${where}: unknown sparse vector field \`${unknown}\``)
  if (!Array.isArray(indices) || indices.some((i) => !Number.isInteger(i) || i < 0 || i > 0xffffffff)) {
    throw new InvalidArgumentError(`${where}: sparse vector indices must be a list of integers from 0 to 2^32-1`)
  }
  if (!Array.isArray(values) || values.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new InvalidArgumentError(`${where}: sparse vector values must be a list of finite numbers`)
  }
  if (
    indices.length !== values.length ||
    (tokens != null && (!Array.isArray(tokens) || tokens.length !== indices.length))
  ) {
    throw new InvalidArgumentError(
      `${where}: Sparse vector indices, values, and tokens (when present) must have the same length`
    )
  }
  for (let i = 1; i < indices.length; i++) {
    if ((indices[i] as number) <= (indices[i - 1] as number)) {
      throw new InvalidArgumentError(
        `${where}: Sparse vector indices must be sorted in strictly ascending order (no duplicates)`
      )
    }
  }
  // float32 weights, as Chroma stores them, so scores match upstream's.
  return { indices: indices as number[], values: (values as number[]).map(Math.fround) }
}

/** A record metadata value: a scalar, a list, or a sparse vector (normalized). */
function metadataValue(v: unknown, path: string, key: string, update: boolean): MetadataValue {
  if (isMetadataValue(v)) return v
  if (isPlainObject(v) && ('indices' in v || 'values' in v || '#type' in v)) {
    return parseSparseVector(v, `${path}.${key}`)
  }
  throw badValue(path, key, update)
}

function validateMetadataKey(key: string): void {
  if (key.length === 0) throw new InvalidArgumentError('Metadata key cannot be empty')
  if (key.startsWith('#') || key.startsWith('$')) {
    throw new InvalidArgumentError(`Metadata key cannot start with '#' or '$': ${key}`)
  }
}

/** Record (or collection) metadata for add/create. `path` names it in errors, e.g. "metadatas[3]". */
export function validateMetadata(m: unknown, path = 'metadata'): Metadata {
  if (!isPlainObject(m)) throw deserializeError(path, m, 'a map')
  const out: Metadata = {}
  for (const [k, v] of Object.entries(m)) {
    out[k] = metadataValue(v, path, k, false)
    validateMetadataKey(k)
  }
  return out
}

/** Record metadata for update/upsert: `null` values mean "delete this key". */
export function validateUpdateMetadata(m: unknown, path = 'metadata'): UpdateMetadata {
  if (!isPlainObject(m)) throw deserializeError(path, m, 'a map')
  const out: UpdateMetadata = {}
  for (const [k, v] of Object.entries(m)) {
    out[k] = v === null ? null : metadataValue(v, path, k, true)
    validateMetadataKey(k)
  }
  return out
}

/** Collection metadata: if present it must be non-empty. */
export function validateCollectionMetadata(m: unknown, field = 'metadata'): Metadata | null {
  if (m == null) return null
  const md = validateMetadata(m)
  if (Object.keys(md).length === 0)
    throw new InvalidArgumentError(`Validation error: ${field}: Metadata cannot be empty`)
  const sparse = Object.keys(md).find((k) => isSparseVector(md[k]))
  if (sparse !== undefined) {
    throw new InvalidArgumentError(`${field}.${sparse}: sparse vectors belong in record metadata, not a collection's`)
  }
  return md
}

// ---- embeddings -------------------------------------------------------------------------------

function isNumberList(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array
}

/**
 * Converts embeddings to float32 and checks them: at least one dimension, finite, one length for
 * the whole request, and `expectedDim` (the collection's dimension) when set. `null` entries are
 * passed through when allowed (update: leave unchanged).
 */
export function validateEmbeddings(
  list: unknown,
  expectedDim: number | null,
  allowNullEntries = false
): { vectors: (Float32Array | null)[]; dim: number | null } {
  if (!Array.isArray(list)) throw new InvalidArgumentError('Expected embeddings to be a list of lists of numbers')
  let dim: number | null = null
  const vectors: (Float32Array | null)[] = []
  for (const e of list) {
    if (e === null && allowNullEntries) {
      vectors.push(null)
      continue
    }
    if (!isNumberList(e)) throw new InvalidArgumentError('Expected embeddings to be a list of lists of numbers')
    if (e.length === 0) {
      // Chroma reports an empty embedding against a known dimension as a dimension mismatch.
      if (expectedDim !== null) {
        throw new InvalidArgumentError(`Collection expecting embedding with dimension of ${expectedDim}, got 0`)
      }
      throw new InvalidArgumentError('Invalid embeddings: Each embedding must have at least 1 dimension')
    }
    // Convert first (fast path), then scan: anything that is not a finite number shows up as
    // NaN/Infinity in the float32 copy; only then is the original inspected for the message.
    const v = new Float32Array(e as ArrayLike<number>)
    for (let i = 0; i < v.length; i++) {
      if (Number.isFinite(v[i] as number)) continue
      const x = (e as ArrayLike<unknown>)[i]
      if (typeof x !== 'number') throw new InvalidArgumentError('Expected embeddings to be a list of lists of numbers')
      throw new InvalidArgumentError('Invalid embeddings: values must be finite numbers')
    }
    if (Array.isArray(e)) {
      // Float32Array() coerces strings, booleans and nulls to numbers; Chroma rejects them.
      for (const x of e) {
        if (typeof x !== 'number')
          throw new InvalidArgumentError('Expected embeddings to be a list of lists of numbers')
      }
    }
    if (dim === null) dim = v.length
    else if (dim !== v.length) throw new InvalidArgumentError('Inconsistent dimensions in provided embeddings')
    vectors.push(v)
  }
  if (dim !== null && expectedDim !== null && dim !== expectedDim) {
    throw new InvalidArgumentError(`Collection expecting embedding with dimension of ${expectedDim}, got ${dim}`)
  }
  return { vectors, dim }
}

// ---- read options -----------------------------------------------------------------------------

const INCLUDE_VALUES = new Set(['documents', 'embeddings', 'metadatas', 'distances', 'uris', 'data'])

/** Unknown values are a 422, as when Rust fails to deserialize the request body. */
export function validateInclude(include: unknown, fallback: IncludeField[]): IncludeField[] {
  if (include == null) return [...fallback]
  if (!Array.isArray(include)) {
    throw new UnprocessableEntityError(
      'Failed to deserialize the JSON body into the target type: include: expected a sequence'
    )
  }
  include.forEach((i: unknown, n) => {
    if (typeof i !== 'string' || !INCLUDE_VALUES.has(i)) {
      throw new UnprocessableEntityError(
        `Failed to deserialize the JSON body into the target type: include[${n}]: unknown variant \`${String(i)}\`, ` +
          'expected one of `distances`, `documents`, `embeddings`, `metadatas`, `uris`'
      )
    }
  })
  return include as IncludeField[]
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff
}

/** u32 or null (limit, offset). */
export function validateCount(v: unknown, field: string): number | null {
  if (v == null) return null
  if (!isU32(v)) throw deserializeError(field, v, 'u32')
  return v
}

/** u32, default 10. Chroma's server answers 0 with empty result lists. */
export function validateNResults(v: unknown): number {
  if (v == null) return 10
  if (!isU32(v)) throw deserializeError('n_results', v, 'u32')
  return v
}
