import { describe, expect, it } from 'vitest'
import { checkWeights, DEFAULT_WEIGHTS, defaultWeights, fusionFormula } from './hybrid-weights'

describe('hybrid weights', () => {
  it('sends the numbers when every field is in range', () => {
    expect(checkWeights(DEFAULT_WEIGHTS)).toEqual({ ok: true, value: { denseWeight: 1, keywordWeight: 1, rrfK: 60 } })
    expect(checkWeights({ denseWeight: 0, keywordWeight: 0.5, rrfK: 1 })).toMatchObject({ ok: true })
  })

  it('names the field that is wrong, in the order the form shows them', () => {
    expect(checkWeights({ denseWeight: '', keywordWeight: 1, rrfK: 60 })).toEqual({
      ok: false,
      field: 'dense',
      error: '0 to 100'
    })
    expect(checkWeights({ denseWeight: 1, keywordWeight: 101, rrfK: 60 })).toMatchObject({ field: 'keyword' })
    expect(checkWeights({ denseWeight: 0, keywordWeight: 0, rrfK: 60 })).toEqual({
      ok: false,
      field: 'keyword',
      error: 'One weight must be above 0'
    })
    for (const rrfK of [0, 1.5, 1001, '']) {
      expect(checkWeights({ denseWeight: 1, keywordWeight: 1, rrfK })).toEqual({
        ok: false,
        field: 'k',
        error: '1 to 1000'
      })
    }
  })

  it('starts without the dense ranking where there is no model, and shows the fusion with the numbers', () => {
    expect(defaultWeights(true)).toEqual(DEFAULT_WEIGHTS)
    expect(defaultWeights(false)).toEqual({ ...DEFAULT_WEIGHTS, denseWeight: 0 })
    expect(fusionFormula({ denseWeight: 0, keywordWeight: 2, rrfK: 60 }, 10)).toMatch(
      /^score = −\(0 \/ \(59 \+ dense place\) \+ 2 \/ \(59 \+ keyword place\)\)/
    )
    expect(fusionFormula({ denseWeight: '', keywordWeight: 1, rrfK: '' }, '')).toContain('−(? / (? + dense place)')
  })
})
