import { describe, expect, it } from 'vitest'
import { EMPTY_VALUE, emptyRow, parseRows, type MetadataRow } from './metadata'

const row = (patch: Partial<MetadataRow>): MetadataRow => ({ ...emptyRow(), ...patch })

describe('parseRows', () => {
  it('turns typed rows into metadata', () => {
    const rows = [
      row({ key: 'name', value: 'Rex' }),
      row({ key: 'age', kind: 'int', value: ' 7 ' }),
      row({ key: 'tags', kind: 'string[]', items: ['a', 'b'] })
    ]
    expect(parseRows(rows)).toEqual({ metadata: { name: 'Rex', age: 7, tags: ['a', 'b'] }, errors: {} })
  })

  it('refuses an empty value of every kind, and an empty array item, instead of saving ""', () => {
    const rows = [
      row({ key: 'note', value: '' }),
      row({ key: 'blank', value: '   ' }),
      row({ key: 'n', kind: 'float', value: '' }),
      row({ key: 'tags', kind: 'string[]', items: ['a', ''] })
    ]
    const { metadata, errors } = parseRows(rows)
    expect(metadata).toEqual({})
    expect(Object.values(errors)).toEqual([EMPTY_VALUE, EMPTY_VALUE, EMPTY_VALUE, EMPTY_VALUE])
  })

  it('still reports keys and values that do not parse', () => {
    const [a, b, c] = [
      row({ key: '', value: 'x' }),
      row({ key: 'k', kind: 'int', value: '1.5' }),
      row({ key: 'k', value: 'y' })
    ]
    const { errors } = parseRows([a, b, c] as MetadataRow[])
    expect(errors).toEqual({ [a!.uid]: 'Key is required', [b!.uid]: '"1.5" is not an integer' })
  })
})
