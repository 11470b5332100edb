// The map's layout worker: PCA first (posted at once), then the kNN graph and UMAP, with progress.
// The main side cancels by terminating it (run-layout.ts), so no step needs a cancel check.
import { parentPort, workerData } from 'node:worker_threads'
import { KNN_DIMS, knnGraph, normalised, pca, pca2 } from './projection.js'
import { umap2, umapEpochs, UMAP_NEIGHBORS } from './umap.js'
import { readRows } from './read-rows.js'
import type { LayoutTask, LayoutMessage } from './run-layout.js'

const task = workerData as LayoutTask
const post = (message: LayoutMessage, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(message, transfer)

/** The rows: given, or read from the database file here (posting their ids first). */
function rowsOf(t: LayoutTask): { vectors: Float32Array; n: number; dim: number } {
  if (!('rows' in t)) return t
  const read = readRows(t.rows, (done, total) => post({ type: 'progress', phase: 'reading', done, total }))
  post({ type: 'rows', ids: read.ids, total: read.total })
  return read
}

function layout(): void {
  const { vectors, n, dim } = rowsOf(task)
  if (n === 0) return
  // Cosine and inner-product collections compare directions: lay out the unit vectors.
  const rows = task.space === 'l2' ? vectors : normalised(vectors, n, dim)
  const first = pca2(rows, n, dim)
  post({ type: 'pca', coords: first.slice() })
  if (!task.umap || n <= UMAP_NEIGHBORS + 1) return
  // Neighbours among the rows reduced to KNN_DIMS principal components: an HNSW build over 384
  // dimensions took minutes at 100,000 rows here (decision 0101).
  const reducedDims = Math.min(KNN_DIMS, dim)
  const reduced = reducedDims < dim ? pca(rows, n, dim, reducedDims) : rows
  const knn = knnGraph(reduced, n, reducedDims, UMAP_NEIGHBORS, (done, total) =>
    post({ type: 'progress', phase: 'neighbours', done, total })
  )
  const coords = umap2(knn, first, umapEpochs(n), (done, total) => {
    if (done % 5 === 0 || done === total) post({ type: 'progress', phase: 'umap', done, total })
  })
  post({ type: 'umap', coords }, [coords.buffer as ArrayBuffer])
}

try {
  layout()
  post({ type: 'done' })
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) })
}
