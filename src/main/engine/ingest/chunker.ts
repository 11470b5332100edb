// Splits parsed sections into chunks measured in tokens of the collection's own model, so a chunk
// never exceeds what the model reads before it truncates.
//
// Splitting is recursive (LangChain's RecursiveCharacterTextSplitter): paragraphs first, then lines,
// then sentences, then words, and single characters only as a last resort; pieces are merged back
// up to `chunkSize` tokens, with about `overlap` tokens repeated between consecutive chunks.
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters'
import type { EmbeddingFunction } from '../embedding/index.js'
import { TransformersEmbeddingFunction } from '../embedding/index.js'
import { InvalidArgumentError } from '../errors.js'
import type { ParsedFile } from './parse.js'

/**
 * Defaults for all-MiniLM-L6-v2 (Chroma's default model), which truncates every input at 256 tokens
 * including [CLS] and [SEP]. Chunks are counted without those two, so up to 254 tokens would fit; 200
 * leaves room for tokenizers that count slightly differently from our measurement (e.g. text that
 * tokenizes differently once pieces are joined), and keeps chunks near the ~128-256 token length the
 * model was trained on, where its vectors are best. 30 tokens of overlap (15%) carries a sentence or
 * so across a boundary, so a fact split between two chunks is still whole in one of them, without
 * making the collection much larger.
 */
export const DEFAULT_CHUNK_SIZE = 200
export const DEFAULT_CHUNK_OVERLAP = 30

/** Paragraphs, lines, sentences, clauses, words, characters. */
const SEPARATORS = ['\n\n', '\n', '. ', '! ', '? ', '; ', ', ', ' ', '']

/** Counts tokens of one text, without the model's special tokens. */
export type TokenCounter = (text: string) => number

export interface ChunkOptions {
  /** Maximum tokens per chunk (default 200). */
  chunkSize?: number
  /** Tokens shared by consecutive chunks, approximately (default 30). Must be below chunkSize. */
  overlap?: number
  /** How tokens are counted; see tokenCounterFor(). */
  countTokens?: TokenCounter
  /** Checked between blocks of text (BLOCK_CHARS): chunking a large file stops within moments. */
  signal?: AbortSignal
  /** Characters of the sections chunked so far, of all of them, and the chunks made. */
  onProgress?: (done: number, total: number, chunks: number) => void
  /**
   * Each chunk as soon as it is final (before the next progress call); with it, chunkSections keeps
   * none and returns an empty list, so a large file's chunks need not all be held at once.
   */
  onChunk?: (chunk: Chunk) => void
}

/**
 * Long texts are split in blocks of about this many characters (cut at a paragraph, line or word
 * boundary), so progress and cancellation are seen between blocks and no single split call runs long.
 * The overlap still runs across block boundaries (splitText joins the pieces first).
 */
export const BLOCK_CHARS = 64 * 1024

export interface Chunk {
  /** 0-based position in the file, over all its sections. */
  index: number
  text: string
  /** The section's page, where the format has pages. */
  page?: number
  tokens: number
}

/**
 * Fallback counter for embedding functions whose tokenizer is not reachable here: words and
 * punctuation marks, each at least one token. WordPiece splits rare words further, so this
 * undercounts them; use it only for models that are not transformers.js ones.
 */
export const approximateTokenCounter: TokenCounter = (text) =>
  text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0

interface Tokenizer {
  encode(text: string, textPair?: string | null, options?: { add_special_tokens?: boolean }): number[]
}

const tokenizerCache = new Map<string, Promise<Tokenizer>>()

/** The tokenizer of a model folder (tokenizer.json + tokenizer_config.json), built without env changes. */
async function loadTokenizer(folder: string): Promise<Tokenizer> {
  const [json, config] = await Promise.all([
    readFile(path.join(folder, 'tokenizer.json'), 'utf8').then((text) => JSON.parse(text) as unknown),
    readFile(path.join(folder, 'tokenizer_config.json'), 'utf8').then(
      (text) => JSON.parse(text) as { tokenizer_class?: string }
    )
  ])
  // transformers.js takes about a second to import: only when a tokenizer is needed.
  const { AutoTokenizer, PreTrainedTokenizer } = await import('@xenova/transformers')
  const mapping = AutoTokenizer.TOKENIZER_CLASS_MAPPING as Record<
    string,
    new (json: unknown, config: unknown) => Tokenizer
  >
  const className = (config.tokenizer_class ?? '').replace(/Fast$/, '')
  const Cls =
    mapping[className] ?? (PreTrainedTokenizer as unknown as new (json: unknown, config: unknown) => Tokenizer)
  return new Cls(json, config)
}

/**
 * The folder holding the tokenizer of a transformers.js function (the model is loaded first if it is a
 * hub model not yet in the cache), or null for other functions (they count with approximateTokenCounter).
 */
export async function tokenizerFolderFor(ef: EmbeddingFunction | null | undefined): Promise<string | null> {
  if (!(ef instanceof TransformersEmbeddingFunction)) return null
  // source() refuses a model the function may not load before any file is read.
  const source = ef.source()
  const folder = source.kind === 'local' ? source.folder : source.cachedFolder
  if (!existsSync(path.join(folder, 'tokenizer.json'))) await ef.load()
  return folder
}

