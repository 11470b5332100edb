// Chroma's BM25 sparse embedding ("chroma_bm25"), computed here so the app and scripts without the
// client's embedding function get the same term vectors as Chroma's clients: lowercase words of
// letters, digits and _, English stopwords dropped, Snowball English stems, each stem's id the
// absolute value of its signed 32-bit MurmurHash3 (seed 0) over UTF-8 bytes, weighted by BM25's
// term-frequency saturation. The server side (IDF) is in sparse.ts.
import murmurhash from 'murmurhash'
import { newStemmer } from 'snowball-stemmers'
import { InvalidArgumentError } from '../errors.js'
import type { SparseVector } from '../types.js'
import { isPlainObject } from '../validation.js'

/** The names Chroma's clients register the function under. */
const CHROMA_BM25_NAMES: readonly string[] = ['chroma_bm25', 'chroma-bm25']

/** Whether an embedding function config (Chroma's `{ type, name, config }`) is Chroma's BM25. */
export function isChromaBm25(ef: { type?: string; name?: string } | null | undefined): boolean {
  return ef?.type === 'known' && ef.name !== undefined && CHROMA_BM25_NAMES.includes(ef.name)
}

/**
 * The English stopwords Chroma's BM25 drops (NLTK's list). Part of the function's definition:
 * a different list gives different vectors.
 */
export const BM25_DEFAULT_STOPWORDS: readonly string[] = [
  'a',
  'about',
  'above',
  'after',
  'again',
  'against',
  'ain',
  'all',
  'am',
  'an',
  'and',
  'any',
  'are',
  'aren',
  "aren't",
  'as',
  'at',
  'be',
  'because',
  'been',
  'before',
  'being',
  'below',
  'between',
  'both',
  'but',
  'by',
  'can',
  'couldn',
  "couldn't",
  'd',
  'did',
  'didn',
  "didn't",
  'do',
  'does',
  'doesn',
  "doesn't",
  'doing',
  'don',
  "don't",
  'down',
  'during',
  'each',
  'few',
  'for',
  'from',
  'further',
  'had',
  'hadn',
  "hadn't",
  'has',
  'hasn',
  "hasn't",
  'have',
  'haven',
  "haven't",
  'having',
  'he',
  'her',
  'here',
  'hers',
  'herself',
  'him',
  'himself',
  'his',
  'how',
  'i',
  'if',
  'in',
  'into',
  'is',
  'isn',
  "isn't",
  'it',
  "it's",
  'its',
  'itself',
  'just',
  'll',
  'm',
  'ma',
  'me',
  'mightn',
  "mightn't",
  'more',
  'most',
  'mustn',
  "mustn't",
  'my',
  'myself',
  'needn',
  "needn't",
  'no',
  'nor',
  'not',
  'now',
  'o',
  'of',
  'off',
  'on',
  'once',
  'only',
  'or',
  'other',
  'our',
  'ours',
  'ourselves',
  'out',
  'over',
  'own',
  're',
  's',
  'same',
  'shan',
  "shan't",
  'she',
  "she's",
  'should',
  "should've",
  'shouldn',
  "shouldn't",
  'so',
  'some',
  'such',
  't',
  'than',
  'that',
  "that'll",
  'the',
  'their',
  'theirs',
  'them',
  'themselves',
  'then',
  'there',
  'these',
  'they',
  'this',
  'those',
  'through',
  'to',
  'too',
  'under',
  'until',
  'up',
  've',
  'very',
  'was',
  'wasn',
  "wasn't",
  'we',
  'were',
  'weren',
  "weren't",
  'what',
  'when',
  'where',
  'which',
  'while',
  'who',
  'whom',
  'why',
  'will',
  'with',
  'won',
  "won't",
  'wouldn',
  "wouldn't",
  'y',
  'you',
  "you'd",
  "you'll",
  "you're",
  "you've",
  'your',
  'yours',
  'yourself',
  'yourselves'
]

/** The function's config as Chroma's clients serialize it (all optional). */
export interface Bm25Config {
  k?: number
  b?: number
  avg_doc_length?: number
  token_max_length?: number
  stopwords?: string[]
}

