import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmbeddingModelNotAllowedError, TransformersEmbeddingFunction } from '../embedding/index.js'
import { createTinyModel } from '../embedding/testing/tiny-model.js'
import {
  approximateTokenCounter,
  chunkSections,
  DEFAULT_CHUNK_OVERLAP,
  DEFAULT_CHUNK_SIZE,
  maxChunkTokensFor,
  previewChunks,
  splitText,
  tokenCounterFor,
  type Chunk,
  type TokenCounter
} from './chunker.js'
import type { ParsedFile } from './parse.js'
import { InvalidArgumentError } from '../errors.js'

let root = ''
let modelDir = ''
let ef: TransformersEmbeddingFunction
let count: TokenCounter

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'chunker-test-'))
  modelDir = await createTinyModel(root)
  ef = new TransformersEmbeddingFunction({ model: modelDir, cacheDir: path.join(root, 'cache'), allowRemote: false })
  count = await tokenCounterFor(ef)
})

afterAll(async () => {
  await ef.close()
  rmSync(root, { recursive: true, force: true })
})

const WORDS = 'the water city river story music school paper mountain family number house people'.split(' ')
/** Deterministic sentences of known words (and some out-of-vocabulary words that split into letters). */
function sentences(n: number, seed = 1): string {
  let x = seed
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648)
  const out: string[] = []
  for (let s = 0; s < n; s++) {
    const len = 5 + (next() % 12)
    const words = Array.from({ length: len }, (_, i) =>
      i % 7 === 6 ? `zq${next() % 1000}x` : WORDS[next() % WORDS.length]
    )
    out.push(`${words.join(' ')}.`)
  }
  return out.join(' ')
}

function parsed(sections: ParsedFile['sections']): ParsedFile {
  return { path: '/x/doc.txt', fileName: 'doc.txt', kind: 'text', sections, bytes: 1, sha256: 'abc' }
}

describe('token counting', () => {
  it("uses the model's own tokenizer, without special tokens", () => {
    expect(count('the water')).toBe(2)
    expect(count('')).toBe(0)
    // Out of the tiny vocabulary: WordPiece falls back to letters, which the approximation cannot know.
    expect(count('zyxw')).toBe(4)
    expect(approximateTokenCounter('zyxw')).toBe(1)
  })

  it("does not read a model's tokenizer when the function may not load the model", async () => {
    // Same folder as `ef`, whose tokenizer is already cached: the refusal comes before any lookup.
    const refused = new TransformersEmbeddingFunction({
      model: modelDir,
      trust: { allows: () => false, howToAllow: 'Not in this test.' }
    })
    await expect(tokenCounterFor(refused)).rejects.toThrow(EmbeddingModelNotAllowedError)
    await expect(tokenCounterFor(refused)).rejects.toThrow(/Not in this test\.$/)
  })

  it('limits chunk size to what the model reads', () => {
    expect(maxChunkTokensFor(ef)).toBe(254)
    expect(DEFAULT_CHUNK_SIZE + 2).toBeLessThanOrEqual(256)
    expect(DEFAULT_CHUNK_OVERLAP).toBeLessThan(DEFAULT_CHUNK_SIZE)
  })
})

describe('splitText', () => {
  it('never exceeds chunkSize tokens and consecutive chunks overlap', async () => {
    const text = sentences(120)
    for (const [size, overlap] of [
      [40, 8],
      [25, 8],
      [DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_OVERLAP]
    ] as const) {
      const chunks = await splitText(text, size, overlap, count)
      expect(chunks.length).toBeGreaterThan(1)
      for (const chunk of chunks) expect(count(chunk)).toBeLessThanOrEqual(size)
      for (let i = 1; i < chunks.length; i++) {
        const prev = chunks[i - 1] as string
        const cur = chunks[i] as string
        // The longest prefix of `cur` that `prev` ends with: the repeated text.
        let shared = ''
        for (let n = Math.min(prev.length, cur.length); n > 0; n--) {
          if (prev.endsWith(cur.slice(0, n))) {
            shared = cur.slice(0, n)
            break
          }
        }
        expect(count(shared), `chunks ${i - 1} and ${i}`).toBeGreaterThan(0)
        expect(count(shared)).toBeLessThanOrEqual(overlap)
      }
    }
  })

  it('splits at paragraphs before sentences, and keeps all the words', async () => {
    const paras = [sentences(3, 7), sentences(3, 8), sentences(3, 9)]
    const chunks = await splitText(paras.join('\n\n'), 60, 0, count)
    for (const para of paras) expect(count(para)).toBeLessThanOrEqual(60)
    expect(chunks).toEqual(paras)
  })

  it('splits a word longer than a chunk', async () => {
    const chunks = await splitText('zyxwvutsrqzyxwvutsrq', 6, 0, count)
    expect(chunks.join('')).toBe('zyxwvutsrqzyxwvutsrq')
    for (const chunk of chunks) expect(count(chunk)).toBeLessThanOrEqual(6)
  })

  it('rejects bad sizes', async () => {
    await expect(splitText('a b', 0, 0, count)).rejects.toThrow(InvalidArgumentError)
    await expect(splitText('a b', 10, 10, count)).rejects.toThrow(InvalidArgumentError)
    await expect(splitText('a b', 10, -1, count)).rejects.toThrow(InvalidArgumentError)
  })
})

