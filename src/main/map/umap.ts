// UMAP's layout step (McInnes, Healy & Melville 2018, sections 3-4), written for typed arrays: the
// fuzzy graph from a precomputed kNN graph, then stochastic gradient descent with negative sampling.
// umap-js does the same on nested arrays and a string-keyed sparse matrix, and took 51 s for 10,000
// points here (17 s before the first epoch); this one is meant for 100,000 (decision 0101).
import { seededRandom } from '../engine/seeded-random.js'
import type { KnnGraph } from './projection.js'

/** Curve parameters for min_dist 0.1 and spread 1 (UMAP's defaults, fitted once). */
const A = 1.577
const B = 0.8951
const NEGATIVE_SAMPLES = 5
const CLIP = 4
/** Neighbours per point in the kNN graph (UMAP's default). */
export const UMAP_NEIGHBORS = 15

/**
 * Epochs for n points: umap-learn's 500 up to 10,000 and 200 above, and 80 above 50,000, where the
 * PCA start needs fewer: at 100,000 points 80 epochs kept every sampled point's 2-D neighbours in its
 * own cluster as 120 did, for 25 s of CPU instead of 37 (decisions 0101, 0108).
 */
export function umapEpochs(n: number): number {
  return n > 50_000 ? 80 : n > 10_000 ? 200 : 500
}

export interface FuzzyGraph {
  head: Uint32Array
  tail: Uint32Array
  weight: Float32Array
}

/**
 * The symmetric fuzzy graph: each point's membership strengths to its neighbours (smooth kNN
 * distances: rho = nearest distance, sigma so the strengths sum to log2 k), combined as a + b - ab.
 */
export function fuzzyGraph(n: number, knn: KnnGraph): FuzzyGraph {
  const k = knn.indices[0]?.length ?? 0
  // Directed strengths, row i's at [i * k, (i + 1) * k); -1 marks no neighbour (or itself).
  const to = new Int32Array(n * k).fill(-1)
  const strength = new Float32Array(n * k)
  const target = Math.log2(Math.max(2, k - 1))
  for (let i = 0; i < n; i++) {
    const ids = knn.indices[i]!
    const ds = knn.distances[i]!
    let rho = 0
    for (let j = 0; j < ds.length; j++) {
      if (ids[j] !== i && ds[j]! > 0) {
        rho = ds[j]!
        break
      }
    }
    let lo = 0
    let hi = Infinity
    let sigma = 1
    for (let it = 0; it < 64; it++) {
      let sum = 0
      for (let j = 0; j < ds.length; j++) if (ids[j] !== i) sum += Math.exp(-Math.max(0, ds[j]! - rho) / sigma)
      if (Math.abs(sum - target) < 1e-5) break
      if (sum > target) {
        hi = sigma
        sigma = (lo + hi) / 2
      } else {
        lo = sigma
        sigma = hi === Infinity ? sigma * 2 : (lo + hi) / 2
      }
    }
    for (let j = 0; j < ids.length && j < k; j++) {
      const other = ids[j]!
      if (other === i || other < 0 || other >= n) continue
      to[i * k + j] = other
      strength[i * k + j] = Math.exp(-Math.max(0, ds[j]! - rho) / sigma)
    }
  }
  // Fuzzy union a + b - ab: an edge found from both ends is kept once, from its lower end.
  const head: number[] = []
  const tail: number[] = []
  const weight: number[] = []
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const other = to[i * k + j]!
      if (other < 0) continue
      const a = strength[i * k + j]!
      let b = 0
      for (let r = 0; r < k; r++) {
        if (to[other * k + r] === i) {
          b = strength[other * k + r]!
          break
        }
      }
      if (b > 0 && other < i) continue
      head.push(i)
      tail.push(other)
      weight.push(a + b - a * b)
    }
  }
  return { head: Uint32Array.from(head), tail: Uint32Array.from(tail), weight: Float32Array.from(weight) }
}

const clip = (v: number): number => (v > CLIP ? CLIP : v < -CLIP ? -CLIP : v)

/**
 * Optimises `coords` ([x0, y0, x1, y1, ...], changed in place) for the fuzzy graph. Each edge is
 * sampled in proportion to its weight; `onEpoch` may return false to stop early.
 */
