// Deterministic data for the vector-index tests.
import { chromaDistance } from './distance.js'
import type { SearchHit, Space } from './types.js'

/** mulberry32: small seeded PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomVectors(count: number, dim: number, seed: number): Float32Array[] {
  const rand = seededRandom(seed)
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1))
}

/** Points scattered (gaussian-ish) around `clusters` random centres. */
export function clusteredVectors(
  count: number,
  dim: number,
  clusters: number,
  seed: number,
  spread = 0.15
): Float32Array[] {
  const rand = seededRandom(seed)
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1))
  const gauss = (): number => (rand() + rand() + rand() + rand() - 2) * 0.866
  return Array.from({ length: count }, () => {
    const c = centres[Math.floor(rand() * clusters)] as Float32Array
    return Float32Array.from(c, (x) => x + gauss() * spread)
  })
}

/** Exact k nearest by Chroma's distance, ties by label. */
export function bruteForce(
  space: Space,
  query: ArrayLike<number>,
  points: Map<number, ArrayLike<number>>,
  k: number
): SearchHit[] {
  const all: SearchHit[] = []
  for (const [label, v] of points) all.push({ label, distance: chromaDistance(space, query, v) })
  all.sort((a, b) => a.distance - b.distance || a.label - b.label)
  return all.slice(0, k)
}

export function closeTo(actual: number, expected: number, relative = 1e-4): boolean {
  return Math.abs(actual - expected) <= relative * Math.max(Math.abs(expected), 0.1)
}
