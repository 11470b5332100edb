// Exact reference answers for the vector-index tests (test-only: testing/ is left out of every build).
import { chromaDistance } from '../distance.js'
import type { SearchHit, Space } from '../types.js'

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
