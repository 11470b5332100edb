// The `where` builder's model and its conversion to and from Chroma's JSON filter. Pure functions, so
// the builder <-> JSON round trip is unit-tested (where-model.test.ts) without a DOM.
import type { Filter, MetadataKey, MetadataScalar } from '../../../../shared/contract'

export type MetaOperator =
  '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin' | '$contains' | '$not_contains'
export type ValueType = 'string' | 'number' | 'boolean'
export type Join = '$and' | '$or'

/** One `key op value` row. The value stays the text the user typed; it is parsed by `type` when converted. */
export interface WhereCondition {
  kind: 'condition'
  id: string
  key: string
  op: MetaOperator
  type: ValueType
  value: string
}

export interface WhereGroup {
  kind: 'group'
  id: string
  join: Join
  children: WhereNode[]
}

export type WhereNode = WhereCondition | WhereGroup

export const ALL_OPERATORS: MetaOperator[] = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$contains',
  '$not_contains'
]
const COMPARISONS: MetaOperator[] = ['$gt', '$gte', '$lt', '$lte']
const LIST_OPERATORS: MetaOperator[] = ['$in', '$nin']
const ELEMENT_OPERATORS: MetaOperator[] = ['$contains', '$not_contains']

export const OPERATOR_LABELS: Record<MetaOperator, string> = {
  $eq: '= ($eq)',
  $ne: '≠ ($ne)',
  $gt: '> ($gt)',
  $gte: '≥ ($gte)',
  $lt: '< ($lt)',
  $lte: '≤ ($lte)',
  $in: 'in ($in)',
  $nin: 'not in ($nin)',
  $contains: 'contains ($contains)',
  $not_contains: 'does not contain ($not_contains)'
}

let counter = 0
/** Ids only key React rows; they never reach the filter. */
export function newId(): string {
  counter += 1
  return `w${counter}`
}

export function emptyGroup(join: Join = '$and'): WhereGroup {
  return { kind: 'group', id: newId(), join, children: [] }
}

export function emptyCondition(key = '', meta?: MetadataKey): WhereCondition {
  const ops = operatorsFor(meta)
  return { kind: 'condition', id: newId(), key, op: ops[0] ?? '$eq', type: valueTypeFor(meta), value: '' }
}

const isNumericType = (t: MetadataKey['types'][number]): boolean => t === 'int' || t === 'float'

/** Operators that make sense for a key, by what its records store; an unknown key gets them all. */
export function operatorsFor(meta: MetadataKey | undefined): MetaOperator[] {
  if (!meta) return ALL_OPERATORS
  // Array values are matched by element; $eq and friends only see scalar values.
  if (meta.isArray) return ELEMENT_OPERATORS
  if (meta.types.some(isNumericType)) return ALL_OPERATORS.filter((op) => !ELEMENT_OPERATORS.includes(op))
  return ['$eq', '$ne', '$in', '$nin']
}

/** The value type a key's records store (numbers when every stored value is a number). */
export function valueTypeFor(meta: MetadataKey | undefined): ValueType {
  if (!meta || meta.types.length === 0) return 'string'
  if (meta.types.every(isNumericType)) return 'number'
  if (meta.types.every((t) => t === 'bool')) return 'boolean'
  return 'string'
}

export function isListOperator(op: MetaOperator): boolean {
  return LIST_OPERATORS.includes(op)
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string }

function parseScalar(text: string, type: ValueType): Parsed<MetadataScalar> {
  if (type === 'string') return { ok: true, value: text }
  const t = text.trim()
  if (type === 'boolean') {
    if (t.toLowerCase() === 'true') return { ok: true, value: true }
    if (t.toLowerCase() === 'false') return { ok: true, value: false }
    return { ok: false, error: `"${text}" is not true or false` }
  }
  const n = Number(t)
  if (t === '' || !Number.isFinite(n)) return { ok: false, error: `"${text}" is not a number` }
  return { ok: true, value: n }
}