/**
 * The token counter of an embedding function: the model's own tokenizer for transformers.js
 * functions (loading the model first if it is a hub model not yet in the cache), otherwise
 * approximateTokenCounter.
 */
export async function tokenCounterFor(ef: EmbeddingFunction | null | undefined): Promise<TokenCounter> {
  const folder = await tokenizerFolderFor(ef)
  return folder === null ? approximateTokenCounter : tokenCounterOf(folder)
}

/** The token counter of a tokenizer folder (tokenizer.json), loaded once per folder. */
export async function tokenCounterOf(folder: string): Promise<TokenCounter> {
  let tokenizer = tokenizerCache.get(folder)
  if (tokenizer === undefined) {
    tokenizer = loadTokenizer(folder)
    tokenizerCache.set(folder, tokenizer)
    tokenizer.catch(() => tokenizerCache.delete(folder))
  }
  const loaded = await tokenizer
  return (text) => loaded.encode(text, null, { add_special_tokens: false }).length
}

/** The most content tokens a transformers.js function reads ([CLS] and [SEP] take two), else null. */
export function maxChunkTokensFor(ef: EmbeddingFunction | null | undefined): number | null {
  return ef instanceof TransformersEmbeddingFunction ? ef.settings.maxTokens - 2 : null
}

function checkOptions(chunkSize: number, overlap: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new InvalidArgumentError(`chunkSize must be a positive integer, got ${String(chunkSize)}`)
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= chunkSize) {
    throw new InvalidArgumentError(`overlap must be an integer from 0 to chunkSize - 1, got ${String(overlap)}`)
  }
}

/**
 * Splits one text into pieces of at most chunkSize tokens (as counted); each piece after the first
 * starts with up to `overlap` tokens of whole words from the end of the piece before it.
 *
 * LangChain's own overlap only repeats whole pieces of the level being merged, so once text is split
 * at sentences longer than the overlap, consecutive chunks share nothing. Instead the text is split
 * (without overlap) into pieces of chunkSize - overlap tokens, and each piece is prefixed with the
 * tail of its predecessor: the result never exceeds chunkSize, and the overlap is always there.
 */
export async function splitText(
  text: string,
  chunkSize: number,
  overlap: number,
  count: TokenCounter,
  onBlock?: (charsDone: number, piecesSoFar: number) => void,
  onPiece?: (piece: string) => void
): Promise<string[]> {
  checkOptions(chunkSize, overlap)
  // Block by block, each step final once the next block has been split: the last piece of a block waits
  // for the next one's first (which may hand it its closing mark), and each piece's overlap comes from
  // the final piece before it. Progress is reported per block, whatever the file's size.
  // With onPiece each piece goes there as soon as it is final, and none is kept.
  const out: string[] = []
  let made = 0
  let previous = ''
  let pending: string | null = null
  const finish = (piece: string): void => {
    const tail = overlap === 0 || previous === '' ? '' : overlapTail(previous, piece, chunkSize, overlap, count)
    const final = tail === '' ? piece : `${tail} ${piece}`
    if (onPiece) onPiece(final)
    else out.push(final)
    made++
    previous = piece
  }
  let done = 0
  for (const block of textBlocks(text, BLOCK_CHARS)) {
    const split = await splitWithin(block, chunkSize - overlap, count)
    const pieces = reattachPunctuation(pending === null ? split : [pending, ...split], chunkSize, count)
    pending = pieces.pop() ?? null
    for (const piece of pieces) finish(piece)
    done += block.length
    onBlock?.(done, made)
  }
  if (pending !== null) finish(pending)
  return out
}

/** `text` cut into blocks of at most about `size` characters, at the last paragraph, line or space before. */
export function textBlocks(text: string, size: number): string[] {
  if (text.length <= size) return [text]
  const blocks: string[] = []
  let start = 0
  while (text.length - start > size) {
    const window = text.slice(start, start + size)
    let cut = -1
    for (const sep of ['\n\n', '\n', ' ']) {
      const at = window.lastIndexOf(sep)
      // A cut in the block's first half would make blocks small; look for a weaker separator instead.
      if (at > size / 2) {
        cut = at + sep.length
        break
      }
    }
    if (cut <= 0) cut = size
    blocks.push(text.slice(start, start + cut))
    start += cut
  }
  blocks.push(text.slice(start))
  return blocks
}

/**
 * The splitter keeps a separator at the start of the piece after it ("soft" | ". Water them"); a
 * sentence's closing mark belongs to the sentence, so it moves back to the end of the piece before,
 * where that still fits in a chunk ("soft." | "Water them").
 */
function reattachPunctuation(pieces: string[], chunkSize: number, count: TokenCounter): string[] {
  const out = [...pieces]
  for (let i = 1; i < out.length; i++) {
    const piece = out[i] as string
    const mark = /^[.!?;,](?=\s)/.exec(piece)?.[0]
    if (mark === undefined) continue
    const before = `${out[i - 1] as string}${mark}`
    if (count(before) > chunkSize) continue
    out[i - 1] = before
    out[i] = piece.slice(mark.length).trimStart()
  }
  return out.filter((piece) => piece.trim().length > 0)
}

