// The export file format (docs/export-format.md): JSON lines, a header, one line per record, a
// footer with the record count and a SHA-256 of the record lines, so truncation and damage show.
import { validateCollectionSchema, type CollectionSchema } from '../engine/collection-schema.js'
import type { Metadata } from '../engine/index.js'
import { decodeEmbedding as fromBytes, encodeEmbedding as toBytes } from '../engine/store/records.js'
import { isMetadataValue, isPlainObject, isSparseVector, parseSparseVector } from '../engine/validation.js'
import { PortabilityError, type CollectionSpec, type PortableConfiguration, type RecordBatch } from './types.js'

export const FORMAT_ID = 'chromadesk-collection'
export const FORMAT_VERSION = 1

export interface FileHeader {
  format: typeof FORMAT_ID
  version: number
  name: string
  metadata: Metadata | null
  configuration: PortableConfiguration
  dimension: number | null
  count: number
  created_at: string
  /** Chroma 1.5's index schema, when the collection has one (e.g. its keyword index). */
  schema?: CollectionSchema
}

/** A record line; `uri` only when set. */
export interface FileRecord {
  id: string
  document: string | null
  metadata: Record<string, unknown> | null
  embedding: string
  uri?: string
}

export interface FileFooter {
  end: true
  count: number
  sha256: string
}

export function headerFor(spec: CollectionSpec, count: number): FileHeader {
  return {
    format: FORMAT_ID,
    version: FORMAT_VERSION,
    name: spec.name,
    metadata: spec.metadata,
    configuration: spec.configuration,
    dimension: spec.dimension,
    count,
    created_at: new Date().toISOString(),
    ...(spec.schema ? { schema: spec.schema } : {})
  }
}

// ---- embeddings: base64 of little-endian float32 --------------------------------------------------

export function encodeEmbedding(v: Float32Array): string {
  return toBytes(v).toString('base64')
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

export function decodeEmbedding(s: string): Float32Array {
  // Buffer.from skips invalid characters silently, so the text is checked first.
  if (s.length % 4 !== 0 || !BASE64.test(s)) throw new Error('embedding is not base64')
  const bytes = Buffer.from(s, 'base64')
  if (bytes.length === 0 || bytes.length % 4 !== 0) throw new Error('embedding is not a whole number of float32 values')
  return fromBytes(bytes)
}

// ---- metadata: JSON values, plus a tag for integral floats ------------------------------------------

/** `{"$float": 2}` or `{"$float": [1, 2]}`: a float-typed value that JSON would read back as an int. */
const FLOAT_TAG = '$float'

export function encodeMetadata(m: Metadata | null, integralFloats?: string[] | null): Record<string, unknown> | null {
  if (m === null) return null
  if (!integralFloats || integralFloats.length === 0) return m
  const out: Record<string, unknown> = { ...m }
  for (const key of integralFloats) {
    const v = m[key]
    const integral = Array.isArray(v) ? v.every((x) => Number.isInteger(x)) : Number.isInteger(v)
    // A list with any fraction already reads back as a float list, so only all-integral ones need it.
    if (v !== undefined && integral) out[key] = { [FLOAT_TAG]: v }
  }
  return out
}

/** Plain metadata and the keys that carried the float tag. Throws on anything else. */
export function decodeMetadata(raw: unknown): { metadata: Metadata | null; integralFloats: string[] | null } {
  if (raw === null) return { metadata: null, integralFloats: null }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('metadata must be an object or null')
  const metadata: Metadata = {}
  let floats: string[] | null = null
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    let value = v
    if (isPlainObject(value) && (value['#type'] === 'sparse_vector' || isSparseVector(value))) {
      // A sparse vector (e.g. a keyword index's), checked by the rules a write applies.
      metadata[k] = parseSparseVector(value, `metadata key "${k}"`)
      continue
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value)
      const inner = (value as Record<string, unknown>)[FLOAT_TAG]
      const numeric = typeof inner === 'number' || (Array.isArray(inner) && inner.every((x) => typeof x === 'number'))
      if (keys.length !== 1 || keys[0] !== FLOAT_TAG || !numeric)
        throw new Error(`metadata key "${k}" has an object value`)
      value = inner
      ;(floats ??= []).push(k)
    }
    if (!isMetadataValue(value)) throw new Error(`metadata key "${k}" has an unsupported value`)
    metadata[k] = value
  }
  return { metadata, integralFloats: floats }
}

