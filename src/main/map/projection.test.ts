import { describe, expect, it } from 'vitest'
import { clusteredVectors } from '../engine/testing/synthetic.js'
import { knnGraph, normalised, pca, pca2, projector } from './projection.js'
import { fuzzyGraph, umap2 } from './umap.js'
import { decodeMapLayout, encodeMapLayout } from '../../shared/map-layout.js'

/** Two groups far apart in `dim` dimensions, interleaved: rows 0, 2, 4... near +c, rows 1, 3, 5... near -c. */
function twoGroups(n: number, dim: number): Float32Array {
  const rows = clusteredVectors(n, dim, 1, 5, 0.05)
  const data = new Float32Array(n * dim)
  rows.forEach((row, i) => row.forEach((v, j) => (data[i * dim + j] = v + (i % 2 === 0 ? 3 : -3) * (j === 0 ? 1 : 0))))
  return data
}

/** Mean distance between points of the same group and of different groups (2-D layouts). */
function spread(coords: Float32Array): { within: number; between: number } {
  const n = coords.length / 2
  let within = 0
  let between = 0
  let w = 0
  let b = 0
  for (let i = 0; i < n; i += 7) {
    for (let j = i + 1; j < n; j += 5) {
      const d = Math.hypot(coords[i * 2]! - coords[j * 2]!, coords[i * 2 + 1]! - coords[j * 2 + 1]!)
      if (i % 2 === j % 2) {
        within += d
        w++
      } else {
        between += d
        b++
      }
    }
  }
  return { within: within / w, between: between / b }
}

describe('map layouts', () => {
  it('PCA puts the direction of largest spread on the first axis', () => {
    const data = twoGroups(400, 16)
    const coords = pca2(data, 400, 16)
    for (let i = 0; i < 400; i++) {
      // The groups differ along dimension 0 by 6: they fall on opposite sides of x = 0.
      expect(Math.sign(coords[i * 2]!)).toBe(Math.sign(coords[0]!) * (i % 2 === 0 ? 1 : -1))
    }
    const { within, between } = spread(coords)
    expect(between).toBeGreaterThan(5 * within)
    // k axes give n x k values; the first two agree with pca2.
    const wide = pca(data, 400, 16, 4)
    expect(wide.length).toBe(1600)
    expect(Math.abs(wide[0]!)).toBeCloseTo(Math.abs(coords[0]!), 3)
  })

  it('a projector from a sample gives what PCA of the whole gives, one row at a time', () => {
    const data = twoGroups(400, 16)
    for (const unit of [false, true]) {
      // With every row as the sample, the axes and the mean are PCA's own.
      const project = projector(data, 400, 16, 2, unit)
      const whole = pca2(unit ? normalised(data, 400, 16) : data, 400, 16)
      const out = new Float32Array(800)
      for (let i = 0; i < 400; i++) project(data.subarray(i * 16, (i + 1) * 16), out, 2 * i)
      for (let i = 0; i < 800; i++) expect(out[i]).toBeCloseTo(whole[i]!, 4)
    }
    // From a sample of a quarter of the rows the groups still fall on opposite sides.
    const sample = data.slice(0, 100 * 16)
    const project = projector(sample, 100, 16, 2, false)
    const out = new Float32Array(2)
    const side = (i: number): number => {
      project(data.subarray(i * 16, (i + 1) * 16), out, 0)
      return Math.sign(out[0]!)
    }
    for (let i = 100; i < 400; i++) expect(side(i)).toBe(side(0) * (i % 2 === 0 ? 1 : -1))
  })

  it('the kNN graph lists each row first, then its nearest rows by L2', () => {
    const data = Float32Array.from([0, 0, 1, 0, 10, 0, 11, 0, 0.5, 0])
    const graph = knnGraph(data, 5, 2, 3)
    expect(graph.indices[0]).toEqual([0, 4, 1])
    expect(graph.indices[2]).toEqual([2, 3, 1])
    expect(graph.distances[0]![1]).toBeCloseTo(0.5)
    expect(graph.distances[0]![0]).toBe(0)
  })

  it('the fuzzy graph keeps each edge once, with a strength in (0, 1]', () => {
    const data = twoGroups(60, 8)
    const graph = fuzzyGraph(60, knnGraph(data, 60, 8, 6))
    const seen = new Set<string>()
    for (let e = 0; e < graph.weight.length; e++) {
      const a = Math.min(graph.head[e]!, graph.tail[e]!)
      const b = Math.max(graph.head[e]!, graph.tail[e]!)
      expect(seen.has(`${a}-${b}`)).toBe(false)
      seen.add(`${a}-${b}`)
      expect(graph.weight[e]).toBeGreaterThan(0)
      expect(graph.weight[e]).toBeLessThanOrEqual(1)
      // Neighbours are in the same group.
      expect(a % 2).toBe(b % 2)
    }
  })

  it('UMAP keeps groups apart and runs every epoch it is given', () => {
    const data = twoGroups(300, 16)
    const init = pca2(data, 300, 16)
    let epochs = 0
    const coords = umap2(knnGraph(data, 300, 16, 10), init, 50, () => {
      epochs++
    })
    expect(epochs).toBe(50)
    expect(coords.every(Number.isFinite)).toBe(true)
    const { within, between } = spread(coords)
    expect(between).toBeGreaterThan(2 * within)
  })

  it('normalised rows have unit length', () => {
    const rows = normalised(Float32Array.from([3, 4, 0, 0, 2, 0]), 2, 3)
    ;[0.6, 0.8, 0, 0, 1, 0].forEach((v, i) => expect(rows[i]).toBeCloseTo(v, 6))
  })

  it('a layout survives its byte encoding, and damaged bytes are refused', () => {
    const layout = {
      header: { collectionId: 'c1', stage: 'umap' as const, ids: ['a', 'é', 'c'], total: 3, updatedAt: 5 },
      coords: Float32Array.from([1, 2, 3, 4, 5.5, -6])
    }
    const bytes = encodeMapLayout(layout)
    expect(bytes.length % 4).toBe(0)
    const back = decodeMapLayout(bytes)
    expect(back.header).toEqual(layout.header)
    expect(Array.from(back.coords)).toEqual([1, 2, 3, 4, 5.5, -6])
    expect(() => decodeMapLayout(bytes.subarray(0, bytes.length - 4))).toThrow(/size/)
    const wrong = bytes.slice()
    wrong[0] = 0
    expect(() => decodeMapLayout(wrong)).toThrow(/Not a map layout/)
  })
})
