// Structured files (CSV, a JSON array of objects, JSON Lines of objects) as tables: one row becomes one
// record, its document made of the chosen field(s), an optional id field, and other chosen fields as
// typed metadata. Rows are not chunked: a row is the unit a user searches for.
import type { Metadata } from '../types.js'

export type FieldType = 'string' | 'number' | 'boolean' | 'mixed' | 'object'

export interface TableField {
  name: string
  type: FieldType
  /** Rows with a non-empty value. */
  filled: number
  /** Mean length of the non-empty values as text: the longest is the likely document. */
  meanLength: number
  /** Every non-empty value differs from the others and no row lacks one: it can be an id. */
  unique: boolean
  /** The first non-empty value, for the preview. */
  sample: string
}

export interface Table {
  fields: TableField[]
  rows: Record<string, unknown>[]
}

export interface FieldMapping {
  /** Fields whose values make the document (one: the value as is; several: `field: value` lines). */
  document: string[]
  /** The field that gives each record's id; null: ids from the file's content and the row number. */
  id: string | null
  /** Fields stored as metadata, with their types (numbers and booleans stay numbers and booleans). */
  metadata: string[]
}

export interface TableRecord {
  /** The row's position in the file (0-based). */
  row: number
  /** From the id field, when the mapping has one. */
  id?: string
  text: string
  metadata: Metadata
}

/** The metadata key that tells how a file was made into records (job.ts' ingestSettings). */
export const SETTINGS_KEY = 'ingest_settings'

/** Metadata keys ingest writes itself; a field of the same name is stored as `field_<name>`. */
export const RESERVED_KEYS = new Set([
  'source',
  'file_name',
  'chunk_index',
  'page',
  'row',
  'ingested_at',
  'file_sha256',
  'chunk_count',
  SETTINGS_KEY
])

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/

/** A CSV cell as the type its whole column holds (see typeCsvColumns). */
function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '')
}

function asText(value: unknown): string {
  if (isEmpty(value)) return ''
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/**
 * CSV cells are all text: a column whose every non-empty cell is a number becomes numbers, one of
 * only true/false becomes booleans; anything else stays text (so "007" in a column of codes stays "007"
 * only when some other cell is not a number).
 */
export function typeCsvColumns(header: string[], records: string[][]): Record<string, unknown>[] {
  const kinds = header.map((_, c) => {
    let numbers = true
    let booleans = true
    let any = false
    for (const record of records) {
      const cell = (record[c] ?? '').trim()
      if (cell === '') continue
      any = true
      if (!NUMBER.test(cell)) numbers = false
      if (!/^(true|false)$/i.test(cell)) booleans = false
      if (!numbers && !booleans) break
    }
    return !any ? 'string' : numbers ? 'number' : booleans ? 'boolean' : 'string'
  })
  return records.map((record) => {
    const row: Record<string, unknown> = {}
    header.forEach((name, c) => {
      const cell = (record[c] ?? '').trim()
      if (cell === '') return
      row[name] = kinds[c] === 'number' ? Number(cell) : kinds[c] === 'boolean' ? cell.toLowerCase() === 'true' : cell
    })
    return row
  })
}

/** The fields of a list of rows, in first-seen order, with their types and statistics. */
export function describeTable(rows: Record<string, unknown>[]): Table {
  const stats = new Map<
    string,
    { types: Set<FieldType>; filled: number; length: number; seen: Set<string>; sample: string }
  >()
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      let s = stats.get(name)
      if (!s) {
        s = { types: new Set(), filled: 0, length: 0, seen: new Set(), sample: '' }
        stats.set(name, s)
      }
      if (isEmpty(value)) continue
      const type: FieldType =
        typeof value === 'number'
          ? 'number'
          : typeof value === 'boolean'
            ? 'boolean'
            : typeof value === 'object'
              ? 'object'
              : 'string'
      s.types.add(type)
      const text = asText(value)
      s.filled++
      s.length += text.length
      s.seen.add(text)
      if (s.sample === '') s.sample = text.slice(0, 80)
    }
  }
  const fields = [...stats].map(([name, s]) => ({
    name,
    type:
      s.types.size === 1
        ? ([...s.types][0] as FieldType)
        : s.types.size === 0
          ? ('string' as const)
          : ('mixed' as const),
    filled: s.filled,
    meanLength: s.filled > 0 ? s.length / s.filled : 0,
    unique: s.filled === rows.length && s.seen.size === rows.length,
    sample: s.sample
  }))
  return { fields, rows }
}

/**
 * The defaults the preview offers: the text field with the longest values is the document; a unique
 * field named id (or ending in _id / Id) is the id; every other field of a scalar type is metadata.
 */
export function guessMapping(table: Table): FieldMapping {
  const texts = table.fields.filter((f) => f.type === 'string' || f.type === 'mixed')
  const pool = texts.length > 0 ? texts : table.fields
  const document = [...pool].sort((a, b) => b.meanLength - a.meanLength)[0]
  const idField = table.fields.find((f) => f !== document && f.unique && /^(id|_id|.*_id|.*Id)$/.test(f.name))
  return {
    document: document ? [document.name] : [],
    id: idField?.name ?? null,
    metadata: table.fields.filter((f) => f !== document && f !== idField && f.type !== 'object').map((f) => f.name)
  }
}

/** Refuses a mapping that names fields the table lacks; describes the problem for the user. */
export function checkMapping(table: Table, mapping: FieldMapping, fileName: string): string | null {
  const known = new Set(table.fields.map((f) => f.name))
  if (mapping.document.length === 0) return `${fileName}: choose at least one field for the document`
  const missing = [...mapping.document, ...mapping.metadata, ...(mapping.id !== null ? [mapping.id] : [])].filter(
    (name) => !known.has(name)
  )
  if (missing.length > 0) return `${fileName}: no field named ${missing.map((m) => JSON.stringify(m)).join(', ')}`
  if (mapping.id !== null && !table.fields.find((f) => f.name === mapping.id)?.unique) {
    return `${fileName}: the id field "${mapping.id}" must hold a different, non-empty value in every row`
  }
  return null
}

/** The records a table gives under a mapping; rows whose document fields are all empty are left out. */
export function tableRecords(table: Table, mapping: FieldMapping): TableRecord[] {
  const records: TableRecord[] = []
  table.rows.forEach((row, i) => {
    const parts = mapping.document.map((name) => [name, asText(row[name])] as const).filter(([, v]) => v !== '')
    if (parts.length === 0) return
    const text = mapping.document.length === 1 ? (parts[0]?.[1] ?? '') : parts.map(([n, v]) => `${n}: ${v}`).join('\n')
    const metadata: Metadata = {}
    for (const name of mapping.metadata) {
      const value = row[name]
      if (isEmpty(value)) continue
      // Ingest's own keys, and names the engine refuses ($ and # lead Chroma's operators and system keys).
      const key = RESERVED_KEYS.has(name) || /^[$#]/.test(name) ? `field_${name}` : name
      metadata[key] = typeof value === 'number' || typeof value === 'boolean' ? value : asText(value)
    }
    const record: TableRecord = { row: i, text, metadata }
    if (mapping.id !== null) record.id = asText(row[mapping.id])
    records.push(record)
  })
  return records
}