export function optimiseLayout(
  coords: Float32Array,
  graph: FuzzyGraph,
  epochs: number,
  onEpoch: (done: number, total: number) => boolean | void = () => {}
): Float32Array {
  const n = coords.length / 2
  const rand = seededRandom(11)
  const edges = graph.weight.length
  let maxWeight = 0
  for (let e = 0; e < edges; e++) maxWeight = Math.max(maxWeight, graph.weight[e]!)
  // Epochs between samples of each edge (weak edges are sampled rarely; the weakest never).
  const every = new Float32Array(edges)
  for (let e = 0; e < edges; e++) {
    const w = graph.weight[e]!
    every[e] = w < maxWeight / epochs ? -1 : maxWeight / w
  }
  const nextSample = Float32Array.from(every)
  const everyNegative = every.map((x) => x / NEGATIVE_SAMPLES)
  const nextNegative = Float32Array.from(everyNegative)
  for (let epoch = 0; epoch < epochs; epoch++) {
    const alpha = 1 - epoch / epochs
    for (let e = 0; e < edges; e++) {
      if (every[e]! < 0 || nextSample[e]! > epoch) continue
      const i = graph.head[e]! * 2
      const j = graph.tail[e]! * 2
      let dx = coords[i]! - coords[j]!
      let dy = coords[i + 1]! - coords[j + 1]!
      let d2 = dx * dx + dy * dy
      if (d2 > 0) {
        const powB = Math.pow(d2, B)
        const coef = (-2 * A * B * (powB / d2)) / (A * powB + 1)
        const gx = clip(coef * dx) * alpha
        const gy = clip(coef * dy) * alpha
        coords[i] = coords[i]! + gx
        coords[i + 1] = coords[i + 1]! + gy
        coords[j] = coords[j]! - gx
        coords[j + 1] = coords[j + 1]! - gy
      }
      nextSample[e] = nextSample[e]! + every[e]!
      const negatives = Math.floor((epoch - nextNegative[e]!) / everyNegative[e]!)
      for (let s = 0; s < negatives; s++) {
        const c = Math.floor(rand() * n) * 2
        if (c === i) continue
        dx = coords[i]! - coords[c]!
        dy = coords[i + 1]! - coords[c + 1]!
        d2 = dx * dx + dy * dy
        const coef = d2 > 0 ? (2 * B) / ((0.001 + d2) * (A * Math.pow(d2, B) + 1)) : 0
        coords[i] = coords[i]! + (d2 > 0 ? clip(coef * dx) : CLIP) * alpha
        coords[i + 1] = coords[i + 1]! + (d2 > 0 ? clip(coef * dy) : CLIP) * alpha
      }
      nextNegative[e] = nextNegative[e]! + Math.max(0, negatives) * everyNegative[e]!
    }
    if (onEpoch(epoch + 1, epochs) === false) break
  }
  return coords
}

/** Centre and factor that fit the points' larger span into [-half, half]. */
export function fitInto(coords: Float32Array, half: number): Float32Array {
  let minX = Infinity
  let maxX = -Infinity
  let minY = Infinity
  let maxY = -Infinity
  for (let i = 0; i < coords.length; i += 2) {
    minX = Math.min(minX, coords[i]!)
    maxX = Math.max(maxX, coords[i]!)
    minY = Math.min(minY, coords[i + 1]!)
    maxY = Math.max(maxY, coords[i + 1]!)
  }
  const factor = (2 * half) / (Math.max(maxX - minX, maxY - minY) || 1)
  const cx = (minX + maxX) / 2
  const cy = (minY + maxY) / 2
  const out = new Float32Array(coords.length)
  for (let i = 0; i < coords.length; i += 2) {
    out[i] = (coords[i]! - cx) * factor
    out[i + 1] = (coords[i + 1]! - cy) * factor
  }
  return out
}

/** UMAP of n points from their kNN graph, started from `init` (the PCA layout) so the picture refines. */
export function umap2(
  knn: KnnGraph,
  init: Float32Array,
  epochs: number,
  onEpoch?: (done: number, total: number) => boolean | void
): Float32Array {
  const n = init.length / 2
  const coords = fitInto(init, 10)
  return optimiseLayout(coords, fuzzyGraph(n, knn), epochs, onEpoch)
}
