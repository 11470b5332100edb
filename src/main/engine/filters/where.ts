// Parsing of `where` / `where_document` into a small tree (validation with Chroma's messages), and
// compilation of that tree into a SQL boolean expression over `records r`.
//
// Semantics follow Chroma 1.x (Rust):
//  - $eq/$in match scalar values only; int and float compare numerically, but against an int-stored
//    value a non-integer operand is truncated toward zero (Rust's `as i64` quirk). An $in/$nin list
//    holding any float is a float list: its ints match as they are, its floats as above.
//  - $ne/$nin/$not_contains are plain negations: records without the key match.
//  - $contains/$not_contains on a metadata key look at array elements and scalars alike, numbers
//    compared exactly (no truncation quirk, as Chroma 1.5 compares array elements).
//  - Document filters: $contains is a case-sensitive substring test (FTS5 trigram index narrows,
//    instr() confirms; needles under 3 characters use instr() alone); negations match records
//    without a document.
// JS numbers cannot carry int/float distinction: Number.isInteger(x) decides (2.0 is an int).
import { InvalidFilterError } from '../errors.js'
import { isPlainObject } from '../validation.js'
import { compileRegex } from './regex.js'

export type Scalar = string | number | boolean
export type MetaOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'contains' | 'not_contains'
export type DocOp = 'contains' | 'not_contains' | 'regex' | 'not_regex'

export type FilterNode =
  | { kind: 'and' | 'or'; children: FilterNode[] }
  | { kind: 'meta'; key: string; op: MetaOp; value: Scalar | Scalar[] }
  | { kind: 'doc'; op: DocOp; value: string }
  /** Record ids (the search API's `#id` key; parseWhere never produces it). */
  | { kind: 'id'; negate: boolean; ids: string[] }

const WHERE_ERR = 'Invalid where clause'
const DOC_ERR = 'Invalid where document clause'

// Chroma's API answers every unreadable filter with one message; the reasons below, in plain words,
// are what the app's own UI shows (InvalidFilterError.reason, docs/filters.md).
type Fail = (reason: string, key?: string) => InvalidFilterError
const invalidWhere: Fail = (reason, key) => new InvalidFilterError(WHERE_ERR, reason, key)
const invalidDoc: Fail = (reason, key) => new InvalidFilterError(DOC_ERR, reason, key)

const META_OPERATORS = '$eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $contains or $not_contains'
const DOC_OPERATORS = '$contains, $not_contains, $regex or $not_regex'

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
}

