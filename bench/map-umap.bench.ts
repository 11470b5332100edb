/**
 * `npx tsx bench/map-umap.bench.ts`: the map's UMAP at BENCH_MAP_ROWS (100,000) x 384 clustered points,
 * in this process (one core), for each epoch count in BENCH_UMAP_EPOCHS (default "120,80,60"): CPU time
 * of each step and the layout's quality as kNN preservation, the share of each sampled point's 15
 * neighbours in the kNN graph UMAP is given that are among its 14 nearest in the 2-D layout, and the share
 * of those nearest in its own cluster (1,000 points sampled; the PCA layout for comparison). Decision 0108.
 * With BENCH_MAP_INDEX_ROWS=N (e.g. 20000), first: the kNN graph from searches of a 384-d HNSW index (as
 * the collection's own) against the map's 24-d graph, on N points. Decision 0107.
 */
import { seededRandom } from '../src/main/engine/testing/synthetic.js'
import { HierarchicalNSW } from '../src/main/engine/vector-index/hnswlib.js'
import { knnGraph, pca, pca2, KNN_DIMS, type KnnGraph } from '../src/main/map/projection.js'
import { umap2, UMAP_NEIGHBORS } from '../src/main/map/umap.js'
import { clustered, DIM } from './map-data.js'
import { machine } from './rest-server.js'

const ROWS = Number(process.env.BENCH_MAP_ROWS ?? 100_000)
const EPOCHS = (process.env.BENCH_UMAP_EPOCHS ?? '120,80,60').split(',').map(Number)
const SAMPLE = 1000

function cpu<T>(what: () => T): { value: T; seconds: number } {
  const start = process.cpuUsage()
  const value = what()
  const used = process.cpuUsage(start)
  return { value, seconds: (used.user + used.system) / 1e6 }
}

/**
 * Over the sampled points: the mean share of the graph's neighbours (itself left out) that are among the
 * 2-D layout's k nearest (local structure), and the mean share of those k nearest in the same cluster.
 */
function quality(coords: Float32Array, knn: KnnGraph, labels: Uint8Array, sample: number[]): string {
  const n = coords.length / 2
  const k = UMAP_NEIGHBORS - 1
  let sum = 0
  let same = 0
  for (const i of sample) {
    // The k nearest by one scan, kept sorted in small arrays (insertion).
    const best = new Float64Array(k).fill(Infinity)
    const bestAt = new Int32Array(k).fill(-1)
    for (let j = 0; j < n; j++) {
      if (j === i) continue
      const d = (coords[j * 2]! - coords[i * 2]!) ** 2 + (coords[j * 2 + 1]! - coords[i * 2 + 1]!) ** 2
      if (d >= best[k - 1]!) continue
      let at = k - 1
      while (at > 0 && best[at - 1]! > d) {
        best[at] = best[at - 1]!
        bestAt[at] = bestAt[at - 1]!
        at--
      }
      best[at] = d
      bestAt[at] = j
    }
    const near = new Set(bestAt)
    const wanted = knn.indices[i]!.filter((j) => j !== i).slice(0, k)
    sum += wanted.filter((j) => near.has(j)).length / wanted.length
    same += bestAt.filter((j) => labels[j] === labels[i]).length / k
  }
  return `kNN preservation ${(sum / sample.length).toFixed(3)}, same cluster ${(same / sample.length).toFixed(3)}`
}

console.log(`machine: ${machine()} (shared with other work while measured)`)
const indexRows = Number(process.env.BENCH_MAP_INDEX_ROWS ?? 0)
if (indexRows > 0) {
  const data = clustered(indexRows, 5)
  const index = new HierarchicalNSW('l2', DIM)
  index.initIndex({ maxElements: indexRows, m: 16, efConstruction: 100, randomSeed: 7 })
  const row = (i: number): number[] => Array.from(data.subarray(i * DIM, (i + 1) * DIM))
  const built = cpu(() => {
    for (let i = 0; i < indexRows; i++) index.addPoint(row(i), i)
  })
  index.setEf(32)
  const searched = cpu(() => {
    for (let i = 0; i < indexRows; i++) index.searchKnn(row(i), UMAP_NEIGHBORS + 1)
  })
  const ours = cpu(() => knnGraph(pca(data, indexRows, DIM, KNN_DIMS), indexRows, KNN_DIMS, UMAP_NEIGHBORS))
  console.log(
    `kNN graph of ${indexRows} points: searching a 384-d index ${searched.seconds.toFixed(1)} s CPU (its build ${built.seconds.toFixed(1)} s, done by the collection already); PCA to ${KNN_DIMS}-d and a graph there ${ours.seconds.toFixed(1)} s`
  )
}
const labels = new Uint8Array(ROWS)
const data = clustered(ROWS, 5, labels)
const rand = seededRandom(17)
const sample = Array.from({ length: SAMPLE }, () => Math.floor(rand() * ROWS))
const first = cpu(() => pca2(data, ROWS, DIM))
const reduced = cpu(() => pca(data, ROWS, DIM, KNN_DIMS))
const knn = cpu(() => knnGraph(reduced.value, ROWS, KNN_DIMS, UMAP_NEIGHBORS))
console.log(
  `${ROWS} x ${DIM}: PCA 2-D ${first.seconds.toFixed(1)} s CPU, PCA ${KNN_DIMS}-D ${reduced.seconds.toFixed(1)} s, kNN graph ${knn.seconds.toFixed(1)} s`
)
console.log(`PCA layout: ${quality(first.value, knn.value, labels, sample)}`)
for (const epochs of EPOCHS) {
  const wall = performance.now()
  const layout = cpu(() => umap2(knn.value, first.value, epochs))
  console.log(
    `UMAP ${epochs} epochs: ${layout.seconds.toFixed(1)} s CPU (${((performance.now() - wall) / 1000).toFixed(1)} s wall), ${quality(layout.value, knn.value, labels, sample)}`
  )
}
