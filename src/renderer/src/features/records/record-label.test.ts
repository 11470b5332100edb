import { describe, expect, it } from 'vitest'
import { recordLabel } from './record-label'

const sha = 'ab'.repeat(32)

describe('recordLabel', () => {
  it('names an ingested chunk by file, chunk and page', () => {
    expect(recordLabel(`${sha}:0`, { source: 'notes/a.md', chunk_index: 0, file_sha256: sha })).toBe(
      'notes/a.md · chunk 1'
    )
    expect(recordLabel(`${sha}:4`, { source: 'b.pdf', chunk_index: 4, page: 2, file_sha256: sha })).toBe(
      'b.pdf · chunk 5 · p. 2'
    )
    expect(recordLabel(`${sha}:2`, { source: 'pets.csv', chunk_index: 2, row: 3, file_sha256: sha })).toBe(
      'pets.csv · row 3'
    )
  })

  it('keeps ids the user chose, and ids of records not made by ingest', () => {
    expect(recordLabel('p1', { source: 'pets.csv', chunk_index: 0, row: 1, file_sha256: sha })).toBe('p1')
    expect(recordLabel('doc-1', { source: 'web' })).toBe('doc-1')
    expect(recordLabel(`${sha}:0`, null)).toBe(`${sha}:0`)
  })
})