/** What a JSON value is, as a user would name it: `the text "2020"`, `a list`, `null`. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'a number JSON cannot hold'
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return 'a list'
  return 'an object'
}

function singleEntry(o: unknown, fail: () => InvalidFilterError): [string, unknown] {
  if (!isPlainObject(o)) throw fail()
  const entries = Object.entries(o)
  const first = entries[0]
  if (entries.length !== 1 || !first) throw fail()
  return first
}

const DOC_OPS: Record<string, DocOp> = {
  $contains: 'contains',
  $not_contains: 'not_contains',
  $regex: 'regex',
  $not_regex: 'not_regex'
}

function docLeaf(opKey: string, operand: unknown, fail: Fail): FilterNode {
  const op = DOC_OPS[opKey]
  if (!op) throw fail(`Unknown document operator ${opKey}: use ${DOC_OPERATORS}`)
  if (typeof operand !== 'string') throw fail(`${opKey} needs a text, not ${describeValue(operand)}`)
  if (op === 'regex' || op === 'not_regex') compileRegex(operand)
  return { kind: 'doc', op, value: operand }
}

function children(op: string, value: unknown, fail: Fail, parse: (w: unknown) => FilterNode): FilterNode[] {
  if (!Array.isArray(value)) throw fail(`${op} needs a list of conditions, like {"${op}": [{...}, {...}]}`)
  return value.map(parse)
}

export function parseWhere(w: unknown): FilterNode {
  const [key, value] = singleEntry(w, () =>
    invalidWhere(
      isPlainObject(w) && Object.keys(w).length > 1
        ? 'Give one key per object: combine several conditions with {"$and": [...]} or {"$or": [...]}'
        : isPlainObject(w)
          ? 'An empty condition {} matches nothing: give a key, like {"genre": "news"}'
          : `A where filter is a JSON object, like {"genre": "news"}, not ${describeValue(w)}`
    )
  )
  if (key === '$and' || key === '$or') {
    return { kind: key === '$and' ? 'and' : 'or', children: children(key, value, invalidWhere, parseWhere) }
  }
  if (key.startsWith('$')) throw invalidWhere(`Unknown operator ${key} here: use $and, $or or a metadata key`)
  // #document with a document operator is a document filter; anything else under a '#' key is
  // compared as an ordinary metadata key (it matches nothing: such keys cannot be stored).
  if (key === '#document' && isPlainObject(value)) {
    const entries = Object.entries(value)
    const first = entries[0]
    if (entries.length === 1 && first && first[0] in DOC_OPS) return docLeaf(first[0], first[1], invalidWhere)
  }
  if (isScalar(value)) return { kind: 'meta', key, op: 'eq', value }
  const [opKey, operand] = singleEntry(value, () =>
    invalidWhere(
      Array.isArray(value)
        ? `"${key}" is given a list: to match any of several values write {"${key}": {"$in": [...]}}`
        : isPlainObject(value)
          ? `"${key}" needs exactly one operator, like {"${key}": {"$eq": ...}}; combine several with $and`
          : `"${key}" needs a text, number or boolean to match, not ${describeValue(value)}`
    )
  )
  // Type rules name the key, so the database can add what the key holds (ChromaDatabase.parseFilters).
  const fail = (rule: string): InvalidFilterError =>
    invalidWhere(`${opKey} on "${key}" ${rule}, not ${describeValue(operand)}`, key)
  switch (opKey) {
    case '$eq':
    case '$ne':
    case '$contains':
    case '$not_contains':
      if (!isScalar(operand)) throw fail('needs a text, number or boolean')
      return { kind: 'meta', key, op: opKey.slice(1) as MetaOp, value: operand }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      if (typeof operand !== 'number' || !Number.isFinite(operand)) throw fail('needs a number')
      return { kind: 'meta', key, op: opKey.slice(1) as MetaOp, value: operand }
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand)) throw fail('needs a list of values')
      if (operand.length === 0) throw invalidWhere(`${opKey} on "${key}" needs at least one value`)
      // One JSON type per list: strings, booleans or numbers. Numbers mix freely: a list with a
      // float in it is a float list (docs/decisions/0030). Chroma takes the first element's wire
      // type, so it accepts [2.5, 1] and [1.0, 2.5] but not [1, 2.5]; 1.0 and 1 are one JS number.
      const t = typeof operand[0]
      for (const el of operand) {
        if (!isScalar(el) || typeof el !== t) {
          throw invalidWhere(
            `${opKey} on "${key}" needs a list of one kind of value (all texts, all numbers or all ` +
              `booleans), not one holding ${describeValue(el)}`,
            key
          )
        }
      }
      return { kind: 'meta', key, op: opKey.slice(1) as MetaOp, value: operand as Scalar[] }
    }
    default:
      throw invalidWhere(`Unknown operator ${opKey} on "${key}": use ${META_OPERATORS}`)
  }
}

export function parseWhereDocument(w: unknown): FilterNode {
  const [key, value] = singleEntry(w, () =>
    invalidDoc(
      isPlainObject(w) && Object.keys(w).length > 1
        ? 'Give one operator per object: combine several with {"$and": [...]} or {"$or": [...]}'
        : `A document filter is a JSON object with one operator, like {"$contains": "word"}, not ${
            isPlainObject(w) ? 'an empty object' : describeValue(w)
          }`
    )
  )
  if (key === '$and' || key === '$or') {
    return { kind: key === '$and' ? 'and' : 'or', children: children(key, value, invalidDoc, parseWhereDocument) }
  }
  return docLeaf(key, value, invalidDoc)
}

// ---- compilation ------------------------------------------------------------------------------

/** vtype column of record_metadata (sparse: a sparse vector as JSON, never matched by a filter). */
export const VType = { str: 0, int: 1, float: 2, bool: 3, sparse: 4 } as const

