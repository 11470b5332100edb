// Reads a Chroma persistent directory (what `chroma run --path DIR` or PersistentClient writes),
// read-only, without Chroma. What Chroma 1.0 keeps there (docs/export-format.md has the details):
//   chroma.sqlite3  collections, segments, records and typed metadata (the metadata segment, always
//                   current), and `embeddings_queue`, the write log with each write's vector as a
//                   float32 blob, kept from the vector index's last flush on;
//   <segment id>/   the HNSW index of a collection, flushed every `sync_threshold` writes: hnswlib's
//                   header.bin, data_level0.bin (vectors and labels), link_lists.bin, length.bin, and
//                   index_metadata.pickle (id <-> label).
// A record's vector is the one the log gives it after the index's last flush, else the index's.
import type BetterSqlite3 from 'better-sqlite3'
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { EmbeddingFunctionConfig, Metadata, MetadataValue } from '../engine/index.js'
import { loadNative } from '../engine/native.js'
import { decodeEmbedding } from '../engine/store/records.js'
import { readPickle } from './pickle.js'
import type { CollectionEndpoint, CollectionSpec, Connection, PortableHnsw, RecordBatch } from './types.js'
import { PortabilityError } from './types.js'

// Through loadNative, so the Electron main process gets its own ABI build (docs/decisions/0011).
const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')

const DEFAULT_DATABASE_ID = '00000000-0000-0000-0000-000000000000'
/** Chroma names segments by UUID; the vector segment's id is the name of its folder. */
const SEGMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DOCUMENT_KEY = 'chroma:document'
const URI_KEY = 'chroma:uri'
const OP = { add: 0, update: 1, upsert: 2, delete: 3 } as const
const REQUIRED_TABLES = [
  'collections',
  'collection_metadata',
  'segments',
  'embeddings',
  'embedding_metadata',
  'embeddings_queue',
  'max_seq_id'
]

function refuse(dir: string, why: string): PortabilityError {
  return new PortabilityError(`Cannot read the Chroma directory ${dir}: ${why}`)
}

/** Python-era Chroma stored sequence ids as big-endian blobs; later versions as integers. */
function seqOf(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (Buffer.isBuffer(v)) return v.reduce((n, b) => n * 256 + b, 0)
  return 0
}

interface TypedRow {
  key: string
  string_value: string | null
  int_value: number | bigint | null
  float_value: number | null
  bool_value: number | null
}

function typedValue(r: TypedRow): { value: MetadataValue; integralFloat: boolean } | null {
  if (r.string_value !== null) return { value: r.string_value, integralFloat: false }
  if (r.bool_value !== null) return { value: r.bool_value !== 0, integralFloat: false }
  if (r.int_value !== null) return { value: Number(r.int_value), integralFloat: false }
  if (r.float_value !== null) return { value: r.float_value, integralFloat: Number.isInteger(r.float_value) }
  return null
}

// ---- hnswlib's persisted index -------------------------------------------------------------------

interface HnswFiles {
  fd: number
  dim: number
  elementSize: number
  dataOffset: number
  /** id -> internal element number, for live (not deleted) elements. */
  elementOf: Map<string, number>
  /**
   * Cosine only: hnswlib stores unit vectors, and Chroma's fork keeps each vector's original length in
   * length.bin (float32 per element) to scale it back on read, as Chroma's own get does.
   */
  lengths: Buffer | null
}