/** A condition's value as the filter needs it: numbers stay numbers, booleans booleans, lists for $in/$nin. */
export function parseConditionValue(
  c: Pick<WhereCondition, 'op' | 'type' | 'value'>
): Parsed<MetadataScalar | MetadataScalar[]> {
  // Comparisons take numbers whatever the row's type says.
  const type: ValueType = COMPARISONS.includes(c.op) ? 'number' : c.type
  if (!isListOperator(c.op)) {
    if (type === 'string' && c.value === '') return { ok: false, error: 'Enter a value' }
    return parseScalar(c.value, type)
  }
  let items: unknown[]
  const trimmed = c.value.trim()
  if (trimmed.startsWith('[')) {
    // A JSON list keeps strings that contain commas.
    try {
      const parsed: unknown = JSON.parse(trimmed)
      if (!Array.isArray(parsed)) return { ok: false, error: 'Not a list' }
      items = parsed
    } catch {
      return { ok: false, error: 'Not a valid JSON list' }
    }
  } else {
    items = trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim())
  }
  if (items.length === 0) return { ok: false, error: 'List at least one value, separated by commas' }
  const out: MetadataScalar[] = []
  for (const item of items) {
    const r: Parsed<MetadataScalar> =
      typeof item === 'string'
        ? parseScalar(item, type)
        : isScalar(item)
          ? { ok: true, value: item }
          : { ok: false, error: `${JSON.stringify(item)} is not a string, number or boolean` }
    if (!r.ok) return r
    out.push(r.value)
  }
  if (!out.every((v) => typeof v === typeof out[0])) return { ok: false, error: 'List values must all have one type' }
  return { ok: true, value: out }
}

/** The text a value is edited as in the builder. */
export function formatValue(value: MetadataScalar | MetadataScalar[]): string {
  if (!Array.isArray(value)) return String(value)
  const needsJson = value.some((v) => typeof v === 'string' && (v.includes(',') || v !== v.trim() || v === ''))
  return needsJson ? JSON.stringify(value) : value.map(String).join(', ')
}

export interface BuiltWhere {
  where: Filter | null
  /** Condition id -> why it is left out of the filter. */
  errors: Record<string, string>
}

/**
 * Builder -> Chroma JSON. Blank rows are ignored; a group with one member is written as that member
 * (Chroma wants two or more in $and/$or); an empty builder is no filter at all.
 */
export function builderToWhere(root: WhereGroup): BuiltWhere {
  const errors: Record<string, string> = {}
  const visit = (node: WhereNode): Filter | null => {
    if (node.kind === 'condition') {
      if (node.key.trim() === '' && node.value === '') return null
      if (node.key.trim() === '') {
        errors[node.id] = 'Choose a key'
        return null
      }
      const parsed = parseConditionValue(node)
      if (!parsed.ok) {
        errors[node.id] = parsed.error
        return null
      }
      return { [node.key]: { [node.op]: parsed.value } }
    }
    const members = node.children.map(visit).filter((f): f is Filter => f !== null)
    if (members.length === 0) return null
    if (members.length === 1) return members[0] as Filter
    return { [node.join]: members }
  }
  return { where: visit(root), errors }
}

function isScalar(v: unknown): v is MetadataScalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function typeOf(v: MetadataScalar): ValueType {
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string'
}

function nodeFromJson(filter: unknown): WhereNode | null {
  if (!isPlainObject(filter)) return null
  const entries = Object.entries(filter)
  if (entries.length !== 1) return null
  const [key, value] = entries[0] as [string, unknown]
  if (key === '$and' || key === '$or') {
    if (!Array.isArray(value) || value.length === 0) return null
    const children = value.map(nodeFromJson)
    if (children.some((c) => c === null)) return null
    return { kind: 'group', id: newId(), join: key, children: children as WhereNode[] }
  }
  if (key.startsWith('$') || key.trim() === '') return null
  const condition = (op: MetaOperator, type: ValueType, v: MetadataScalar | MetadataScalar[]): WhereCondition => ({
    kind: 'condition',
    id: newId(),
    key,
    op,
    type,
    value: formatValue(v)
  })
  if (isScalar(value)) return condition('$eq', typeOf(value), value)
  if (!isPlainObject(value)) return null
  const ops = Object.entries(value)
  if (ops.length !== 1) return null
  const [op, operand] = ops[0] as [string, unknown]
  if (!ALL_OPERATORS.includes(op as MetaOperator)) return null
  const metaOp = op as MetaOperator
  if (isListOperator(metaOp)) {
    if (!Array.isArray(operand) || operand.length === 0 || !operand.every(isScalar)) return null
    const first = operand[0] as MetadataScalar
    if (!operand.every((x) => typeof x === typeof first)) return null
    return condition(metaOp, typeOf(first), operand)
  }
  if (COMPARISONS.includes(metaOp)) {
    return typeof operand === 'number' && Number.isFinite(operand) ? condition(metaOp, 'number', operand) : null
  }
  return isScalar(operand) ? condition(metaOp, typeOf(operand), operand) : null
}

/**
 * Chroma JSON -> builder, or null when the builder cannot show it exactly (several keys in one
 * object, unknown operators, wrong operand types): the raw JSON is then used as typed.
 */
