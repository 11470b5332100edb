// The map's layout worker: PCA first (posted at once), then the kNN graph and UMAP, with progress.
// The main side cancels by terminating it (run-layout.ts), so no step needs a cancel check.
import { parentPort, workerData } from 'node:worker_threads'
import { KNN_DIMS, knnGraph, normalised, normaliseRow, pca, pca2, PCA_SAMPLE, projector } from './projection.js'
import { umap2, umapEpochs, UMAP_NEIGHBORS } from './umap.js'
import { openRowSnapshot, type RowSource } from './read-rows.js'
import type { LayoutTask, LayoutMessage } from './run-layout.js'

const task = workerData as LayoutTask
const post = (message: LayoutMessage, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(message, transfer)
// Cosine and inner-product collections compare directions: lay out the unit vectors.
const unit = task.space !== 'l2'

interface Rows {
  /** The rows as laid out (unit vectors for cosine and inner product). */
  rows: Float32Array
  n: number
  dim: number
  first: Float32Array
}

/**
 * From the database file, in one read snapshot: the principal axes from an even spread of rows, then
 * the first picture projected row by row as they are read (ids posted with it), then, for UMAP only,
 * the rows read again into one array. Reading into a fresh 150 MB array first cost as much as the read
 * itself on this VM (first-touch page faults, decision 0113).
 */
function fromFile(source: RowSource): Rows | null {
  const snapshot = openRowSnapshot(source)
  try {
    const { dim } = snapshot
    const ids: string[] = []
    const first = new Float32Array(2 * snapshot.kept)
    if (snapshot.kept > 0) {
      const spread = snapshot.spread(PCA_SAMPLE)
      const project = projector(spread.vectors, spread.n, dim, 2, unit)
      snapshot.forEach(
        (id, embedding) => {
          project(embedding, first, 2 * ids.length)
          ids.push(id)
        },
        (done, total) => post({ type: 'progress', phase: 'reading', done, total })
      )
    }
    post({ type: 'rows', ids, total: snapshot.total })
    const n = ids.length
    if (n === 0) return null
    const coords = first.subarray(0, 2 * n)
    post({ type: 'pca', coords: coords.slice() })
    if (!task.umap || n <= UMAP_NEIGHBORS + 1) return null
    // Normalised as they are copied: a second array of that size would cost its first touch again.
    const rows = new Float32Array(n * dim)
    let at = 0
    snapshot.forEach((_, embedding) => {
      if (at === rows.length) throw new Error('The map read more rows the second time')
      const row = rows.subarray(at, at + dim)
      row.set(embedding)
      if (unit) normaliseRow(row)
      at += dim
    })
    if (at !== rows.length) throw new Error('The map read fewer rows the second time')
    return { rows, n, dim, first: coords }
  } finally {
    snapshot.close()
  }
}

/** Rows given with the task (a remote connection's pages): the first picture over the whole array. */
function fromTask(t: { vectors: Float32Array; n: number; dim: number }): Rows | null {
  if (t.n === 0) return null
  const rows = unit ? normalised(t.vectors, t.n, t.dim) : t.vectors
  const first = pca2(rows, t.n, t.dim)
  post({ type: 'pca', coords: first.slice() })
  if (!task.umap || t.n <= UMAP_NEIGHBORS + 1) return null
  return { rows, n: t.n, dim: t.dim, first }
}

function layout(): void {
  const laid = 'rows' in task ? fromFile(task.rows) : fromTask(task)
  if (laid === null) return
  const { rows, n, dim, first } = laid
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
