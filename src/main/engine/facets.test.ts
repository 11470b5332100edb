// Facets: one key's distinct values with record counts and its number range, under a filter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChromaDatabase } from './database.js'
import { InvalidArgumentError, NotFoundError, UnprocessableEntityError } from './errors.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
let db: ChromaDatabase
let id: string

beforeEach(() => {
  db = new ChromaDatabase()
  id = db.createCollection(scope, { name: 'facets' }).id
  const colors = ['red', 'red', 'red', 'blue', 'blue', 'green', null]
  db.add(id, {
    ids: colors.map((_, i) => `r${i}`),
    embeddings: colors.map((_, i) => [i, 1]),
    documents: colors.map((c, i) => (i < 4 ? `apple ${c}` : `pear ${c}`)),
    metadatas: colors.map((c, i) => ({
      ...(c === null ? {} : { color: c }),
      price: [3, 1.5, 10, 7, 2, 4, 100][i] as number,
      sale: i % 2 === 0,
      tags: i === 0 ? ['a', 'b', 'a'] : ['b']
    }))
  })
})
afterEach(() => {
  db.close()
})

describe('facets', () => {
  it('counts each value of a string key, most frequent first, among records carrying it', () => {
    expect(db.facets(id, { key: 'color' })).toEqual({
      key: 'color',
      records: 6,
      distinct: 3,
      values: [
        { value: 'red', count: 3 },
        { value: 'blue', count: 2 },
        { value: 'green', count: 1 }
      ],
      min: null,
      max: null
    })
  })

  it('applies where and where_document, and the limit', () => {
    const r = db.facets(id, { key: 'color', where: { price: { $lt: 5 } }, limit: 2 })
    expect(r.records).toBe(4) // r0 red 3, r1 red 1.5, r4 blue 2, r5 green 4
    expect(r.distinct).toBe(3)
    expect(r.values).toEqual([
      { value: 'red', count: 2 },
      { value: 'blue', count: 1 }
    ])
    const docs = db.facets(id, { key: 'color', where_document: { $contains: 'pear' } })
    expect(docs.values).toEqual([
      { value: 'blue', count: 1 },
      { value: 'green', count: 1 }
    ])
    expect(db.facets(id, { key: 'color', where: { color: 'none' } })).toMatchObject({ records: 0, values: [] })
  })

  it('gives the range of number values, booleans as booleans, array elements once per record', () => {
    const price = db.facets(id, { key: 'price', limit: 1 })
    expect(price).toMatchObject({ records: 7, distinct: 7, min: 1.5, max: 100 })
    expect(price.values).toHaveLength(1)
    expect(db.facets(id, { key: 'price', where: { color: 'red' } })).toMatchObject({ min: 1.5, max: 10 })
    expect(db.facets(id, { key: 'sale' }).values).toEqual([
      { value: true, count: 4 },
      { value: false, count: 3 }
    ])
    expect(db.facets(id, { key: 'tags' }).values).toEqual([
      { value: 'b', count: 7 },
      { value: 'a', count: 1 }
    ])
    expect(db.facets(id, { key: 'absent' })).toEqual({
      key: 'absent',
      records: 0,
      distinct: 0,
      values: [],
      min: null,
      max: null
    })
  })

  it('refuses a bad key, limit or filter, and an unknown collection', () => {
    expect(() => db.facets(id, { key: '' })).toThrow(InvalidArgumentError)
    expect(() => db.facets(id, { key: 3 })).toThrow(InvalidArgumentError)
    expect(() => db.facets(id, { key: 'color', limit: 0 })).toThrow(InvalidArgumentError)
    expect(() => db.facets(id, { key: 'color', limit: 5000 })).toThrow(/at most|between/)
    expect(() => db.facets(id, { key: 'color', limit: -1 })).toThrow(UnprocessableEntityError)
    expect(() => db.facets(id, { key: 'color', where: { price: { $bad: 1 } } })).toThrow(InvalidArgumentError)
    expect(() => db.facets('00000000-0000-4000-8000-000000000000', { key: 'color' })).toThrow(NotFoundError)
  })
})
