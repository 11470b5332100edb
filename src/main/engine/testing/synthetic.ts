// Seeded synthetic data for tests, the differential suite and the benchmarks: the same numbers on
// every run and machine. Not part of the published library (tsconfig.lib.json excludes testing/).
// Changing a generator's draws changes test data and documented benchmark numbers: add new ones instead.

/** mulberry32: small, fast and exact (integer arithmetic only), uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

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
