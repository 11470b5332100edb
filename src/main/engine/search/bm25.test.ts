import { describe, expect, it } from 'vitest'
import { Bm25Encoder } from './bm25.js'

// Expected vectors are Chroma's own (rust/chroma/src/embed/bm25.rs tests at 1.5.9), so a change in
// tokenizing, stemming, stopwords, hashing or weighting shows here.
describe('Bm25Encoder', () => {
  it("matches Chroma's vectors: punctuation, numbers, abbreviations", () => {
    const v = new Bm25Encoder().encode("Usain Bolt's top speed reached ~27.8 mph (44.72 km/h)")
    expect(v.indices).toEqual([
      230246813, 395514983, 458027949, 488165615, 729632045, 734978415, 997512866, 1114505193, 1381820790, 1501587190,
      1649421877, 1837285388
    ])
    for (const x of v.values) expect(x).toBeCloseTo(1.6391153, 5)
  })

  it("matches Chroma's vectors: stopwords, repeated spaces, hyphens, capitals, stems", () => {
    const v = new Bm25Encoder().encode('The   space-time   continuum   WARPS   near   massive   objects...')
    expect(v.indices).toEqual([90097469, 519064992, 737893654, 1110755108, 1950894484, 2031641008, 2058513491])
    for (const x of v.values) expect(x).toBeCloseTo(1.660867, 5)
  })

  it('weights a repeated term more, with saturation', () => {
    const enc = new Bm25Encoder()
    const v = enc.encode('cat cat cat dog')
    const cat = Bm25Encoder.termId('cat')
    const dog = Bm25Encoder.termId('dog')
    const w = (id: number): number => v.values[v.indices.indexOf(id)] as number
    expect(w(cat)).toBeGreaterThan(w(dog))
    expect(w(cat)).toBeLessThan(3 * w(dog))
    expect(v.indices).toEqual([...v.indices].sort((a, b) => a - b))
  })

  it('hashes UTF-8 bytes (as Python and Rust do) and counts length in code points', () => {
    // U+1D4B3 is one letter but two UTF-16 units; emoji are not letters and split words.
    const enc = new Bm25Encoder({ token_max_length: 3 })
    expect(enc.tokens('\u{1D4B3}\u{1D4B3}\u{1D4B3} abcd caf😀x')).toEqual(['\u{1D4B3}\u{1D4B3}\u{1D4B3}', 'caf', 'x'])
    // |mmh3.hash(word)| as Chroma's Python client computes it (UTF-16 code units would give others).
    expect(Bm25Encoder.termId('café')).toBe(605818632)
    expect(Bm25Encoder.termId('日本語')).toBe(1515949417)
  })

  it('takes the config Chroma clients serialize and refuses nonsense', () => {
    expect(new Bm25Encoder({ stopwords: ['speed'] }).tokens('the speed')).toEqual(['the'])
    expect(() => new Bm25Encoder({ k: -1 })).toThrow(/k must be a number >= 0/)
    expect(() => new Bm25Encoder({ avg_doc_length: 0 })).toThrow(/avg_doc_length must be > 0/)
    expect(() => new Bm25Encoder({ k: 1, b: 3, avg_doc_length: 3 })).toThrow(/b must be between 0 and 1/)
    expect(() => new Bm25Encoder({ k: 1.7e308 }).encode('word word')).toThrow(/weights overflow/)
    expect(() => new Bm25Encoder({ stopwords: 'the' })).toThrow(/stopwords must be a list of strings/)
    expect(new Bm25Encoder().encode('the and of')).toEqual({ indices: [], values: [] })
  })
})
