// The worker's WordPiece counts must equal transformers.js's (the model's own tokenizer) on any text,
// or chunks could exceed what the model reads.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTinyModel } from '../embedding/testing/tiny-model.js'
import { tokenCounterOf, type TokenCounter } from './chunker.js'
import { wordPieceCounter, wordPieceCounterOf } from './wordpiece.js'

let root = ''
let modelDir = ''
let reference: TokenCounter
let ours: TokenCounter

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'wordpiece-test-'))
  modelDir = await createTinyModel(root)
  reference = await tokenCounterOf(modelDir)
  ours = (await wordPieceCounterOf(modelDir)) as TokenCounter
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SAMPLES = [
  'the water city river story',
  'The Water CITY, river; story! Music? school-paper (mountain) family: number "house"',
  'Ünïcödé àccents café naïve résumé façade',
  '中文字符 and 日本語 mixed with words',
  'emoji 😀 and symbols ©®™ € £ ¥ and math ∑∫√',
  'tabs\tand\nnewlines\r\nand   many    spaces',
  'control\u0000chars\u0007here\u200bzero\ufeffwidth\ufffdreplacement',
  '[CLS] special [SEP] tokens [MASK] inline [UNK][PAD]',
  `${'supercalifragilistic'.repeat(6)} a very long word`,
  'waterwater riverstory peoplepeople xyzzy qwerty',
  'numbers 12345 3.14159 1e10 -42 0x1F',
  "it's don't won't o'clock e-mail U.S.A.",
  ''
]

describe('wordPieceCounter', () => {
  it('counts exactly as the model tokenizer does', () => {
    for (const text of SAMPLES) expect(ours(text), JSON.stringify(text)).toBe(reference(text))
  })

  it('agrees on random text from the vocabulary, punctuation and noise', () => {
    const vocab = Object.keys(
      (JSON.parse(readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')) as { model: { vocab: object } }).model
        .vocab
    )
    let x = 7
    const next = (n: number): number => (x = (x * 1103515245 + 12345) % 2147483648) % n
    const extras = [' ', ', ', '. ', '\n', 'é', '##', '-', 'ß', 'Ω', '字', "'", '  ']
    for (let t = 0; t < 300; t++) {
      let text = ''
      for (let w = 0; w < 30; w++) {
        const piece = next(3) === 0 ? (extras[next(extras.length)] as string) : (vocab[next(vocab.length)] as string)
        text += next(4) === 0 ? piece.toUpperCase() : piece
        if (next(2) === 0) text += ' '
      }
      expect(ours(text), JSON.stringify(text)).toBe(reference(text))
    }
  })

  it('declines tokenizers that are not BERT WordPiece ones', () => {
    expect(wordPieceCounter({ model: { type: 'BPE', vocab: {} }, pre_tokenizer: { type: 'ByteLevel' } })).toBeNull()
    expect(
      wordPieceCounter({ model: { type: 'WordPiece', vocab: { a: 0 } }, pre_tokenizer: { type: 'Metaspace' } })
    ).toBeNull()
  })
})