/** Opens a segment folder: checks the header against the collection's dimension, maps ids to elements. */
function openHnsw(folder: string, dim: number, cosine: boolean, dir: string): HnswFiles {
  const need = ['header.bin', 'data_level0.bin', 'index_metadata.pickle']
  const missing = need.filter((f) => !existsSync(join(folder, f)))
  if (missing.length > 0) throw refuse(dir, `the vector index in ${folder} lacks ${missing.join(', ')}`)
  // Chroma's hnswlib fork writes a 4-byte persistence version before hnswlib's own 96-byte header:
  // size_t offsetLevel0, max_elements, cur_element_count, size_data_per_element, label_offset,
  // offsetData; int maxlevel; unsigned enterpoint; size_t maxM, maxM0, M; double mult; size_t ef.
  const headerFile = join(folder, 'header.bin')
  const headerSize = statSync(headerFile).size
  if (headerSize !== 96 && headerSize !== 100)
    throw refuse(dir, `${headerFile} has an unknown layout (${headerSize} bytes)`)
  const header = readFileSync(headerFile)
  const base = headerSize - 96
  if (base === 4 && header.readUInt32LE(0) !== 1) {
    throw refuse(dir, `${headerFile} has persistence version ${header.readUInt32LE(0)}; only version 1 is supported`)
  }
  const count = Number(header.readBigUInt64LE(base + 16))
  const elementSize = Number(header.readBigUInt64LE(base + 24))
  const labelOffset = Number(header.readBigUInt64LE(base + 32))
  const dataOffset = Number(header.readBigUInt64LE(base + 40))
  if ((labelOffset - dataOffset) / 4 !== dim) {
    throw refuse(
      dir,
      `${folder} holds vectors of ${(labelOffset - dataOffset) / 4} dimensions, the collection says ${dim}`
    )
  }
  const dataFile = join(folder, 'data_level0.bin')
  if (statSync(dataFile).size < count * elementSize) throw refuse(dir, `${dataFile} is shorter than its header says`)

  let pickle
  try {
    pickle = readPickle(readFileSync(join(folder, 'index_metadata.pickle')))
  } catch (e) {
    throw refuse(dir, `cannot read ${folder}/index_metadata.pickle (${(e as Error).message})`)
  }
  const idToLabel = pickle instanceof Map ? pickle.get('id_to_label') : undefined
  if (!(idToLabel instanceof Map)) throw refuse(dir, `${folder}/index_metadata.pickle has no id_to_label map`)

  // label -> element number, reading only each element's link-count word and label.
  const fd = openSync(dataFile, 'r')
  const labelToElement = new Map<number, number>()
  const chunkElements = Math.max(1, Math.floor((4 << 20) / elementSize))
  const buf = Buffer.alloc(chunkElements * elementSize)
  for (let first = 0; first < count; first += chunkElements) {
    const n = Math.min(chunkElements, count - first)
    readSync(fd, buf, 0, n * elementSize, first * elementSize)
    for (let i = 0; i < n; i++) {
      const base = i * elementSize
      // hnswlib marks a deleted element in the third byte of its level-0 link-list header.
      const deleted = ((buf[base + 2] as number) & 1) !== 0
      if (!deleted) labelToElement.set(Number(buf.readBigUInt64LE(base + labelOffset)), first + i)
    }
  }
  const elementOf = new Map<string, number>()
  for (const [id, label] of idToLabel) {
    const element = labelToElement.get(Number(label))
    if (typeof id === 'string' && element !== undefined) elementOf.set(id, element)
  }
  let lengths: Buffer | null = null
  if (cosine) {
    const lengthFile = join(folder, 'length.bin')
    if (!existsSync(lengthFile) || statSync(lengthFile).size < count * 4) {
      closeSync(fd)
      throw refuse(dir, `${folder} is a cosine index without the vector lengths (length.bin) to restore its vectors`)
    }
    lengths = readFileSync(lengthFile)
  }
  return { fd, dim, elementSize, dataOffset, elementOf, lengths }
}

function readHnswVector(h: HnswFiles, element: number): Float32Array {
  const bytes = Buffer.alloc(h.dim * 4)
  readSync(h.fd, bytes, 0, bytes.length, element * h.elementSize + h.dataOffset)
  const out = new Float32Array(h.dim)
  // A float32 product, as the C++ side computes it (the double product of two floats is exact).
  const scale = h.lengths ? h.lengths.readFloatLE(element * 4) : 1
  for (let i = 0; i < h.dim; i++) out[i] = bytes.readFloatLE(i * 4) * scale
  return out
}

