// Parquet export files (docs/export-format.md, decision 0065): one row per record, one row group per
// export batch, and the JSONL header (plus the record count and checksum) in the file's key-value
// metadata. Written with hyparquet-writer, read with hyparquet, both streaming a row group at a time.
import { open, type FileHandle } from 'node:fs/promises'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData } from 'hyparquet'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { encodeMetadata, parseHeader, parseRecord, type FileHeader, type RecordBatchEntry } from './format.js'
import { PortabilityError, type RecordBatch } from './types.js'

/** The key of our entry in the file's key-value metadata: the JSONL header plus `sha256`. */
export const PARQUET_META_KEY = 'chromadesk'
/** First and last four bytes of every Parquet file. */
export const PARQUET_MAGIC = 'PAR1'
/**
 * Import reads a row group at a time; our exports hold at most one batch per group. A file with
 * larger groups (crafted, or rewritten by another tool) is refused rather than decoded whole.
 */
export const MAX_ROW_GROUP_ROWS = 100_000

export interface ParquetHeader extends FileHeader {
  /** SHA-256 of the records' JSONL lines: the same value a JSONL export of the collection carries. */
  sha256: string
}

const COLUMNS = ['id', 'document', 'embedding', 'metadata', 'uri'] as const

// The column layout (decision 0065). `embedding` is Parquet's standard 3-level LIST of FLOAT, which
// pandas/pyarrow, Polars and DuckDB read as a list of float32; `metadata` is one JSON column.
const SCHEMA = [
  { name: 'root', num_children: COLUMNS.length },
  { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'document', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'embedding', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
  { name: 'metadata', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'OPTIONAL' },
  { name: 'uri', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }
] as const

/** hyparquet-writer's byte buffer, emptied into the file after every row group. */
class FileByteWriter extends ByteWriter {
  constructor(private readonly handle: FileHandle) {
    super(1 << 20)
  }
  flush(): Promise<void> {
    // Copied and reset now: the writer goes on filling the buffer while the bytes are written.
    const bytes = Buffer.from(this.getBytes())
    this.index = 0
    return this.handle.write(bytes).then(() => undefined)
  }
  override finish(): Promise<void> {
    return this.flush()
  }
}

/** Writes an export as Parquet, one row group per `write`; the metadata goes in by `finish`. */
export class ParquetExportWriter {
  private constructor(
    private readonly handle: FileHandle,
    private readonly parquet: ParquetWriter
  ) {}

  static async create(file: string): Promise<ParquetExportWriter> {
    const handle = await open(file, 'w')
    const parquet = new ParquetWriter({
      writer: new FileByteWriter(handle),
      schema: SCHEMA.map((e) => ({ ...e })),
      createdBy: 'chromadesk'
    })
    return new ParquetExportWriter(handle, parquet)
  }

  async write(batch: RecordBatch): Promise<void> {
    if (batch.ids.length === 0) return
    const columnData = [
      { name: 'id', data: batch.ids },
      { name: 'document', data: batch.documents.map((d) => d ?? null) },
      // The writer walks plain arrays; float32 values widen to doubles exactly and narrow back exactly.
      { name: 'embedding', data: batch.embeddings.map((e) => Array.from(e)), statistics: false },
      {
        name: 'metadata',
        data: batch.metadatas.map((m, i) => encodeMetadata(m ?? null, batch.integralFloats?.[i])),
        statistics: false
      },
      { name: 'uri', data: batch.uris.map((u) => u ?? null) }
    ]
    // A batch larger than import reads per group (`--batch-size 200000`) is split, so every export imports.
    await this.parquet.write({ columnData, rowGroupSize: Math.min(batch.ids.length, MAX_ROW_GROUP_ROWS) })
  }

  async finish(header: ParquetHeader): Promise<void> {
    this.parquet.kvMetadata = [{ key: PARQUET_META_KEY, value: JSON.stringify(header) }]
    await this.parquet.finish()
    await this.handle.sync()
    await this.handle.close()
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined)
  }
}

/** Whether `head` (a file's first bytes) starts like a Parquet file. */
export function isParquet(head: Buffer): boolean {
  return head.subarray(0, 4).toString('latin1') === PARQUET_MAGIC
}

/**
 * Reads our Parquet export: the header from its key-value metadata, then the records `batchSize` at
 * a time. Each row is checked like a JSONL line (`parseRecord`); the caller checks count and checksum.
 */
export async function openParquetExport(file: string): Promise<{
  header: ParquetHeader
  rows: number
  read: (batchSize: number) => AsyncGenerator<{ first: number; entries: RecordBatchEntry[] }>
}> {
  const buffer = await asyncBufferFromFile(file)
  let metadata: FileMetaData
  try {
    metadata = await parquetMetadataAsync(buffer)
  } catch (e) {
    throw new PortabilityError(
      `${file} is damaged or truncated: its Parquet footer cannot be read (${(e as Error).message})`
    )
  }
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === PARQUET_META_KEY)
  if (entry?.value === undefined) {
    throw new PortabilityError(
      `${file} is a Parquet file but not a Chromadesk export (no "${PARQUET_META_KEY}" entry in its metadata)`
    )
  }
  let header: ParquetHeader
  try {
    header = parseHeader(entry.value) as ParquetHeader
  } catch (e) {
    throw new PortabilityError(`${file}: its "${PARQUET_META_KEY}" metadata is damaged (${(e as Error).message})`)
  }
  if (typeof header.sha256 !== 'string') throw new PortabilityError(`${file} is damaged: its metadata has no checksum`)
  const names = metadata.schema.map((s) => s.name)
  const missing = COLUMNS.filter((c) => !names.includes(c))
  if (missing.length > 0) throw new PortabilityError(`${file} is damaged: column(s) ${missing.join(', ')} missing`)
  const big = metadata.row_groups.find((g) => Number(g.num_rows) > MAX_ROW_GROUP_ROWS)
  if (big) {
    throw new PortabilityError(
      `${file} has a row group of ${big.num_rows} rows; imports read at most ${MAX_ROW_GROUP_ROWS} rows per group`
    )
  }
  const rows = Number(metadata.num_rows)

  async function* read(batchSize: number): AsyncGenerator<{ first: number; entries: RecordBatchEntry[] }> {
    for (let first = 0; first < rows; first += batchSize) {
      let objects
      try {
        objects = await parquetReadObjects({
          file: buffer,
          metadata,
          columns: [...COLUMNS],
          rowStart: first,
          rowEnd: Math.min(rows, first + batchSize)
        })
      } catch (e) {
        throw new PortabilityError(
          `${file} is damaged: rows from ${first + 1} cannot be read (${(e as Error).message})`
        )
      }
      const entries = objects.map((row, i) => {
        try {
          return parseRecord(row, toFloat32(row.embedding))
        } catch (e) {
          throw new PortabilityError(`${file} row ${first + i + 1}: ${(e as Error).message}`)
        }
      })
      yield { first, entries }
    }
  }
  return { header, rows, read }
}

function toFloat32(v: unknown): Float32Array {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number')) {
    throw new Error('embedding must be a non-empty list of floats')
  }
  return Float32Array.from(v as number[])
}
