// Public surface of file ingestion: parse files, chunk them by tokens, embed and write them.
export * from './parse.js'
export {
  approximateTokenCounter,
  chunkSections,
  DEFAULT_CHUNK_OVERLAP,
  DEFAULT_CHUNK_SIZE,
  maxChunkTokensFor,
  previewChunks,
  splitText,
  tokenCounterFor,
  tokenCounterOf,
  tokenizerFolderFor,
  type Chunk,
  type ChunkOptions,
  type PreviewOptions,
  type TokenCounter
} from './chunker.js'
export {
  startIngest,
  type IngestCounts,
  type IngestEvent,
  type IngestEventType,
  type IngestJob,
  type IngestOptions,
  type IngestSummary
} from './job.js'
export {
  prepareFile,
  prepareFileOffThread,
  type PreparedChunk,
  type PreparedFile,
  type PrepareTask
} from './prepare.js'
export {
  checkMapping,
  describeTable,
  guessMapping,
  tableRecords,
  type FieldMapping,
  type Table,
  type TableField
} from './structured.js'