// ---- one collection ------------------------------------------------------------------------------

/** Where a record's current vector is: a log entry (by seq_id) or an index element. */
type VectorSource = { seq: number } | { element: number }

class ChromaDirCollection implements CollectionEndpoint {
  private vectors: Map<string, VectorSource> | null = null
  private hnsw: HnswFiles | null = null

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly dir: string,
    private readonly collectionId: string,
    private readonly metadataSegment: string,
    private readonly vectorSegment: string | null,
    readonly spec: CollectionSpec
  ) {}

  async count(): Promise<number> {
    return (
      this.db.prepare('SELECT count(*) AS n FROM embeddings WHERE segment_id = ?').get(this.metadataSegment) as {
        n: number
      }
    ).n
  }

  /** Replays the log past the index's last flush over the index's ids, then checks against the records. */
  private locateVectors(): Map<string, VectorSource> {
    const maxSeq = (segment: string): number =>
      seqOf(
        (this.db.prepare('SELECT seq_id FROM max_seq_id WHERE segment_id = ?').get(segment) as { seq_id: unknown })
          ?.seq_id
      )
    const topicLike = `%/${this.collectionId}`
    const logEnd = seqOf(
      (
        this.db.prepare('SELECT max(seq_id) AS s FROM embeddings_queue WHERE topic LIKE ?').get(topicLike) as {
          s: unknown
        }
      ).s
    )
    if (maxSeq(this.metadataSegment) < logEnd) {
      throw refuse(
        this.dir,
        `collection "${this.spec.name}" has writes its record table has not applied yet; open the directory once with Chroma, then retry`
      )
    }
    const flushed = this.vectorSegment ? maxSeq(this.vectorSegment) : 0
    const state = new Map<string, VectorSource>()
    const folder = this.vectorSegment ? join(this.dir, this.vectorSegment) : null
    if (flushed > 0) {
      if (!folder || !existsSync(folder)) {
        throw refuse(this.dir, `the vector index folder of "${this.spec.name}" (${this.vectorSegment}) is missing`)
      }
      const space = this.spec.configuration.hnsw?.space ?? this.spec.metadata?.['hnsw:space']
      this.hnsw = openHnsw(folder, this.spec.dimension ?? 0, space === 'cosine', this.dir)
      for (const [id, element] of this.hnsw.elementOf) state.set(id, { element })
    }
    const log = this.db.prepare(
      'SELECT seq_id, operation, id, vector IS NOT NULL AS has_vector, encoding FROM embeddings_queue WHERE topic LIKE ? AND seq_id > ? ORDER BY seq_id'
    )
    for (const row of log.iterate(topicLike, flushed) as IterableIterator<{
      seq_id: number
      operation: number
      id: string
      has_vector: number
      encoding: string | null
    }>) {
      if (row.has_vector && row.encoding !== null && row.encoding.toUpperCase() !== 'FLOAT32') {
        throw refuse(
          this.dir,
          `log entry ${row.seq_id} stores its vector as ${row.encoding}; only FLOAT32 is supported`
        )
      }
      const exists = state.has(row.id)
      const src = { seq: seqOf(row.seq_id) }
      if (row.operation === OP.delete) state.delete(row.id)
      else if (row.operation === OP.add && !exists && row.has_vector) state.set(row.id, src)
      else if ((row.operation === OP.update && exists) || row.operation === OP.upsert) {
        if (row.has_vector) state.set(row.id, src)
      }
    }
    const records = this.db
      .prepare('SELECT embedding_id FROM embeddings WHERE segment_id = ?')
      .pluck()
      .iterate(this.metadataSegment) as IterableIterator<string>
    let missing = 0
    let example = ''
    for (const id of records) {
      if (!state.has(id)) {
        if (missing++ === 0) example = id
      }
    }
    if (missing > 0) {
      throw refuse(
        this.dir,
        `${missing} records of "${this.spec.name}" (e.g. "${example}") have no vector in the log or the index files; this layout is not supported`
      )
    }
    this.vectors = state
    return state
  }

  private vectorOf(id: string, logVector: BetterSqlite3.Statement): Float32Array {
    const src = this.vectors?.get(id)
    if (!src) throw refuse(this.dir, `record "${id}" has no vector`)
    if ('element' in src) return readHnswVector(this.hnsw as HnswFiles, src.element)
    return decodeEmbedding(logVector.get(src.seq) as Buffer)
  }

  async *read(batchSize: number, signal?: AbortSignal): AsyncIterable<RecordBatch> {
    const page = this.db.prepare(
      'SELECT id, embedding_id FROM embeddings WHERE segment_id = ? AND id > ? ORDER BY id LIMIT ?'
    )
    const meta = this.db.prepare(
      'SELECT id, key, string_value, int_value, float_value, bool_value FROM embedding_metadata WHERE id BETWEEN ? AND ? ORDER BY id, key'
    )
    const logVector = this.db.prepare('SELECT vector FROM embeddings_queue WHERE seq_id = ?').pluck()
    let after = -1
    try {
      this.locateVectors()
      for (;;) {
        if (signal?.aborted) return
        const rows = page.all(this.metadataSegment, after, batchSize) as { id: number; embedding_id: string }[]
        if (rows.length === 0) return
        const first = (rows[0] as { id: number }).id
        after = (rows[rows.length - 1] as { id: number }).id
        const byRow = new Map<number, TypedRow[]>()
        for (const m of meta.all(first, after) as (TypedRow & { id: number })[]) {
          const list = byRow.get(m.id)
          if (list) list.push(m)
          else byRow.set(m.id, [m])
        }
        const batch: RecordBatch = {
          ids: [],
          embeddings: [],
          documents: [],
          metadatas: [],
          uris: [],
          integralFloats: []
        }
        for (const r of rows) {
          let document: string | null = null
          let uri: string | null = null
          let metadata: Metadata | null = null
          let floats: string[] | null = null
          for (const m of byRow.get(r.id) ?? []) {
            if (m.key === DOCUMENT_KEY) document = m.string_value
            else if (m.key === URI_KEY) uri = m.string_value
            else {
              const tv = typedValue(m)
              if (!tv) continue
              ;(metadata ??= {})[m.key] = tv.value
              if (tv.integralFloat) (floats ??= []).push(m.key)
            }
          }
          batch.ids.push(r.embedding_id)
          batch.embeddings.push(this.vectorOf(r.embedding_id, logVector))
          batch.documents.push(document)
          batch.uris.push(uri)
          batch.metadatas.push(metadata)
          batch.integralFloats?.push(floats)
        }
        yield batch
      }
    } finally {
      if (this.hnsw) closeSync(this.hnsw.fd)
      this.hnsw = null
      this.vectors = null
    }
  }

  async existing(ids: string[]): Promise<Set<string>> {
    const stmt = this.db.prepare('SELECT 1 FROM embeddings WHERE segment_id = ? AND embedding_id = ?')
    return new Set(ids.filter((id) => stmt.get(this.metadataSegment, id) !== undefined))
  }

  async add(): Promise<void> {
    throw new PortabilityError('A Chroma directory is opened read-only')
  }

  async remove(): Promise<void> {
    throw new PortabilityError('A Chroma directory is opened read-only')
  }
}

