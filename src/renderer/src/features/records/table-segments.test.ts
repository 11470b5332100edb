import { describe, expect, it } from 'vitest'
import { segmentOf, SEGMENT_ROWS } from './table-segments'

describe('records table segments', () => {
  it('keeps a table that fits in one segment whole', () => {
    expect(segmentOf(0, 0)).toEqual({ index: 0, start: 0, count: 0, segments: 1 })
    expect(segmentOf(SEGMENT_ROWS, 0)).toEqual({ index: 0, start: 0, count: SEGMENT_ROWS, segments: 1 })
  })

  it("cuts a million rows into four full segments that stay under the browsers' layout limit", () => {
    const segments = [0, 1, 2, 3].map((i) => segmentOf(1_000_000, i))
    expect(segments.map((s) => [s.start, s.count])).toEqual([
      [0, 250_000],
      [250_000, 250_000],
      [500_000, 250_000],
      [750_000, 250_000]
    ])
    // Every row is in exactly one segment, and a segment of 36 px rows stays well under Firefox's 17.9M px.
    expect(segments.reduce((sum, s) => sum + s.count, 0)).toBe(1_000_000)
    expect(SEGMENT_ROWS * 36).toBeLessThan(17_000_000)
  })

  it('clamps a segment that no longer exists (the result shrank) to the last one', () => {
    expect(segmentOf(1_000_001, 4)).toEqual({ index: 4, start: 1_000_000, count: 1, segments: 5 })
    expect(segmentOf(300_000, 4)).toEqual({ index: 1, start: 250_000, count: 50_000, segments: 2 })
    expect(segmentOf(10, -2, 4)).toEqual({ index: 0, start: 0, count: 4, segments: 3 })
  })
})
