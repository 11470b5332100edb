import { describe, expect, it } from 'vitest'
import { checkMapping, describeTable, guessMapping, tableRecords, typeCsvColumns } from './structured.js'

describe('structured files', () => {
  const rows = typeCsvColumns(
    ['id', 'name', 'age', 'member', 'note', 'source', 'code'],
    [
      ['a1', 'Rex', '3', 'true', 'A long note about a dog that walks', 'shelter', '007'],
      ['a2', 'Tom', '4.5', 'FALSE', 'Short', '', 'x12'],
      ['a3', 'Ada', '', 'true', 'Another fairly long note on a cat', 'home', '']
    ]
  )

  it('types CSV columns by what every cell holds', () => {
    expect(rows[0]).toEqual({
      id: 'a1',
      name: 'Rex',
      age: 3,
      member: true,
      note: expect.any(String),
      source: 'shelter',
      code: '007'
    })
    expect(rows[1]).toMatchObject({ age: 4.5, member: false })
    expect(rows[2]).not.toHaveProperty('age')
  })

  it('guesses the longest text as the document, a unique id field, the rest as metadata', () => {
    const table = describeTable(rows)
    expect(table.fields.find((f) => f.name === 'age')).toMatchObject({ type: 'number', unique: false, filled: 2 })
    expect(guessMapping(table)).toEqual({
      document: ['note'],
      id: 'id',
      metadata: ['name', 'age', 'member', 'source', 'code']
    })
  })

  it('makes records: several document fields as lines, typed metadata, reserved names kept apart', () => {
    const table = describeTable(rows)
    const records = tableRecords(table, { document: ['name', 'note'], id: 'id', metadata: ['age', 'member', 'source'] })
    expect(records[0]).toEqual({
      row: 0,
      id: 'a1',
      text: 'name: Rex\nnote: A long note about a dog that walks',
      metadata: { age: 3, member: true, field_source: 'shelter' }
    })
    expect(records[2]?.metadata).toEqual({ member: true, field_source: 'home' })
    // A row with nothing in its document fields gives no record.
    expect(tableRecords(describeTable([{ a: '' }, { a: 'x' }]), { document: ['a'], id: null, metadata: [] })).toEqual([
      { row: 1, text: 'x', metadata: {} }
    ])
  })

  it('refuses mappings that name missing fields or a non-unique id', () => {
    const table = describeTable(rows)
    expect(checkMapping(table, { document: ['nope'], id: null, metadata: [] }, 'f.csv')).toBe(
      'f.csv: no field named "nope"'
    )
    expect(checkMapping(table, { document: ['note'], id: 'member', metadata: [] }, 'f.csv')).toMatch(
      /the id field "member" must hold a different, non-empty value in every row/
    )
    expect(checkMapping(table, { document: [], id: null, metadata: [] }, 'f.csv')).toMatch(/at least one field/)
    expect(checkMapping(table, { document: ['note'], id: 'id', metadata: ['age'] }, 'f.csv')).toBeNull()
  })
})