export function whereToBuilder(filter: unknown): WhereGroup | null {
  if (filter === null || filter === undefined) return emptyGroup()
  if (isPlainObject(filter) && Object.keys(filter).length === 0) return emptyGroup()
  const node = nodeFromJson(filter)
  if (node === null) return null
  if (node.kind === 'group') return node
  return { kind: 'group', id: newId(), join: '$and', children: [node] }
}

export type JsonText = { ok: true; value: Filter | null } | { ok: false; error: string }

/** A filter textarea's content: empty means no filter; otherwise it must be a JSON object. */
export function parseFilterText(text: string): JsonText {
  if (text.trim() === '') return { ok: true, value: null }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { ok: false, error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` }
  }
  if (!isPlainObject(value)) return { ok: false, error: 'A filter is a JSON object, like {"key": {"$eq": "value"}}' }
  return { ok: true, value }
}

export function filterToText(filter: Filter | null): string {
  return filter === null ? '' : formatJson(filter)
}

function inlineJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inlineJson).join(', ')}]`
  if (isPlainObject(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${inlineJson(x)}`)
      .join(', ')}}`
  }
  return JSON.stringify(v)
}

const LINE_WIDTH = 48

/** JSON indented only where a line would get long, so each condition reads on one line. */
export function formatJson(v: unknown, indent = ''): string {
  const one = inlineJson(v)
  if (indent.length + one.length <= LINE_WIDTH) return one
  const next = indent + '  '
  if (Array.isArray(v)) return `[\n${v.map((x) => next + formatJson(x, next)).join(',\n')}\n${indent}]`
  if (isPlainObject(v)) {
    const body = Object.entries(v).map(([k, x]) => `${next}${JSON.stringify(k)}: ${formatJson(x, next)}`)
    return `{\n${body.join(',\n')}\n${indent}}`
  }
  return one
}

// ---- where_document ---------------------------------------------------------------------------

export type DocOperator = '$contains' | '$not_contains' | '$regex' | '$not_regex'
export const DOC_OPERATORS: DocOperator[] = ['$contains', '$not_contains', '$regex', '$not_regex']

export interface DocFilter {
  op: DocOperator
  text: string
}

export function docToWhere(doc: DocFilter): Filter | null {
  return doc.text === '' ? null : { [doc.op]: doc.text }
}

/** where_document JSON -> the simple form, or null when it needs the raw JSON (groups, other shapes). */
export function whereToDoc(filter: Filter | null): DocFilter | null {
  if (filter === null) return { op: '$contains', text: '' }
  const entries = Object.entries(filter)
  if (entries.length !== 1) return null
  const [op, text] = entries[0] as [string, unknown]
  if (!DOC_OPERATORS.includes(op as DocOperator) || typeof text !== 'string' || text === '') return null
  return { op: op as DocOperator, text }
}

// ---- vectors ------------------------------------------------------------------------------------

/** A pasted vector: a JSON array of numbers (brackets optional), checked before it is sent. */
export function parseVector(text: string, dimension: number | null): Parsed<number[]> {
  const t = text.trim()
  if (t === '') return { ok: false, error: 'Paste a vector, like [0.1, -0.2, 0.3]' }
  let value: unknown
  try {
    value = JSON.parse(t.startsWith('[') ? t : `[${t}]`)
  } catch {
    return { ok: false, error: 'The vector is not a JSON array of numbers' }
  }
  if (!Array.isArray(value) || value.length === 0) return { ok: false, error: 'The vector is empty' }
  const bad = value.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x))
  if (bad >= 0) return { ok: false, error: `Element ${bad} is not a number: ${JSON.stringify(value[bad])}` }
  if (dimension !== null && value.length !== dimension) {
    return {
      ok: false,
      error: `The vector has ${value.length} dimensions; this collection's records have ${dimension}`
    }
  }
  return { ok: true, value: value as number[] }
}

// ---- tree edits ---------------------------------------------------------------------------------

/** Returns the tree with node `id` replaced by `fn(node)` (or removed when fn returns null). */
export function updateNode(root: WhereGroup, id: string, fn: (node: WhereNode) => WhereNode | null): WhereGroup {
  const visit = (node: WhereNode): WhereNode | null => {
    if (node.id === id) return fn(node)
    if (node.kind === 'condition') return node
    const children = node.children.map(visit).filter((c): c is WhereNode => c !== null)
    return { ...node, children }
  }
  return (visit(root) as WhereGroup | null) ?? emptyGroup()
}
