// Data portability: export/import files, copy collections between our engine, Chroma servers and
// (read-only) Chroma directories. Format and rules: docs/export-format.md.
export * from './types.js'
export { FORMAT_ID, FORMAT_VERSION, type FileHeader, type FileRecord, type FileFooter } from './format.js'
export { LocalConnection } from './local.js'
export {
  adminClientFor,
  chromaClientFor,
  configOnlyEmbeddingFunction,
  RemoteConnection,
  tokenHeaders,
  type RemoteOptions
} from './remote.js'
export { ChromaDirConnection } from './chroma-dir.js'
export {
  DEFAULT_BATCH_SIZE,
  copyCollection,
  exportCollection,
  importFile,
  type ConflictPolicy,
  type CopyOptions,
  type CopyReport,
  type ExportOptions,
  type ExportReport,
  type ImportOptions,
  type ImportReport
} from './transfer.js'
export { openConnection } from './connect.js'
export { PARQUET_META_KEY, type ParquetHeader } from './parquet.js'
export {
  cloneCollection,
  cloneEmbedder,
  planClone,
  runClone,
  type CloneEmbedder,
  type CloneHnsw,
  type CloneOptions,
  type ClonePlan,
  type CloneReport,
  type CloneSettings
} from './clone.js'
export {
  backupDataDir,
  checkRestoreAsDatabase,
  restoreAsDatabase,
  restoreDataDir,
  type BackupProgress,
  type BackupReport,
  type RestoreAsDatabaseReport,
  type RestoreReport
} from './backup.js'
export { readBackupHeader, type BackupHeader, type BackupManifest } from './backup-format.js'
