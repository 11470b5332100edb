import { describe, expect, it } from 'vitest'
import { tenancyNameError } from './names'

describe('tenancyNameError', () => {
  it('accepts what Chroma accepts: 3 characters or more, any of them', () => {
    expect(tenancyNameError('database', 'abc')).toBeNull()
    expect(tenancyNameError('database', 'team a/ü')).toBeNull()
    expect(tenancyNameError('tenant', '😀😀😀')).toBeNull()
  })
  it('says why a name is refused', () => {
    expect(tenancyNameError('database', 'ab')).toBe('A database name has at least 3 characters.')
    expect(tenancyNameError('tenant', '')).toBe('A tenant name has at least 3 characters.')
    expect(tenancyNameError('database', 'research', ['default_database', 'research'])).toBe(
      'A database named research already exists.'
    )
  })
})
