// The map's layouts, as plain functions over a flat Float32Array of n vectors (row-major, `dim` wide):
// a linear projection (PCA) for the first picture, then UMAP (umap.ts) over a k-nearest-neighbour
// graph built here with hnswlib. They run in the layout worker (layout-worker.ts); the bench calls them
// directly. Decisions 0100-0103.

import { HierarchicalNSW } from '../engine/vector-index/hnswlib.js'
import { seededRandom } from '../engine/seeded-random.js'

/** Rows drawn to find the principal axes; projecting every row is cheap, finding axes is not. */
export const PCA_SAMPLE = 3_000
const PCA_ITERATIONS = 12

/** Column means of the rows. */
function means(data: Float32Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim)
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += data[i * dim + j]!
  for (let j = 0; j < dim; j++) mean[j]! /= Math.max(1, n)
  return mean
}

/**
 * The top `k` principal axes of the rows (centred by `mean`), by subspace iteration on a sample:
 * each round multiplies the axes by the sample's covariance (X^T X v, never forming the d x d matrix)
 * and orthonormalises them (Gram-Schmidt).
 */
export function principalAxes(
  data: Float32Array,
  n: number,
  dim: number,
  mean: Float64Array,
  k: number
): Float64Array[] {
  const rand = seededRandom(1) // seeded: the same data gives the same layout
  const sample = n <= PCA_SAMPLE ? Array.from({ length: n }, (_, i) => i) : drawSample(n, PCA_SAMPLE, rand)
  // The sample, centred, copied once: the iterations then read one contiguous array.
  const rows = new Float64Array(sample.length * dim)
  sample.forEach((i, r) => {
    for (let j = 0; j < dim; j++) rows[r * dim + j] = data[i * dim + j]! - mean[j]!
  })
  let axes = Array.from({ length: k }, () => Float64Array.from({ length: dim }, () => rand() - 0.5))
  orthonormalise(axes)
  const dots = new Float64Array(k)
  for (let it = 0; it < PCA_ITERATIONS; it++) {
    const next = Array.from({ length: k }, () => new Float64Array(dim))
    for (let r = 0; r < sample.length; r++) {
      const base = r * dim
      for (let a = 0; a < k; a++) {
        const axis = axes[a]!
        let dot = 0
        for (let j = 0; j < dim; j++) dot += rows[base + j]! * axis[j]!
        dots[a] = dot
      }
      for (let a = 0; a < k; a++) {
        const out = next[a]!
        const dot = dots[a]!
        for (let j = 0; j < dim; j++) out[j]! += dot * rows[base + j]!
      }
    }
    orthonormalise(next)
    axes = next
  }
  return axes
}

function drawSample(n: number, size: number, rand: () => number): number[] {
  // Every n/size-th row from a random start: spread over the whole collection, no duplicates.
  const step = n / size
  const start = rand() * step
  return Array.from({ length: size }, (_, i) => Math.min(n - 1, Math.floor(start + i * step)))
}

function orthonormalise(vectors: Float64Array[]): void {
  for (let a = 0; a < vectors.length; a++) {
    const v = vectors[a]!
    for (let b = 0; b < a; b++) {
      const u = vectors[b]!
      let dot = 0
      for (let j = 0; j < v.length; j++) dot += v[j]! * u[j]!
      for (let j = 0; j < v.length; j++) v[j]! -= dot * u[j]!
    }
    let norm = 0
    for (let j = 0; j < v.length; j++) norm += v[j]! * v[j]!
    norm = Math.sqrt(norm) || 1
    for (let j = 0; j < v.length; j++) v[j]! /= norm
  }
}

/** Projects one row onto `axes` (centred by `mean`) into `out` at `at`; `unit`: as a unit vector. */
type Project = (row: Float32Array, out: Float32Array, at: number) => void

