// Token counts for BERT-style tokenizers (tokenizer.json with a WordPiece model, a BertNormalizer and a
// BertPreTokenizer), computed from the tokenizer file alone. The ingest worker chunks with it: loading
// transformers.js there would load onnxruntime's native addon in a thread that ends, which corrupts the
// process (it cannot be loaded per thread). Other tokenizer kinds get null: the job then chunks on the
// main thread with transformers.js (chunker.ts). wordpiece.test.ts checks the counts against it.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { TokenCounter } from './chunker.js'

interface TokenizerJson {
  added_tokens?: { content: string }[]
  normalizer?: {
    type?: string
    clean_text?: boolean
    handle_chinese_chars?: boolean
    strip_accents?: boolean | null
    lowercase?: boolean
  } | null
  pre_tokenizer?: { type?: string } | null
  model?: {
    type?: string
    vocab?: Record<string, number>
    continuing_subword_prefix?: string
    max_input_chars_per_word?: number
  }
}

/** ASCII symbols count as punctuation too, as in BERT. */
const WORDS =
  /[^\s\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]+|[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]/gu
const CLEANED = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}\ufffd]/gu
const CJK = /[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]/g

/** A counter for this tokenizer.json, or null when it is not a plain BERT WordPiece tokenizer. */
export function wordPieceCounter(json: TokenizerJson): TokenCounter | null {
  const { model, normalizer, pre_tokenizer: pre } = json
  if (model?.type !== 'WordPiece' || !model.vocab) return null
  if (normalizer && normalizer.type !== 'BertNormalizer') return null
  if (pre?.type !== 'BertPreTokenizer') return null
  const vocab = new Set(Object.keys(model.vocab))
  const prefix = model.continuing_subword_prefix ?? '##'
  const maxChars = model.max_input_chars_per_word ?? 100
  const added = (json.added_tokens ?? []).map((t) => t.content).filter((c) => c.length > 0)
  const addedPattern =
    added.length > 0 ? new RegExp(added.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : null

  // Whole-string replaces rather than a loop per character: the chunker counts every chunk two or
  // three times, so this runs over the whole file's text several times.
  const normalize = (text: string): string => {
    if (!normalizer) return text
    let out = text
    // Control and format characters, U+FFFD and NUL go (tab, newline and return are whitespace);
    // every whitespace character becomes a space.
    if (normalizer.clean_text) out = out.replace(CLEANED, '').replace(/\s/gu, ' ')
    // CJK ideographs stand alone (the BMP ranges: transformers.js tests UTF-16 units one by one).
    if (normalizer.handle_chinese_chars) out = out.replace(CJK, ' $& ')
    const strip = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    if (normalizer.lowercase) {
      out = out.toLowerCase()
      if (normalizer.strip_accents !== false) out = strip(out)
    } else if (normalizer.strip_accents) out = strip(out)
    return out
  }

  const memo = new Map<string, number>()
  const wordTokens = (word: string): number => {
    const known = memo.get(word)
    if (known !== undefined) return known
    const chars = [...word]
    let n = 0
    if (chars.length > maxChars) n = 1
    else {
      let start = 0
      while (start < chars.length) {
        let end = chars.length
        let found = false
        while (start < end) {
          const piece = (start > 0 ? prefix : '') + chars.slice(start, end).join('')
          if (vocab.has(piece)) {
            found = true
            break
          }
          end--
        }
        // A word with any piece missing from the vocabulary is one unknown token.
        if (!found) {
          n = 1
          break
        }
        n++
        start = end
      }
    }
    if (memo.size < 200_000) memo.set(word, n)
    return n
  }

  const countPlain = (text: string): number => {
    let n = 0
    for (const word of normalize(text).trim().match(WORDS) ?? []) n += wordTokens(word)
    return n
  }

  return (text) => {
    if (addedPattern === null) return countPlain(text)
    let n = 0
    let last = 0
    for (const m of text.matchAll(addedPattern)) {
      n += countPlain(text.slice(last, m.index)) + 1
      last = (m.index as number) + m[0].length
    }
    return n + countPlain(text.slice(last))
  }
}

/** The WordPiece counter of a tokenizer folder, or null (see wordPieceCounter). */
export async function wordPieceCounterOf(folder: string): Promise<TokenCounter | null> {
  const json = JSON.parse(await readFile(path.join(folder, 'tokenizer.json'), 'utf8')) as TokenizerJson
  return wordPieceCounter(json)
}
