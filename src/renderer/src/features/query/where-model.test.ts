import { describe, expect, it } from 'vitest'
import type { MetadataKey } from '../../../../shared/contract'
import {
  builderToWhere,
  docToWhere,
  formatJson,
  emptyCondition,
  operatorsFor,
  parseConditionValue,
  parseFilterText,
  parseVector,
  updateNode,
  valueTypeFor,
  whereToBuilder,
  whereToDoc,
  type WhereCondition,
  type WhereGroup
} from './where-model'

const cond = (key: string, op: WhereCondition['op'], type: WhereCondition['type'], value: string): WhereCondition => ({
  ...emptyCondition(key),
  op,
  type,
  value
})
const group = (join: WhereGroup['join'], ...children: WhereGroup['children']): WhereGroup => ({
  kind: 'group',
  id: 'g' + Math.random(),
  join,
  children
})
const key = (k: string, types: MetadataKey['types'], isArray = false): MetadataKey => ({
  key: k,
  types,
  isArray,
  records: 1,
  values: []
})

describe('operators and types by key', () => {
  it('numbers get comparisons, strings and booleans equality and lists, arrays element tests', () => {
    expect(operatorsFor(key('year', ['int']))).toEqual(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin'])
    expect(operatorsFor(key('tag', ['string']))).toEqual(['$eq', '$ne', '$in', '$nin'])
    expect(operatorsFor(key('flag', ['bool']))).toEqual(['$eq', '$ne', '$in', '$nin'])
    expect(operatorsFor(key('tags', ['string'], true))).toEqual(['$contains', '$not_contains'])
    expect(operatorsFor(undefined)).toHaveLength(10)
    expect(valueTypeFor(key('x', ['int', 'float']))).toBe('number')
    expect(valueTypeFor(key('x', ['bool']))).toBe('boolean')
    expect(valueTypeFor(key('x', ['int', 'string']))).toBe('string')
  })
})

describe('values parse by type', () => {
  it('keeps numbers numbers and booleans booleans', () => {
    expect(parseConditionValue({ op: '$eq', type: 'number', value: ' 42 ' })).toEqual({ ok: true, value: 42 })
    expect(parseConditionValue({ op: '$eq', type: 'boolean', value: 'TRUE' })).toEqual({ ok: true, value: true })
    expect(parseConditionValue({ op: '$eq', type: 'string', value: '42' })).toEqual({ ok: true, value: '42' })
    expect(parseConditionValue({ op: '$gt', type: 'string', value: '2.5' })).toEqual({ ok: true, value: 2.5 })
    expect(parseConditionValue({ op: '$eq', type: 'number', value: 'abc' }).ok).toBe(false)
    expect(parseConditionValue({ op: '$eq', type: 'boolean', value: 'yes' }).ok).toBe(false)
  })
  it('reads lists for $in/$nin, comma-separated or as JSON', () => {
    expect(parseConditionValue({ op: '$in', type: 'number', value: '1, 2,3' })).toEqual({ ok: true, value: [1, 2, 3] })
    expect(parseConditionValue({ op: '$nin', type: 'string', value: 'a, b' })).toEqual({ ok: true, value: ['a', 'b'] })
    expect(parseConditionValue({ op: '$in', type: 'string', value: '["a,b", "c"]' })).toEqual({
      ok: true,
      value: ['a,b', 'c']
    })
    expect(parseConditionValue({ op: '$in', type: 'string', value: '[1, "a"]' }).ok).toBe(false)
    expect(parseConditionValue({ op: '$in', type: 'string', value: '' }).ok).toBe(false)
  })
})

describe('builder -> JSON', () => {
  it('writes one condition bare, several in the group operator, nested groups nested', () => {
    expect(builderToWhere(group('$and', cond('year', '$gte', 'number', '2020'))).where).toEqual({
      year: { $gte: 2020 }
    })
    const nested = group(
      '$and',
      cond('tag', '$eq', 'string', 'a'),
      group('$or', cond('year', '$lt', 'number', '2000'), cond('ok', '$eq', 'boolean', 'false'))
    )
    expect(builderToWhere(nested).where).toEqual({
      $and: [{ tag: { $eq: 'a' } }, { $or: [{ year: { $lt: 2000 } }, { ok: { $eq: false } }] }]
    })
  })
  it('ignores blank rows and reports incomplete ones', () => {
    const blank = emptyCondition()
    const bad = cond('year', '$eq', 'number', 'soon')
    const built = builderToWhere(group('$and', blank, bad, cond('tag', '$eq', 'string', 'x')))
    expect(built.where).toEqual({ tag: { $eq: 'x' } })
    expect(built.errors).toEqual({ [bad.id]: '"soon" is not a number' })
    expect(builderToWhere(group('$or')).where).toBeNull()
  })
})

describe('JSON -> builder', () => {
  const roundTrip = (filter: unknown): unknown => {
    const b = whereToBuilder(filter)
    return b === null ? null : builderToWhere(b).where
  }
  it('round-trips every representable filter exactly', () => {
    const filters = [
      { year: { $gte: 2020 } },
      { tags: { $contains: 'red' } },
      { tag: { $in: ['a', 'b'] } },
      { tag: { $nin: ['a,b', ' c'] } },
      { n: { $in: [1, 2.5] } },
      { ok: { $ne: true } },
      { $or: [{ a: { $eq: '1' } }, { $and: [{ b: { $lt: 3 } }, { c: { $eq: false } }] }] }
    ]
    for (const f of filters) expect(roundTrip(f)).toEqual(f)
  })
  it('reads the implicit $eq form and keeps the value type', () => {
    const b = whereToBuilder({ year: 2020 })
    expect(b?.children[0]).toMatchObject({ key: 'year', op: '$eq', type: 'number', value: '2020' })
    expect(whereToBuilder({ name: '2020' })?.children[0]).toMatchObject({ type: 'string', value: '2020' })
  })
  it('refuses what it cannot show, so the raw JSON is used', () => {
    expect(whereToBuilder({ $bad: 1 })).toBeNull()
    expect(whereToBuilder({ a: 1, b: 2 })).toBeNull()
    expect(whereToBuilder({ a: { $gt: 'x' } })).toBeNull()
    expect(whereToBuilder({ a: { $in: [] } })).toBeNull()
    expect(whereToBuilder({ a: { $in: [1, 'x'] } })).toBeNull()
    expect(whereToBuilder({ $and: [] })).toBeNull()
    expect(whereToBuilder({ a: { $eq: 1, $ne: 2 } })).toBeNull()
    expect(whereToBuilder({})?.children).toEqual([])
  })
})

describe('text inputs', () => {
  it('formats filters with one condition per line', () => {
    expect(formatJson({ a: { $eq: 1 } })).toBe('{"a": {"$eq": 1}}')
    const long = {
      $and: [{ topic: { $eq: 'ocean' } }, { $or: [{ year: { $eq: 2022 } }, { year: { $eq: 2023 } }] }]
    }
    expect(formatJson(long)).toBe(
      [
        '{',
        '  "$and": [',
        '    {"topic": {"$eq": "ocean"}},',
        '    {',
        '      "$or": [',
        '        {"year": {"$eq": 2022}},',
        '        {"year": {"$eq": 2023}}',
        '      ]',
        '    }',
        '  ]',
        '}'
      ].join('\n')
    )
    expect(JSON.parse(formatJson(long))).toEqual(long)
  })
  it('parses filter text', () => {
    expect(parseFilterText('  ')).toEqual({ ok: true, value: null })
    expect(parseFilterText('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } })
    expect(parseFilterText('[1]').ok).toBe(false)
    expect(parseFilterText('{a:').ok).toBe(false)
  })
  it('checks vectors before they are sent', () => {
    expect(parseVector('[1, 2.5, -3]', 3)).toEqual({ ok: true, value: [1, 2.5, -3] })
    expect(parseVector('1, 2', null)).toEqual({ ok: true, value: [1, 2] })
    expect(parseVector('[1, "a"]', null)).toMatchObject({ ok: false, error: 'Element 1 is not a number: "a"' })
    expect(parseVector('[1, 2]', 3).ok).toBe(false)
    expect(parseVector('nope', null).ok).toBe(false)
  })
  it('converts where_document both ways', () => {
    expect(docToWhere({ op: '$regex', text: 'a+' })).toEqual({ $regex: 'a+' })
    expect(docToWhere({ op: '$contains', text: '' })).toBeNull()
    expect(whereToDoc({ $not_contains: 'x' })).toEqual({ op: '$not_contains', text: 'x' })
    expect(whereToDoc({ $and: [{ $contains: 'a' }, { $contains: 'b' }] })).toBeNull()
  })
})

describe('tree edits', () => {
  it('replaces and removes nodes by id', () => {
    const a = cond('a', '$eq', 'string', '1')
    const b = cond('b', '$eq', 'string', '2')
    const inner = group('$or', b)
    const root = group('$and', a, inner)
    const changed = updateNode(root, b.id, (n) => ({ ...n, key: 'c' }) as WhereCondition)
    expect(builderToWhere(changed).where).toEqual({ $and: [{ a: { $eq: '1' } }, { c: { $eq: '2' } }] })
    expect(builderToWhere(updateNode(root, inner.id, () => null)).where).toEqual({ a: { $eq: '1' } })
  })
})
