// Seeded test data: the same records on both sides, every run.
import { seededRandom } from '../testing/synthetic.js'

/** Vectors with float32-exact components, so both sides store exactly what was sent. */
export function vectors(rand: () => number, count: number, dim: number): number[][] {
  return Array.from({ length: count }, () => Array.from({ length: dim }, () => Math.fround(rand() * 2 - 1)))
}

const WORDS = ['apple', 'Banana', 'cherry', 'delta', 'echo', 'fox', 'Golf', 'hotel', 'india', 'juliet', 'kilo', 'lima']
const CATEGORIES = ['red', 'green', 'blue', 'Red', 'yellow']

export interface RecordSet {
  ids: string[]
  embeddings: number[][]
  documents: (string | null)[]
  metadatas: (Record<string, string | number | boolean> | null)[]
}

/**
 * Records with a spread of metadata shapes: ints, floats (some integral, e.g. 3 stored from 3.0),
 * bools, strings, keys present on only some records, some records without metadata or document.
 */
export function makeRecords(seed: number, count: number, dim: number): RecordSet {
  const rand = seededRandom(seed)
  const set: RecordSet = { ids: [], embeddings: vectors(rand, count, dim), documents: [], metadatas: [] }
  for (let i = 0; i < count; i++) {
    set.ids.push(`id-${String(i).padStart(4, '0')}`)
    const words = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => WORDS[Math.floor(rand() * WORDS.length)])
    set.documents.push(i % 17 === 5 ? null : `${words.join(' ')} #${i}${i % 11 === 0 ? ' 100% off_sale' : ''}`)
    if (i % 13 === 7) {
      set.metadatas.push(null)
      continue
    }
    const m: Record<string, string | number | boolean> = {
      cat: CATEGORIES[i % CATEGORIES.length] ?? 'red',
      n: i % 10,
      score: Math.round(rand() * 1000) / 100,
      flag: i % 3 === 0
    }
    if (i % 3 === 1) m.opt = i % 2 === 0 ? 'even' : 'odd'
    if (i % 4 === 2) m.mixed = i % 8 === 2 ? 1.5 : 1 // int on some records, float on others
    if (i % 5 === 0) m.lvl = i % 10 === 0 ? 2 : 2.5
    set.metadatas.push(m)
  }
  return set
}
