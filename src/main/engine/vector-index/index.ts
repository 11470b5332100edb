export type { Space, HnswParams, SearchHit, IndexSource, OpenIndexResult } from './types.js'
export { VectorIndex, type VectorIndexOptions } from './vector-index.js'
export { openIndex, writeSnapshot, deleteSnapshot } from './snapshot.js'
export { chromaDistance } from './distance.js'
