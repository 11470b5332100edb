import { describe, expect, it } from 'vitest'
import { activeFacetValue, toggleFacet } from './facet-filter'

describe('toggleFacet', () => {
  it('adds a condition, replaces another value of the key, and removes it on a second click', () => {
    const a = toggleFacet(null, 'color', 'red')
    expect(a).toEqual({ color: 'red' })
    expect(activeFacetValue(a, 'color')).toBe('red')
    const b = toggleFacet(a, 'color', 'blue')
    expect(b).toEqual({ color: 'blue' })
    expect(toggleFacet(b, 'color', 'blue')).toBeNull()
  })

  it('keeps the other conditions, joined with $and', () => {
    const w = { price: { $gt: 3 } }
    const a = toggleFacet(w, 'sale', true)
    expect(a).toEqual({ $and: [{ price: { $gt: 3 } }, { sale: true }] })
    const b = toggleFacet(a, 'color', 'red')
    expect(b).toEqual({ $and: [{ price: { $gt: 3 } }, { sale: true }, { color: 'red' }] })
    expect(activeFacetValue(b, 'sale')).toBe(true)
    expect(toggleFacet(b, 'sale', true)).toEqual({ $and: [{ price: { $gt: 3 } }, { color: 'red' }] })
    expect(toggleFacet(toggleFacet(a, 'sale', true), 'x', 1)).toEqual({ $and: [{ price: { $gt: 3 } }, { x: 1 }] })
  })

  it('reads a typed {$eq} as the active value and leaves other operators on the key alone', () => {
    expect(activeFacetValue({ n: { $eq: 2 } }, 'n')).toBe(2)
    expect(toggleFacet({ n: { $eq: 2 } }, 'n', 2)).toBeNull()
    expect(activeFacetValue({ n: { $gt: 2 } }, 'n')).toBeUndefined()
    expect(toggleFacet({ n: { $gt: 2 } }, 'n', 5)).toEqual({ $and: [{ n: { $gt: 2 } }, { n: 5 }] })
    expect(toggleFacet({ a: 1, b: 2 }, 'a', 1)).toEqual({ b: 2 })
    expect(activeFacetValue({ $or: [{ a: 1 }, { a: 2 }] }, 'a')).toBeUndefined()
  })
})