/** The longest run of whole words ending `prev` with at most `overlap` tokens that still fits before `next`. */
function overlapTail(prev: string, next: string, chunkSize: number, overlap: number, count: TokenCounter): string {
  // Word by word from the end, adding up per-word counts (BERT-style tokenizers split at whitespace
  // first, so counts add up across it); the joined text is checked once at the end.
  const room = Math.min(overlap, chunkSize - count(next))
  let tokens = 0
  let start = prev.length
  const starts: number[] = []
  while (start > 0) {
    let wordEnd = start
    while (wordEnd > 0 && /\s/.test(prev[wordEnd - 1] as string)) wordEnd--
    let wordStart = wordEnd
    while (wordStart > 0 && !/\s/.test(prev[wordStart - 1] as string)) wordStart--
    if (wordStart === wordEnd) break
    tokens += count(prev.slice(wordStart, wordEnd))
    if (tokens > room) break
    starts.push(wordStart)
    start = wordStart
  }
  // Drop words from the front of the tail while the whole would be over (rare: non-additive counts).
  while (starts.length > 0) {
    const tail = prev.slice(starts[starts.length - 1])
    if (count(tail) <= overlap && count(`${tail} ${next}`) <= chunkSize) return tail
    starts.pop()
  }
  return ''
}

/** Recursive split into pieces of at most `size` tokens, no overlap. */
async function splitWithin(text: string, size: number, countRaw: TokenCounter): Promise<string[]> {
  // The splitter counts most pieces two or three times (to sort, to merge, to drop overlap).
  const memo = new Map<string, number>()
  const count: TokenCounter = (piece) => {
    let n = memo.get(piece)
    if (n === undefined) {
      n = countRaw(piece)
      memo.set(piece, n)
    }
    return n
  }
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize: size,
    chunkOverlap: 0,
    separators: SEPARATORS,
    lengthFunction: count
  })
  const pieces = await splitter.splitText(text)
  // The splitter adds up the counts of the pieces it merges; a joined text can count differently
  // (a word cut into characters may tokenize into more pieces), so every piece is checked and any
  // that is over is split again, with a smaller target, until it fits.
  const out: string[] = []
  for (const piece of pieces) {
    if (piece.trim().length === 0) continue
    if (count(piece) <= size) {
      out.push(piece)
      continue
    }
    const smaller = Math.max(1, Math.floor(size * 0.75))
    if (smaller === size) {
      // Cannot go smaller: a single character over the limit; keep it (the model truncates).
      out.push(piece)
      continue
    }
    for (const part of await splitWithin(piece, smaller, count)) out.push(part)
  }
  return out
}

/**
 * A chunk whose `tokens` is counted when first read: ingest never reads it, and counting every chunk
 * after a section's last block was a silent pause at the end of chunking (seconds on 100 MB).
 */
function withTokens(index: number, text: string, page: number | undefined, count: TokenCounter): Chunk {
  let tokens: number | undefined
  const chunk = { index, text, ...(page !== undefined ? { page } : {}) } as Chunk
  Object.defineProperty(chunk, 'tokens', { enumerable: true, get: () => (tokens ??= count(text)) })
  return chunk
}

/** The chunks of a parsed file, section by section; each chunk keeps its section's page. */
export async function chunkSections(sections: ParsedFile['sections'], opts: ChunkOptions = {}): Promise<Chunk[]> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE
  const overlap = opts.overlap ?? Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 2))
  const count = opts.countTokens ?? approximateTokenCounter
  const chunks: Chunk[] = []
  let made = 0
  const total = sections.reduce((n, s) => n + s.text.length, 0)
  let before = 0
  for (const section of sections) {
    opts.signal?.throwIfAborted()
    const first = made
    const onBlock = (done: number, pieces: number): void => {
      opts.signal?.throwIfAborted()
      opts.onProgress?.(before + done, total, first + pieces)
    }
    const add = (text: string): void => {
      const chunk = withTokens(made++, text, section.page, count)
      if (opts.onChunk) opts.onChunk(chunk)
      else chunks.push(chunk)
    }
    const onPiece = opts.onChunk ? add : undefined
    for (const text of await splitText(section.text, chunkSize, overlap, count, onBlock, onPiece)) add(text)
    before += section.text.length
    opts.onProgress?.(before, total, made)
  }
  return chunks
}

export interface PreviewOptions extends ChunkOptions {
  /** Counts tokens with this function's tokenizer when countTokens is not given. */
  embeddingFunction?: EmbeddingFunction | null
}

/** The chunks a file would be stored as, without writing anything (the UI's preview). */
export async function previewChunks(file: ParsedFile, opts: PreviewOptions = {}): Promise<Chunk[]> {
  const countTokens = opts.countTokens ?? (await tokenCounterFor(opts.embeddingFunction))
  return chunkSections(file.sections, { ...opts, countTokens })
}
