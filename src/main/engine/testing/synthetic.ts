// Seeded synthetic data for tests, the differential suite and the benchmarks: the same numbers on
// every run and machine. Not part of the published library (tsconfig.lib.json excludes testing/).
// Changing a generator's draws changes test data and documented benchmark numbers: add new ones instead.

import { seededRandom } from '../seeded-random.js'

export { seededRandom }

/** `count` vectors uniform in [-1, 1)^dim. */
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