export interface SqlFragment {
  sql: string
  params: unknown[]
}

const isFloat = (n: number): boolean => !Number.isInteger(n)

/** Condition on record_metadata row `m` meaning "value equals operand" (Chroma 1.x typing rules). */
function eqCondition(v: Scalar): SqlFragment {
  if (typeof v === 'string') return { sql: `m.vtype = ${VType.str} AND m.value = ?`, params: [v] }
  if (typeof v === 'boolean') return { sql: `m.vtype = ${VType.bool} AND m.value = ?`, params: [v ? 1 : 0] }
  if (!isFloat(v)) return { sql: `m.vtype IN (${VType.int}, ${VType.float}) AND m.value = ?`, params: [v] }
  return {
    sql: `((m.vtype = ${VType.int} AND m.value = ?) OR (m.vtype = ${VType.float} AND m.value = ?))`,
    params: [Math.trunc(v), v]
  }
}

/**
 * $contains element test. Chroma 1.5 compares array elements exactly (no truncation of a float
 * operand against ints); an int operand also matches an integer-valued float element, since JSON
 * and JS cannot tell 2.0 from 2.
 */
function containsCondition(v: Scalar): SqlFragment {
  if (typeof v !== 'number') return eqCondition(v)
  return { sql: `m.vtype IN (${VType.int}, ${VType.float}) AND m.value = ?`, params: [v] }
}

function compareCondition(op: 'gt' | 'gte' | 'lt' | 'lte', v: number): SqlFragment {
  const sqlOp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]
  if (!isFloat(v)) return { sql: `m.vtype IN (${VType.int}, ${VType.float}) AND m.value ${sqlOp} ?`, params: [v] }
  return {
    sql: `((m.vtype = ${VType.int} AND m.value ${sqlOp} ?) OR (m.vtype = ${VType.float} AND m.value ${sqlOp} ?))`,
    params: [Math.trunc(v), v]
  }
}

// Lists are bound as one JSON parameter, so no operand list can hit SQLite's variable limit.
const IN_LIST = 'IN (SELECT value FROM json_each(?))'

function inCondition(values: Scalar[]): SqlFragment {
  const first = values[0]
  if (typeof first === 'string')
    return { sql: `m.vtype = ${VType.str} AND m.value ${IN_LIST}`, params: [JSON.stringify(values)] }
  if (typeof first === 'boolean') {
    return {
      sql: `m.vtype = ${VType.bool} AND m.value ${IN_LIST}`,
      params: [JSON.stringify(values.map((b) => (b ? 1 : 0)))]
    }
  }
  const nums = values as number[]
  if (!nums.some(isFloat)) {
    return { sql: `m.vtype IN (${VType.int}, ${VType.float}) AND m.value ${IN_LIST}`, params: [JSON.stringify(nums)] }
  }
  return {
    sql: `((m.vtype = ${VType.int} AND m.value ${IN_LIST}) OR (m.vtype = ${VType.float} AND m.value ${IN_LIST}))`,
    params: [JSON.stringify(nums.map(Math.trunc)), JSON.stringify(nums)]
  }
}

function metaSubquery(cidParam: number, key: string, cond: SqlFragment, scalarsOnly: boolean): SqlFragment {
  return {
    sql:
      `SELECT m.rid FROM record_metadata m WHERE m.cid = ? AND m.key = ? AND ${cond.sql}` +
      (scalarsOnly ? ' AND m.ord < 0' : ''),
    params: [cidParam, key, ...cond.params]
  }
}

