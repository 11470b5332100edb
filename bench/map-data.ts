// The map benches' data: clustered 384-dimension vectors, seeded (the same every run).
import { seededRandom } from '../src/main/engine/testing/synthetic.js'

export const DIM = 384
export const CLUSTERS = 20

/** `count` x DIM vectors around CLUSTERS random centres, in one array; `labels` gets each one's cluster. */
export function clustered(count: number, seed: number, labels?: Uint8Array): Float32Array {
  const rand = seededRandom(seed)
  const centres = Float32Array.from({ length: CLUSTERS * DIM }, () => rand() * 2 - 1)
  const out = new Float32Array(count * DIM)
  for (let i = 0; i < count; i++) {
    const c = Math.floor(rand() * CLUSTERS)
    if (labels) labels[i] = c
    for (let j = 0; j < DIM; j++) out[i * DIM + j] = centres[c * DIM + j]! + (rand() + rand() + rand() - 1.5) * 0.3
  }
  return out
}