// ---- the directory -------------------------------------------------------------------------------

export class ChromaDirConnection implements Connection {
  readonly readOnly = true
  private readonly db: BetterSqlite3.Database

  constructor(readonly label: string) {
    const file = join(label, 'chroma.sqlite3')
    if (!existsSync(file)) throw refuse(label, 'no chroma.sqlite3 in it')
    try {
      // readonly: SQLite opens the file with O_RDONLY; nothing here can change it.
      this.db = new Database(file, { readonly: true, fileMustExist: true })
      this.db.pragma('query_only = ON')
    } catch (e) {
      throw refuse(label, `SQLite cannot open chroma.sqlite3 read-only (${(e as Error).message})`)
    }
    const tables = new Set(
      this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]
    )
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t))
    if (missing.length > 0) {
      this.db.close()
      throw refuse(label, `chroma.sqlite3 lacks the tables ${missing.join(', ')} (not a Chroma 0.5-1.x directory)`)
    }
  }

  async maxBatchSize(): Promise<number> {
    return 10_000
  }

  async list(): Promise<string[]> {
    return this.db
      .prepare('SELECT name FROM collections WHERE database_id = ? ORDER BY name')
      .pluck()
      .all(DEFAULT_DATABASE_ID) as string[]
  }

  async open(name: string): Promise<CollectionEndpoint | null> {
    const row = this.db
      .prepare('SELECT id, name, dimension, config_json_str FROM collections WHERE name = ? AND database_id = ?')
      .get(name, DEFAULT_DATABASE_ID) as
      { id: string; name: string; dimension: number | null; config_json_str: string | null } | undefined
    if (!row) return null
    const segments = this.db.prepare('SELECT id, type, scope FROM segments WHERE collection = ?').all(row.id) as {
      id: string
      type: string
      scope: string
    }[]
    const metadataSegment = segments.find((s) => s.scope === 'METADATA')
    const vectorSegment = segments.find((s) => s.scope === 'VECTOR')
    if (!metadataSegment) throw refuse(this.label, `collection "${name}" has no metadata segment`)
    // The id becomes a folder name under the directory: only a UUID, never a path.
    if (vectorSegment && !SEGMENT_ID.test(vectorSegment.id)) {
      throw refuse(
        this.label,
        `collection "${name}" names its vector segment ${JSON.stringify(vectorSegment.id)}, not a UUID`
      )
    }
    if (vectorSegment && !vectorSegment.type.includes('hnsw')) {
      throw refuse(
        this.label,
        `collection "${name}" uses a ${vectorSegment.type} vector segment; only HNSW is supported`
      )
    }
    return new ChromaDirCollection(
      this.db,
      this.label,
      row.id,
      metadataSegment.id,
      vectorSegment?.id ?? null,
      this.specOf(row, name)
    )
  }

  private specOf(
    row: { id: string; dimension: number | null; config_json_str: string | null },
    name: string
  ): CollectionSpec {
    let metadata: Metadata | null = null
    for (const m of this.db
      .prepare(
        'SELECT key, str_value AS string_value, int_value, float_value, bool_value FROM collection_metadata WHERE collection_id = ?'
      )
      .all(row.id) as TypedRow[]) {
      const tv = typedValue(m)
      if (tv) (metadata ??= {})[m.key] = tv.value
    }
    let cfg: Record<string, unknown>
    try {
      cfg = row.config_json_str ? (JSON.parse(row.config_json_str) as Record<string, unknown>) : {}
    } catch {
      throw refuse(this.label, `collection "${name}" has an unreadable configuration`)
    }
    const vectorIndex = cfg.vector_index as { hnsw?: PortableHnsw; spann?: unknown } | undefined
    if (vectorIndex?.spann) throw refuse(this.label, `collection "${name}" uses SPANN; only HNSW is supported`)
    // Chroma 1.x: vector_index.hnsw. Older directories keep hnsw:* keys in the metadata, which the
    // target resolves the same way Chroma does when hnsw is null.
    const hnsw = vectorIndex?.hnsw ?? null
    return {
      name,
      metadata,
      configuration: {
        hnsw: hnsw ? { ...hnsw } : null,
        embedding_function: (cfg.embedding_function as EmbeddingFunctionConfig | null | undefined) ?? null
      },
      dimension: row.dimension
    }
  }

  async create(): Promise<CollectionEndpoint> {
    throw new PortabilityError(`${this.label} is a Chroma directory, opened read-only`)
  }

  async drop(): Promise<void> {
    throw new PortabilityError(`${this.label} is a Chroma directory, opened read-only`)
  }

  async close(): Promise<void> {
    this.db.close()
  }
}