function compileMeta(cid: number, node: Extract<FilterNode, { kind: 'meta' }>, perRow: boolean): SqlFragment {
  let sub: SqlFragment
  let negate = false
  switch (node.op) {
    case 'eq':
    case 'ne':
      sub = metaSubquery(cid, node.key, eqCondition(node.value as Scalar), true)
      negate = node.op === 'ne'
      break
    case 'in':
    case 'nin':
      sub = metaSubquery(cid, node.key, inCondition(node.value as Scalar[]), true)
      negate = node.op === 'nin'
      break
    case 'contains':
    case 'not_contains':
      sub = metaSubquery(cid, node.key, containsCondition(node.value as Scalar), false)
      negate = node.op === 'not_contains'
      break
    default:
      sub = metaSubquery(cid, node.key, compareCondition(node.op, node.value as number), true)
  }
  if (perRow) {
    // A probe of the (rid, key, ord) primary key per row, instead of every matching row id at once.
    const [, key, ...params] = sub.params
    const probe = sub.sql
      .replace('m.cid = ? AND m.key = ?', 'm.rid = r.rid AND m.key = ?')
      .replace('SELECT m.rid', 'SELECT 1')
    return { sql: `${negate ? 'NOT ' : ''}EXISTS (${probe})`, params: [key, ...params] }
  }
  return { sql: `r.rid ${negate ? 'NOT IN' : 'IN'} (${sub.sql})`, params: sub.params }
}

/** FTS5 phrase literal: the needle as one quoted string. */
function ftsPhrase(s: string): string {
  return `"${s.replaceAll('"', '""')}"`
}

export const FTS_MIN_CHARS = 3

function compileDoc(node: Extract<FilterNode, { kind: 'doc' }>, perRow: boolean): SqlFragment {
  switch (node.op) {
    case 'contains':
      // The trigram index narrows many rows; for a few, the exact check alone is cheaper.
      if (!perRow && [...node.value].length >= FTS_MIN_CHARS) {
        return {
          sql: '(r.rid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?) AND instr(r.document, ?) > 0)',
          params: [ftsPhrase(node.value), node.value]
        }
      }
      return { sql: '(r.document IS NOT NULL AND instr(r.document, ?) > 0)', params: [node.value] }
    case 'not_contains':
      return { sql: '(r.document IS NULL OR instr(r.document, ?) = 0)', params: [node.value] }
    case 'regex':
      return { sql: 'chroma_regex(?, r.document) = 1', params: [node.value] }
    case 'not_regex':
      return { sql: 'chroma_regex(?, r.document) = 0', params: [node.value] }
  }
}

/**
 * SQL boolean expression over alias `r` (records) for the collection with internal key `cid`. `perRow`:
 * for checking a few given rows (decision 0116): each condition probes that row's own entries instead
 * of listing every matching row id.
 */
export function compileFilter(node: FilterNode, cid: number, perRow = false): SqlFragment {
  switch (node.kind) {
    case 'meta':
      return compileMeta(cid, node, perRow)
    case 'doc':
      return compileDoc(node, perRow)
    case 'id':
      return {
        sql: `r.id ${node.negate ? 'NOT IN' : 'IN'} (SELECT value FROM json_each(?))`,
        params: [JSON.stringify(node.ids)]
      }
    case 'and':
    case 'or': {
      // Empty $and is true, empty $or is false (the identities of the operators).
      if (node.children.length === 0) return { sql: node.kind === 'and' ? '1' : '0', params: [] }
      const parts = node.children.map((c) => compileFilter(c, cid, perRow))
      return {
        sql: '(' + parts.map((p) => p.sql).join(node.kind === 'and' ? ' AND ' : ' OR ') + ')',
        params: parts.flatMap((p) => p.params)
      }
    }
  }
}