function projectOnto(axes: Float64Array[], mean: Float64Array, dim: number, unit: boolean): Project {
  // The mean's projection, subtracted once per axis instead of centring every value.
  const offset = axes.map((axis) => axis.reduce((sum, x, j) => sum + x * mean[j]!, 0))
  const k = axes.length
  const dots = new Float64Array(k)
  return (row, out, at) => {
    let norm = 0
    if (unit) for (let j = 0; j < dim; j++) norm += row[j]! * row[j]!
    const scale = unit ? 1 / (Math.sqrt(norm) || 1) : 1
    for (let a = 0; a < k; a++) {
      const axis = axes[a]!
      let dot = 0
      for (let j = 0; j < dim; j++) dot += row[j]! * axis[j]!
      dots[a] = dot
    }
    for (let a = 0; a < k; a++) out[at + a] = dots[a]! * scale - offset[a]!
  }
}

/** Each row's coordinates on the first `k` principal axes, as [row0 x k, row1 x k, ...]. */
export function pca(data: Float32Array, n: number, dim: number, k: number): Float32Array {
  const mean = means(data, n, dim)
  const project = projectOnto(principalAxes(data, n, dim, mean, k), mean, dim, false)
  const out = new Float32Array(n * k)
  for (let i = 0; i < n; i++) project(data.subarray(i * dim, (i + 1) * dim), out, i * k)
  return out
}

/**
 * The first `k` principal axes found on a sample (`m` rows), as a function that projects one row at a
 * time into `out` at `at`: the first picture is made while the rows stream by (decision 0113). `unit`:
 * rows are projected as unit vectors (cosine and inner product), the sample and each row alike.
 */
export function projector(sample: Float32Array, m: number, dim: number, k: number, unit: boolean): Project {
  const rows = unit ? normalised(sample, m, dim) : sample
  const mean = means(rows, m, dim)
  return projectOnto(principalAxes(rows, m, dim, mean, k), mean, dim, unit)
}

/** The first picture: each row on the first two principal axes, as [x0, y0, x1, y1, ...]. */
export const pca2 = (data: Float32Array, n: number, dim: number): Float32Array => pca(data, n, dim, 2)

/** Dimensions the kNN graph is built in: PCA to this many first (decision 0101). */
export const KNN_DIMS = 24

/** Unit-length copies of the rows: cosine and inner-product collections compare directions. */
export function normalised(data: Float32Array, n: number, dim: number): Float32Array {
  const out = data.slice(0, n * dim)
  for (let i = 0; i < n; i++) normaliseRow(out.subarray(i * dim, (i + 1) * dim))
  return out
}

/** Scales a row to unit length, in place (a zero row stays zero). */
export function normaliseRow(row: Float32Array): void {
  let norm = 0
  for (let j = 0; j < row.length; j++) norm += row[j]! ** 2
  norm = Math.sqrt(norm) || 1
  for (let j = 0; j < row.length; j++) row[j]! /= norm
}

export interface KnnGraph {
  indices: number[][]
  distances: number[][]
}

/**
 * Each row's `k` nearest rows (itself first), by L2, from an HNSW graph built over them. `onProgress`
 * gets the rows done of 2n (insert, then search).
 */
export function knnGraph(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  onProgress: (done: number, total: number) => void = () => {}
): KnnGraph {
  const index = new HierarchicalNSW('l2', dim)
  index.initIndex({ maxElements: n, m: 12, efConstruction: 64, randomSeed: 7 })
  for (let i = 0; i < n; i++) {
    index.addPoint(Array.from(data.subarray(i * dim, (i + 1) * dim)), i)
    if (i % 2000 === 0) onProgress(i, 2 * n)
  }
  index.setEf(Math.max(k + 1, 32))
  const indices: number[][] = new Array(n)
  const distances: number[][] = new Array(n)
  for (let i = 0; i < n; i++) {
    const hit = index.searchKnn(Array.from(data.subarray(i * dim, (i + 1) * dim)), k + 1)
    // The row itself comes back first (distance 0); UMAP expects it at position 0, as umap-js's own kNN does.
    const order = hit.neighbors.map((label, at) => ({ label, d: hit.distances[at]! }))
    order.sort((a, b) => a.d - b.d)
    if (order[0]?.label !== i) {
      order.unshift({ label: i, d: 0 })
    }
    const kept = order.slice(0, k)
    indices[i] = kept.map((o) => o.label)
    distances[i] = kept.map((o) => Math.sqrt(Math.max(0, o.d)))
    if (i % 2000 === 0) onProgress(n + i, 2 * n)
  }
  return { indices, distances }
}
