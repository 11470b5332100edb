// A very long records table is shown a segment at a time: browsers stop laying out a scroll space
// past about 33.5 million pixels (Chromium, so Electron; Firefox stops near 17.9 million), which at
// the table's 36 px rows is 932,067 rows: the rest of a million-record collection could not be
// scrolled to. 250,000 rows (9 million pixels) stay well inside every engine (decision 0114).

export const SEGMENT_ROWS = 250_000

export interface Segment {
  /** Which segment, from 0 (clamped to the segments there are). */
  index: number
  /** Position of its first row in the whole result. */
  start: number
  /** Rows in it. */
  count: number
  /** Segments in the whole result (1 when it fits in one). */
  segments: number
}

export function segmentOf(total: number, index: number, size: number = SEGMENT_ROWS): Segment {
  const segments = Math.max(1, Math.ceil(total / size))
  const at = Math.min(Math.max(0, Math.floor(index)), segments - 1)
  const start = at * size
  return { index: at, start, count: Math.max(0, Math.min(size, total - start)), segments }
}
