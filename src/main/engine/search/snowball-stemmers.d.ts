// The package ships no types; this is the part of its API the BM25 encoder uses.
declare module 'snowball-stemmers' {
  export interface Stemmer {
    stem(word: string): string
  }
  export function newStemmer(language: string): Stemmer
}
