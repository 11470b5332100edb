import type { Metadata, MetadataScalar, MetadataValue } from '../../../../shared/contract'

export type ScalarKind = 'string' | 'int' | 'float' | 'bool'
export type ValueKind = ScalarKind | `${ScalarKind}[]`

export const VALUE_KINDS: ValueKind[] = ['string', 'int', 'float', 'bool', 'string[]', 'int[]', 'float[]', 'bool[]']

/** One editable metadata entry. Values stay as typed text until saved so half-typed numbers survive. */
export interface MetadataRow {
  uid: string
  key: string
  kind: ValueKind
  /** Scalar kinds. */
  value: string
  /** Array kinds, one entry per item. */
  items: string[]
  /** The row as read from stored metadata (rowsFromMetadata): an empty value it held may stay. */
  stored?: { kind: ValueKind; value: string; items: string[] }
}

let nextUid = 0
const uid = (): string => `m${++nextUid}`

export function emptyRow(): MetadataRow {
  return { uid: uid(), key: '', kind: 'string', value: '', items: [] }
}

function kindOf(v: MetadataScalar): ScalarKind {
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  return 'string'
}

/**
 * A sparse vector (a keyword index's, say): records' metadata may hold them though the contract's
 * scalar types leave them out. Not edited as rows; the engine recomputes a keyword index's own.
 */
export function isSparseValue(v: unknown): boolean {
  return Array.isArray((v as { indices?: unknown } | null)?.indices)
}

export function rowsFromMetadata(metadata: Metadata | null | undefined): MetadataRow[] {
  return Object.entries(metadata ?? {})
    .filter((entry): entry is [string, Exclude<MetadataValue, null>] => entry[1] !== null && !isSparseValue(entry[1]))
    .map(([key, v]) => {
      if (Array.isArray(v)) {
        const kinds = new Set(v.map(kindOf))
        // A float array may hold whole numbers: any float makes the whole array float.
        const base: ScalarKind = kinds.has('float')
          ? 'float'
          : ((v[0] === undefined ? 'string' : kindOf(v[0])) as ScalarKind)
        const row = { kind: `${base}[]` as ValueKind, value: '', items: v.map(String) }
        return { uid: uid(), key, ...row, stored: { ...row, items: [...row.items] } }
      }
      const row = { kind: kindOf(v) as ValueKind, value: String(v), items: [] }
      return { uid: uid(), key, ...row, stored: row }
    })
}

/**
 * An empty value is refused, never saved as "" unnoticed: the user types one or removes the row. A
 * value a record already holds (a script wrote "") is kept while its row is left as it was, so saving
 * a record's other fields does not require changing it (docs/decisions/0137).
 */
export const EMPTY_VALUE = 'Empty value: type one, or remove this entry'

/** The row holds what rowsFromMetadata read, unedited. */
function unchanged(row: MetadataRow): boolean {
  const s = row.stored
  return (
    s !== undefined &&
    s.kind === row.kind &&
    s.value === row.value &&
    s.items.length === row.items.length &&
    s.items.every((item, i) => item === row.items[i])
  )
}

function parseScalar(kind: ScalarKind, text: string, keepEmpty = false): MetadataScalar | Error {
  const t = text.trim()
  if (t === '' && !(keepEmpty && kind === 'string')) return new Error(EMPTY_VALUE)
  switch (kind) {
    case 'string':
      return text
    case 'int':
      return /^[-+]?\d+$/.test(t) && Number.isSafeInteger(Number(t))
        ? Number(t)
        : new Error(`"${text}" is not an integer`)
    case 'float': {
      const n = Number(t)
      return Number.isFinite(n) ? n : new Error(`"${text}" is not a number`)
    }
    case 'bool':
      return t === 'true' ? true : t === 'false' ? false : new Error('Choose true or false')
  }
}

export interface ParsedMetadata {
  metadata: Metadata
  /** Problems by row uid; empty when the metadata can be sent. */
  errors: Record<string, string>
}

/**
 * Turns edited rows into metadata. Only shape problems are caught here (empty or repeated keys,
 * values that do not parse as their type); the engine's own rules come back as its messages.
 */
export function parseRows(rows: MetadataRow[]): ParsedMetadata {
  const metadata: Metadata = {}
  const errors: Record<string, string> = {}
  for (const row of rows) {
    const key = row.key.trim()
    if (key === '') {
      errors[row.uid] = 'Key is required'
      continue
    }
    if (Object.hasOwn(metadata, key)) {
      errors[row.uid] = `Key "${key}" is repeated`
      continue
    }
    const keepEmpty = unchanged(row)
    if (row.kind.endsWith('[]')) {
      const base = row.kind.slice(0, -2) as ScalarKind
      const values = row.items.map((item) => parseScalar(base, item, keepEmpty))
      const bad = values.find((v): v is Error => v instanceof Error)
      if (bad) errors[row.uid] = bad.message
      else if (values.length === 0) errors[row.uid] = 'Add at least one item'
      else metadata[key] = values as MetadataScalar[]
    } else {
      const value = parseScalar(row.kind as ScalarKind, row.value, keepEmpty)
      if (value instanceof Error) errors[row.uid] = value.message
      else metadata[key] = value
    }
  }
  return { metadata, errors }
}

/** One value as the table and chips show it. */
export function formatValue(v: MetadataValue): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? x : String(x))).join(', ')}]`
  // Its size says more in a cell than its numbers.
  if (isSparseValue(v)) return `sparse vector, ${(v as unknown as { indices: unknown[] }).indices.length} terms`
  return v === null ? 'null' : String(v)
}