describe('chunkSections and previewChunks', () => {
  it('numbers chunks across sections and keeps each section page', async () => {
    const chunks = await chunkSections(
      [
        { text: sentences(20, 2), page: 1 },
        { text: sentences(20, 3), page: 2 }
      ],
      { chunkSize: 50, overlap: 10, countTokens: count }
    )
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i))
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2]))
    expect(chunks.findIndex((c) => c.page === 2)).toBeGreaterThan(0)
    for (const chunk of chunks) expect(chunk.tokens).toBe(count(chunk.text))
    const noPage = await chunkSections([{ text: 'the water' }], { countTokens: count })
    expect(noPage).toEqual([{ index: 0, text: 'the water', tokens: 2 }])
  })

  it("previewChunks counts with the embedding function's tokenizer", async () => {
    const file = parsed([{ text: 'zyxw zyxw zyxw zyxw zyxw zyxw' }])
    const byModel = await previewChunks(file, { embeddingFunction: ef, chunkSize: 8, overlap: 0 })
    // 6 words of 4 letter tokens each: two words per chunk with the model's count, all six with a word count.
    expect(byModel.map((c) => c.text)).toEqual(['zyxw zyxw', 'zyxw zyxw', 'zyxw zyxw'])
    const byWords = await previewChunks(file, { chunkSize: 8, overlap: 0 })
    expect(byWords).toHaveLength(1)
  })
})

describe('sentence marks', () => {
  it('stay with their sentence: no chunk starts with one or has a space before one', async () => {
    const text = Array.from(
      { length: 12 },
      (_, i) => `Sentence number ${i} talks about the garden and the seeds, and it ends here.`
    ).join(' ')
    for (const overlap of [0, 5]) {
      const chunks = await splitText(text, 20, overlap, approximateTokenCounter)
      expect(chunks.length).toBeGreaterThan(3)
      for (const chunk of chunks) {
        expect(chunk).not.toMatch(/^[.,!?;]/)
        expect(chunk).not.toMatch(/\s[.,!?;](\s|$)/)
        expect(approximateTokenCounter(chunk)).toBeLessThanOrEqual(20)
      }
      expect(chunks.filter((c) => c.endsWith('here.')).length).toBeGreaterThan(0)
    }
  })
})

describe('chunkSections with onChunk', () => {
  it('hands over the same chunks one by one, each before the progress that counts it, and keeps none', async () => {
    const words = 'river city school paper mountain family number house people ocean'.split(' ')
    const text = Array.from({ length: 3000 }, (_, i) => `${words[i % words.length]} ${words[(i * 7) % words.length]}.`)
      .join(' ')
      .repeat(20)
    const sections = [{ text }, { text: text.slice(0, 5000), page: 2 }]
    const opts = { chunkSize: 40, overlap: 8 }
    const whole = await chunkSections(sections, opts)
    const streamed: Chunk[] = []
    const progress: number[] = []
    const kept = await chunkSections(sections, {
      ...opts,
      onChunk: (c) => streamed.push(c),
      onProgress: (_done, _total, made) => {
        progress.push(made)
        expect(streamed.length).toBeGreaterThanOrEqual(made)
      }
    })
    expect(kept).toEqual([])
    expect(streamed).toEqual(whole)
    expect(progress.length).toBeGreaterThan(2)
    expect(progress.at(-1)).toBe(whole.length)
  })
})