// ---- lines ---------------------------------------------------------------------------------------

export function recordLines(batch: RecordBatch): string[] {
  return batch.ids.map((id, i) => {
    const rec: FileRecord = {
      id,
      document: batch.documents[i] ?? null,
      metadata: encodeMetadata(batch.metadatas[i] ?? null, batch.integralFloats?.[i]),
      embedding: encodeEmbedding(batch.embeddings[i] as Float32Array)
    }
    const uri = batch.uris[i]
    if (uri != null) rec.uri = uri
    return JSON.stringify(rec) + '\n'
  })
}

export function parseHeader(line: string | undefined): FileHeader {
  const notOurs = (why: string): PortabilityError =>
    new PortabilityError(
      `Not a Chromadesk export file (${why}); expected a JSONL or Parquet file written by \`export\``
    )
  if (line === undefined || line.trim() === '') throw notOurs('the file is empty')
  let h: unknown
  try {
    h = JSON.parse(line)
  } catch {
    throw notOurs('the first line is not JSON')
  }
  if (typeof h !== 'object' || h === null || (h as FileHeader).format !== FORMAT_ID) {
    throw notOurs(`the first line has no "format": "${FORMAT_ID}"`)
  }
  const header = h as FileHeader
  if (header.version !== FORMAT_VERSION) {
    throw new PortabilityError(
      `Export format version ${String(header.version)} is not supported (this build reads version ${FORMAT_VERSION})`
    )
  }
  const dimOk = header.dimension === null || (Number.isInteger(header.dimension) && header.dimension > 0)
  if (
    typeof header.name !== 'string' ||
    !Number.isInteger(header.count) ||
    !dimOk ||
    typeof header.configuration !== 'object'
  ) {
    throw new PortabilityError('The export file header is damaged (name, count, dimension or configuration missing)')
  }
  if (header.schema != null) {
    // Checked as a create request's schema is, before anything is created from it.
    try {
      validateCollectionSchema(header.schema)
    } catch (e) {
      throw new PortabilityError(`The export file header's schema is not valid: ${(e as Error).message}`)
    }
  }
  return header
}

/** A parsed record line, or the footer. Throws a plain Error with the reason; callers add the line number. */
export function parseLine(line: string): { record: RecordBatchEntry } | { footer: FileFooter } {
  let o: unknown
  try {
    o = JSON.parse(line)
  } catch {
    throw new Error('not valid JSON')
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not a JSON object')
  const obj = o as Record<string, unknown>
  if (obj.end === true) {
    if (!Number.isInteger(obj.count) || typeof obj.sha256 !== 'string') throw new Error('damaged footer')
    return { footer: obj as unknown as FileFooter }
  }
  if (typeof obj.embedding !== 'string') throw new Error('embedding must be a base64 string')
  return { record: parseRecord(obj, decodeEmbedding(obj.embedding)) }
}

/**
 * A record's fields as read from any export file (a JSONL line, a Parquet row), checked the same way;
 * the embedding is decoded by the caller. Throws a plain Error with the reason.
 */
export function parseRecord(obj: Record<string, unknown>, embedding: Float32Array): RecordBatchEntry {
  if (typeof obj.id !== 'string' || obj.id === '') throw new Error('record without an id')
  if (obj.document !== null && typeof obj.document !== 'string') throw new Error('document must be a string or null')
  if (obj.uri !== undefined && obj.uri !== null && typeof obj.uri !== 'string') throw new Error('uri must be a string')
  const { metadata, integralFloats } = decodeMetadata(obj.metadata ?? null)
  return {
    id: obj.id,
    document: (obj.document as string | null) ?? null,
    metadata,
    integralFloats,
    uri: (obj.uri as string | undefined) ?? null,
    embedding
  }
}

export interface RecordBatchEntry {
  id: string
  document: string | null
  metadata: Metadata | null
  integralFloats: string[] | null
  uri: string | null
  embedding: Float32Array
}

export function toBatch(entries: RecordBatchEntry[]): RecordBatch {
  return {
    ids: entries.map((e) => e.id),
    embeddings: entries.map((e) => e.embedding),
    documents: entries.map((e) => e.document),
    metadatas: entries.map((e) => e.metadata),
    uris: entries.map((e) => e.uri),
    integralFloats: entries.map((e) => e.integralFloats)
  }
}
