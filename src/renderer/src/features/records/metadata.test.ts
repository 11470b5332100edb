import { describe, expect, it } from 'vitest'
import { EMPTY_VALUE, emptyRow, parseRows, rowsFromMetadata, type MetadataRow } from './metadata'

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

  it('keeps an empty value a record already holds (a script wrote it) while its row is left as it was', () => {
    // Saving the drawer to fix the document must not require changing metadata the user did not touch.
    const stored = { note: '', pad: ' ', tags: ['a', ''], n: 1 }
    expect(parseRows(rowsFromMetadata(stored))).toEqual({ metadata: stored, errors: {} })
    // Emptied by the user, or a new empty item: refused as for a new row.
    const [note, pad, tags] = rowsFromMetadata({ note: 'x', pad: '', tags: ['a', ''] }) as MetadataRow[]
    const { errors } = parseRows([
      { ...note!, value: '' },
      { ...pad!, kind: 'int' },
      { ...tags!, items: ['a', '', ''] }
    ])
    expect(errors).toEqual({ [note!.uid]: EMPTY_VALUE, [pad!.uid]: EMPTY_VALUE, [tags!.uid]: EMPTY_VALUE })
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
