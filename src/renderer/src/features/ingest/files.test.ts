import { describe, expect, it } from 'vitest'
import { base64Length, extensionOf, isSupported, planBatches, relativeName } from './files'

describe('dropped files', () => {
  it('names files by their folder path, without a leading ./ or /', () => {
    expect(relativeName({ name: 'a.md', path: './docs/a.md' })).toBe('docs/a.md')
    expect(relativeName({ name: 'a.md', path: '/docs/a.md' })).toBe('docs/a.md')
    expect(relativeName({ name: 'a.md', webkitRelativePath: 'docs/sub/a.md' })).toBe('docs/sub/a.md')
    expect(relativeName({ name: 'a.md', webkitRelativePath: '' })).toBe('a.md')
    expect(relativeName({ name: 'a.md', path: './a.md' })).toBe('a.md')
  })
  it('knows which types ingest reads', () => {
    expect(isSupported('docs/Readme.MD')).toBe(true)
    expect(isSupported('x.jsonl')).toBe(true)
    expect(isSupported('photo.png')).toBe(false)
    expect(isSupported('.bashrc')).toBe(false)
    expect(isSupported('folder.md/file')).toBe(false)
    expect(extensionOf('a.tar.gz')).toBe('.gz')
  })
})

describe('upload batches', () => {
  it('keeps each call under the limit and a too-big file alone', () => {
    const f = (size: number) => ({ size })
    const files = [f(30), f(30), f(30), f(300), f(3)]
    const batches = planBatches(files, base64Length(60))
    expect(batches.map((b) => b.map((x) => x.size))).toEqual([[30, 30], [30], [300], [3]])
    expect(planBatches([])).toEqual([])
    expect(base64Length(3)).toBe(4)
    expect(base64Length(4)).toBe(8)
  })
})