const stemmer = newStemmer('english')
const utf8 = new TextEncoder()

/**
 * Words seen lately -> their stem, and stems -> their term id. Stemming costs about 10 µs a word and
 * text repeats its words (Zipf), so a cache makes encoding several times faster; cleared when full
 * so memory stays bounded.
 */
const CACHE_MAX = 100_000
const stems = new Map<string, string>()
const termIds = new Map<string, number>()

function cached<V>(cache: Map<string, V>, key: string, make: (k: string) => V): V {
  let v = cache.get(key)
  if (v === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear()
    v = make(key)
    cache.set(key, v)
  }
  return v
}

function positive(v: unknown, name: string, fallback: number, integer = false): number {
  if (v == null) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new InvalidArgumentError(
      `chroma_bm25 config: ${name} must be a ${integer ? 'non-negative integer' : 'number >= 0'}`
    )
  }
  return v
}

export class Bm25Encoder {
  private readonly k: number
  private readonly b: number
  private readonly avgDocLength: number
  private readonly tokenMaxLength: number
  private readonly stopwords: ReadonlySet<string>

  constructor(config: unknown = {}) {
    const c: Record<string, unknown> = isPlainObject(config) ? config : {}
    this.k = positive(c.k, 'k', 1.2)
    this.b = positive(c.b, 'b', 0.75)
    // b > 1 can make the length normaliser 0 or negative: infinite or negative weights.
    if (this.b > 1) throw new InvalidArgumentError('chroma_bm25 config: b must be between 0 and 1')
    this.avgDocLength = positive(c.avg_doc_length, 'avg_doc_length', 256)
    if (this.avgDocLength === 0) throw new InvalidArgumentError('chroma_bm25 config: avg_doc_length must be > 0')
    this.tokenMaxLength = positive(c.token_max_length, 'token_max_length', 40, true)
    if (c.stopwords != null && !(Array.isArray(c.stopwords) && c.stopwords.every((w) => typeof w === 'string'))) {
      throw new InvalidArgumentError('chroma_bm25 config: stopwords must be a list of strings')
    }
    const words = (c.stopwords as string[] | undefined) ?? BM25_DEFAULT_STOPWORDS
    this.stopwords = new Set(words.map((w) => w.toLowerCase()))
  }

  /** The stems BM25 counts, in text order. */
  tokens(text: string): string[] {
    const out: string[] = []
    for (const raw of text
      .replace(/[^\p{L}\p{N}_\s]+/gu, ' ')
      .toLowerCase()
      .split(/\s+/u)) {
      // Length in code points, as Chroma's Python and Rust tokenizers count it.
      if (raw.length === 0 || this.stopwords.has(raw) || [...raw].length > this.tokenMaxLength) continue
      const stem = cached(stems, raw, (w) => stemmer.stem(w).trim())
      if (stem.length > 0) out.push(stem)
    }
    return out
  }

  /** Term id of a stem: |signed murmur3_32(utf8, seed 0)|. */
  static termId(stem: string): number {
    return cached(termIds, stem, (s) => Math.abs(murmurhash.v3(utf8.encode(s), 0) | 0))
  }

  /** The document's (or query's: BM25 encodes both alike) sparse vector, indices ascending. */
  encode(text: string): SparseVector {
    const tokens = this.tokens(text)
    const counts = new Map<number, number>()
    for (const t of tokens) {
      const id = Bm25Encoder.termId(t)
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    const indices = [...counts.keys()].sort((x, y) => x - y)
    const norm = this.k * (1 - this.b + (this.b * tokens.length) / this.avgDocLength)
    const values = indices.map((id) => {
      const tf = counts.get(id) as number
      // float32, as every stored sparse weight is (a vector read back equals the one written).
      const w = Math.fround((tf * (this.k + 1)) / (tf + norm))
      if (!Number.isFinite(w)) throw new InvalidArgumentError('chroma_bm25 config: k too large, the weights overflow')
      return w
    })
    return { indices, values }
  }
}
