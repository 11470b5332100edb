import { describe, expect, it } from 'vitest'
import { deleteArgs, getArgs, isArgs, nameOf, pick, queryArgs, wrapMetadatas, wrapStrings } from './collection-args.js'

describe('collection method arguments', () => {
  it('tells an argument object from a positional first argument', () => {
    expect(isArgs({ ids: ['a'] })).toBe(true)
    expect(isArgs(['a'])).toBe(false)
    expect(isArgs('a')).toBe(false)
    expect(isArgs(null)).toBe(false)
    expect(isArgs(new Float32Array(2))).toBe(false)
  })

  it('reads the 0.3 positional layouts', () => {
    expect(getArgs(['a'], [{ k: 1 }, 5, 2, ['documents'], { $contains: 'x' }])).toEqual({
      ids: ['a'],
      where: { k: 1 },
      limit: 5,
      offset: 2,
      include: ['documents'],
      whereDocument: { $contains: 'x' }
    })
    expect(queryArgs([[1, 2]], [3, { k: 1 }, 'text', { $contains: 'x' }, ['distances']])).toEqual({
      queryEmbeddings: [[1, 2]],
      nResults: 3,
      where: { k: 1 },
      queryTexts: 'text',
      whereDocument: { $contains: 'x' },
      include: ['distances']
    })
    expect(deleteArgs('a', [{ k: 1 }, { $contains: 'x' }])).toEqual({
      ids: 'a',
      where: { k: 1 },
      whereDocument: { $contains: 'x' }
    })
  })

  it('passes an argument object through unchanged', () => {
    const args = { ids: ['a'], limit: 1 }
    expect(getArgs(args, [{ ignored: true }])).toBe(args)
    expect(nameOf({ name: 'c' })).toBe('c')
    expect(nameOf('c')).toBe('c')
  })

  it('prefers the camelCase key and wraps single values', () => {
    expect(pick({ whereDocument: 1, where_document: 2 }, 'whereDocument', 'where_document')).toBe(1)
    expect(pick({ where_document: 2 }, 'whereDocument', 'where_document')).toBe(2)
    expect(wrapStrings('a')).toEqual(['a'])
    expect(wrapStrings(['a'])).toEqual(['a'])
    expect(wrapMetadatas({ k: 1 })).toEqual([{ k: 1 }])
    expect(wrapMetadatas(null)).toBeNull()
  })
})
