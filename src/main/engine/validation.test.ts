import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, UnprocessableEntityError } from './errors.js'
import {
  validateCollectionMetadata,
  validateCollectionName,
  validateEmbeddings,
  validateIds,
  validateInclude,
  validateLengths,
  validateMetadata,
  validateNResults,
  validateUpdateMetadata
} from './validation.js'

describe('validation', () => {
  it('collection names', () => {
    expect(validateCollectionName('my-collection_1.x')).toBe('my-collection_1.x')
    expect(() => validateCollectionName('1.2.3.4')).toThrow(InvalidArgumentError)
    expect(() => validateCollectionName('a..b')).toThrow(/Got a\.\.b$/)
    expect(() => validateCollectionName(5)).toThrow(/Got: 5$/)
  })
  it('ids', () => {
    expect(validateIds(['a', 'a'])).toEqual(['a', 'a']) // duplicates are not rejected server-side
    expect(() => validateIds(['a', ''])).toThrow('Empty ID, ID must have at least one character')
    expect(() => validateIds('a')).toThrow(/ids: invalid type: string "a", expected a sequence/)
    expect(() => validateIds(['x', true])).toThrow(/ids\[1\]: invalid type: boolean `true`, expected a string/)
  })
  it('lengths', () => {
    expect(() => validateLengths(2, ['a', 'b'], null, undefined)).not.toThrow()
    expect(() => validateLengths(2, ['a'])).toThrow(
      'Inconsistent number of IDs, embeddings, documents, URIs and metadatas'
    )
  })
  it('metadata', () => {
    expect(validateMetadata({ a: 1, b: 'x', c: true, d: [1, 2], e: ['x'], f: [false] })).toBeTruthy()
    expect(() => validateMetadata({ '': 1 })).toThrow(/empty/)
    expect(() => validateMetadata({ $a: 1 })).toThrow("Metadata key cannot start with '#' or '$': $a")
    expect(() => validateMetadata({ a: NaN })).toThrow(/metadata\.a: data did not match any variant/)
    expect(() => validateMetadata({ a: [[1]] })).toThrow(/metadata\.a: data did not match any variant/)
    expect(() => validateMetadata({ a: [true, 1] })).toThrow(/metadata\.a: data did not match any variant/)
    expect(validateMetadata({ a: [1, 2.5] })).toEqual({ a: [1, 2.5] })
    expect(() => validateMetadata([])).toThrow(/metadata: invalid type: sequence, expected a map/)
    expect(validateUpdateMetadata({ a: null })).toEqual({ a: null })
    expect(() => validateMetadata({ a: null })).toThrow(/untagged enum MetadataValue/)
    expect(() => validateUpdateMetadata({ a: {} })).toThrow(/untagged enum UpdateMetadataValue/)
    expect(validateCollectionMetadata(null)).toBeNull()
    expect(() => validateCollectionMetadata({})).toThrow('Validation error: metadata: Metadata cannot be empty')
  })
  it('embeddings become float32 and are checked', () => {
    const { vectors, dim } = validateEmbeddings([[0.1, 2], new Float32Array([3, 4])], null)
    expect(dim).toBe(2)
    expect(Array.from(vectors[0] ?? [])).toEqual([Math.fround(0.1), 2])
    expect(() => validateEmbeddings([[1, 2]], 3)).toThrow('Collection expecting embedding with dimension of 3, got 2')
    expect(() => validateEmbeddings([[1], [1, 2]], null)).toThrow('Inconsistent dimensions in provided embeddings')
    expect(() => validateEmbeddings([['1']], null)).toThrow(/list of lists of numbers/)
    expect(() => validateEmbeddings([null], null)).toThrow(/list of lists of numbers/)
    expect(() => validateEmbeddings([[1, true]], null)).toThrow(/list of lists of numbers/)
    expect(() => validateEmbeddings([[1, null]], null)).toThrow(/list of lists of numbers/)
    expect(() => validateEmbeddings([new Float32Array([1, NaN])], null)).toThrow(/finite/)
    expect(() => validateEmbeddings([[1e39]], null)).toThrow(/finite/) // overflows float32
    expect(validateEmbeddings([null, [1]], 1, true).vectors[0]).toBeNull()
  })
  it('include and n_results', () => {
    expect(validateInclude(undefined, ['documents'])).toEqual(['documents'])
    expect(validateInclude(['uris', 'data'], [])).toEqual(['uris', 'data'])
    expect(() => validateInclude(['nope'], [])).toThrow(/unknown variant `nope`/)
    expect(validateNResults(undefined)).toBe(10)
    expect(validateNResults(0)).toBe(0)
    expect(() => validateNResults(-1)).toThrow(
      'Failed to deserialize the JSON body into the target type: n_results: invalid value: integer `-1`, expected u32'
    )
    expect(() => validateNResults(1.5)).toThrow(UnprocessableEntityError)
  })
})
