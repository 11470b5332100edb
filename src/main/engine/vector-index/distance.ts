import type { Space } from './types.js'

/** Unit-length copy (float64 accumulation); zero vectors stay zero, as hnswlib does. */
export function normalized(v: ArrayLike<number>): Float64Array {
  const n = v.length
  let sum = 0
  for (let i = 0; i < n; i++) {
    const x = v[i] as number
    sum += x * x
  }
  const out = new Float64Array(n)
  const norm = Math.sqrt(sum)
  if (norm > 0) for (let i = 0; i < n; i++) out[i] = (v[i] as number) / norm
  else for (let i = 0; i < n; i++) out[i] = v[i] as number
  return out
}

/**
 * Unit-length float32 copy computed exactly as hnswlib-node does for cosine (float32 sum of squares
 * in order, float32 sqrt and division), so our copy is bit-identical to what the graph stores and
 * to what a snapshot file contains.
 */
export function normalizedLikeHnswlib(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v)
  const f = Math.fround
  let sum = 0
  for (let i = 0; i < out.length; i++) sum = f(sum + f((out[i] as number) * (out[i] as number)))
  const norm = f(Math.sqrt(Math.abs(sum)))
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm
  return out
}

/** A query as the distance kernels take it: float64 (monomorphic kernels), unit length for cosine. */
export function preparedQuery(space: Space, query: ArrayLike<number>): Float64Array {
  return space === 'cosine' ? normalized(query) : Float64Array.from(query)
}

/** A vector as the index stores it: for cosine, hnswlib's own unit-length float32 copy. */
export function storedVector(space: Space, vector: Float32Array): Float32Array {
  return space === 'cosine' ? normalizedLikeHnswlib(vector) : vector
}

/** Squared L2 between q and the `dim` floats of `data` starting at `offset`. */
export function squaredL2(q: Float64Array, data: Float32Array, offset: number, dim: number): number {
  let s0 = 0
  let s1 = 0
  let i = 0
  for (; i + 1 < dim; i += 2) {
    const d0 = (q[i] as number) - (data[offset + i] as number)
    const d1 = (q[i + 1] as number) - (data[offset + i + 1] as number)
    s0 += d0 * d0
    s1 += d1 * d1
  }
  if (i < dim) {
    const d = (q[i] as number) - (data[offset + i] as number)
    s0 += d * d
  }
  return s0 + s1
}

export function dot(q: Float64Array, data: Float32Array, offset: number, dim: number): number {
  let s0 = 0
  let s1 = 0
  let i = 0
  for (; i + 1 < dim; i += 2) {
    s0 += (q[i] as number) * (data[offset + i] as number)
    s1 += (q[i + 1] as number) * (data[offset + i + 1] as number)
  }
  if (i < dim) s0 += (q[i] as number) * (data[offset + i] as number)
  return s0 + s1
}

/**
 * Chroma's distance between a prepared query (already normalised for cosine) and a stored vector
 * (stored normalised for cosine): l2 = squared L2, ip = 1 - dot, cosine = 1 - dot of unit vectors.
 */
export function distanceAt(space: Space, q: Float64Array, data: Float32Array, offset: number, dim: number): number {
  return space === 'l2' ? squaredL2(q, data, offset, dim) : 1 - dot(q, data, offset, dim)
}

/** Reference distance between two raw vectors, for tests and callers without an index. */
export function chromaDistance(space: Space, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dim = a.length
  if (space === 'l2') {
    let s = 0
    for (let i = 0; i < dim; i++) {
      const d = (a[i] as number) - (b[i] as number)
      s += d * d
    }
    return s
  }
  const x = space === 'cosine' ? normalized(a) : a
  const y = space === 'cosine' ? normalized(b) : b
  let s = 0
  for (let i = 0; i < dim; i++) s += (x[i] as number) * (y[i] as number)
  return 1 - s
}
