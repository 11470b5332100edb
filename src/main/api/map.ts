// The Map tab's layouts (issue #15): one per collection, computed as an app job (kind 'map') in the
// layout worker, kept in memory and cached in a file beside the database (decision 0102), updated in
// place when records come and go (decision 0103).
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { JobStatus, Metadata } from '../../shared/contract.js'
import { decodeMapLayout, encodeMapLayout, type MapLayout, type MapValues } from '../../shared/map-layout.js'
import { InvalidArgumentError } from '../engine/index.js'
import { keepsRow } from '../map/read-rows.js'
import { runLayout } from '../map/run-layout.js'
import type { CollectionRef } from './backends/types.js'
import type { AppContext } from './context.js'
import { isLocal, type Scope } from './connections.js'
import type { JobControl } from './jobs.js'

/** Points drawn at most; above, an evenly spread sample of this many, said on screen (decision 0100). */
export const MAP_POINT_LIMIT = 200_000
/** Records read per call (embeddings of 384 floats: about 3 MB a page). */
const PAGE = 2000
/** Added records placed near their neighbours, up to this share of the layout; more: a new layout. */
const INCREMENTAL_SHARE = 0.25
/** Neighbours an added record is placed among. */
const PLACE_NEIGHBOURS = 5
/** Categories a colour legend shows; the rest are "other". */
export const MAX_CATEGORIES = 20

interface Entry {
  layout: MapLayout | null
  job: string | null
}

export class MapLayouts {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly ctx: AppContext) {}

  /**
   * Starts the job that brings the collection's layout up to date: a new one (PCA, then UMAP) when
   * there is none or `recompute`, else the added records placed and the removed ones dropped.
   */
  async start(connection: string | undefined, collectionId: string, recompute: boolean): Promise<JobStatus | null> {
    const scope = this.ctx.connections.scope(connection)
    const c = await this.ctx.connections.backend(connection, scope).get(collectionId)
    const key = this.key(connection, scope, collectionId)
    const entry = this.entry(key)
    if (entry.job !== null) {
      const running = this.ctx.jobs.status(entry.job)
      if (running.state === 'running') {
        if (!recompute) return running
        this.ctx.jobs.cancel(entry.job)
        await this.ctx.jobs.settled(entry.job)
      }
    }
    // Nothing written since the layout was made: it is served as it is, no job (decision 0105).
    const mark = this.markOf(connection, collectionId)
    if (!recompute && mark !== null) {
      entry.layout ??= this.readCache(key, collectionId)
      if (entry.layout && sameMark(entry.layout, mark)) return null
    }
    const space = ((c.configuration as { hnsw?: { space?: string } } | null)?.hnsw?.space ?? 'l2') as
      'l2' | 'cosine' | 'ip'
    const status = this.ctx.jobs.start({
      kind: 'map',
      title: `Map of ${c.name}`,
      unit: 'records',
      collectionId,
      run: async (control) => {
        const cached = recompute ? null : (entry.layout ?? this.readCache(key, collectionId))
        if (cached && (await this.update(c, key, entry, cached, mark, control))) return { updated: true }
        await this.compute(c, key, entry, space, mark, connection, control)
        return { updated: false }
      }
    })
    entry.job = status.jobId
    return status
  }

  /** The layout as bytes, or null while none is ready. */
  async layout(connection: string | undefined, collectionId: string): Promise<Uint8Array | null> {
    const scope = this.ctx.connections.scope(connection)
    // Refuses a collection that does not exist (or no longer does), as every call on one does.
    await this.ctx.connections.backend(connection, scope).get(collectionId)
    const key = this.key(connection, scope, collectionId)
    const entry = this.entry(key)
    entry.layout ??= this.readCache(key, collectionId)
    return entry.layout ? encodeMapLayout(entry.layout) : null
  }

  /** One metadata key's values in point order, for colour (categories) or size/opacity (numbers). */
  async values(connection: string | undefined, collectionId: string, metaKey: string): Promise<MapValues> {
    const { c, layout } = await this.current(connection, collectionId)
    const index = new Map(layout.header.ids.map((id, i) => [id, i]))
    const raw: unknown[] = new Array(index.size).fill(null)
    await readAll(c, ['metadatas'], (ids, rows) => {
      ids.forEach((id, i) => {
        const at = index.get(id)
        if (at !== undefined) raw[at] = (rows.metadatas?.[i] as Metadata | null)?.[metaKey] ?? null
      })
    })
    const numbers = raw.filter((v) => v !== null)
    if (numbers.length > 0 && numbers.every((v) => typeof v === 'number')) {
      const values = raw as (number | null)[]
      return {
        kind: 'number',
        key: metaKey,
        min: Math.min(...(numbers as number[])),
        max: Math.max(...(numbers as number[])),
        values
      }
    }
    const counts = new Map<string, number>()
    const labels = raw.map((v) => (v === null ? null : Array.isArray(v) ? v.join(', ') : String(v)))
    for (const l of labels) if (l !== null) counts.set(l, (counts.get(l) ?? 0) + 1)
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l)
    const categories = top.slice(0, MAX_CATEGORIES)
    const many = top.length > MAX_CATEGORIES
    if (many) categories.push('other')
    const code = new Map(categories.map((l, i) => [l, i]))
    // -1: the record has no such key.
    const codes = labels.map((l) => (l === null ? -1 : (code.get(l) ?? categories.length - 1)))
    return { kind: 'category', key: metaKey, categories, codes }
  }

  /** Positions (point indices) of the records a filter selects; the map dims the others. */
  async match(
    connection: string | undefined,
    collectionId: string,
    where: Record<string, unknown> | undefined,
    whereDocument: Record<string, unknown> | undefined
  ): Promise<number[]> {
    const { c, layout } = await this.current(connection, collectionId)
    const index = new Map(layout.header.ids.map((id, i) => [id, i]))
    const hits: number[] = []
    await readAll(
      c,
      [],
      (ids) => {
        for (const id of ids) {
          const at = index.get(id)
          if (at !== undefined) hits.push(at)
        }
      },
      { where, whereDocument }
    )
    return hits.sort((a, b) => a - b)
  }

  private async current(connection: string | undefined, collectionId: string) {
    const scope = this.ctx.connections.scope(connection)
    const c = await this.ctx.connections.backend(connection, scope).get(collectionId)
    const entry = this.entry(this.key(connection, scope, collectionId))
    entry.layout ??= this.readCache(this.key(connection, scope, collectionId), collectionId)
    if (!entry.layout) throw new InvalidArgumentError(`The map of "${c.name}" is not computed yet`)
    return { c, layout: entry.layout }
  }

  /**
   * A new layout: PCA at once, then UMAP. This computer's database on disk: the layout worker reads
   * the embeddings from the file itself (decision 0106); otherwise they are read here in pages.
   */
  private async compute(
    c: CollectionRef,
    key: string,
    entry: Entry,
    space: 'l2' | 'cosine' | 'ip',
    mark: WriteMark | null,
    connection: string | undefined,
    control: JobControl
  ): Promise<void> {
    const source = isLocal(connection) ? this.ctx.client.db.rowSource(c.id) : null
    let ids: string[] = []
    let total = 0
    const store = (stage: 'pca' | 'umap', coords: Float32Array): void =>
      this.store(key, entry, {
        header: { collectionId: c.id, stage, ids, total, updatedAt: Date.now(), ...markFields(mark) },
        coords
      })
    const progress = (phase: 'reading' | 'neighbours' | 'umap', done: number, all: number): void => {
      if (phase === 'reading') control.progress(done, all, 'reading embeddings')
      else {
        const n = ids.length
        control.progress(Math.round((done / Math.max(1, all)) * n), n, phase === 'umap' ? 'UMAP' : 'neighbours')
      }
    }
    if (source !== null) {
      await runLayout(
        { rows: { dbFile: source.dbFile, cid: source.cid, limit: MAP_POINT_LIMIT }, space, umap: true },
        {
          signal: control.signal,
          onRows: (read, count) => {
            ids = read
            total = count
            if (read.length === 0) store('umap', new Float32Array(0))
          },
          onLayout: store,
          onProgress: progress
        }
      )
      return
    }
    const read = await readEmbeddings(c, control)
    ids = read.ids
    total = read.total
    if (ids.length === 0) {
      store('umap', new Float32Array(0))
      return
    }
    await runLayout(
      { vectors: read.vectors, n: ids.length, dim: read.dim, space, umap: true },
      { signal: control.signal, onLayout: store, onProgress: progress }
    )
  }

  /**
   * Brings a cached layout up to date without recomputing it: removed records leave, added ones are
   * placed at the mean of their nearest neighbours among the placed ones. False when too much changed.
   */
  private async update(
    c: CollectionRef,
    key: string,
    entry: Entry,
    cached: MapLayout,
    mark: WriteMark | null,
    control: JobControl
  ): Promise<boolean> {
    const total = await c.count()
    if (cached.header.total > cached.header.ids.length || total > MAP_POINT_LIMIT) return false
    // Another collection under the same id (a restore): nothing of the layout can be trusted.
    if (mark !== null && cached.header.cid !== undefined && cached.header.cid !== mark.cid) return false
    // Records whose embedding changed since the layout (an update with a vector, a re-embedding) are
    // placed again like added ones; more than the share: a new layout. Unknown without a write mark.
    const moved = new Set(
      mark !== null && cached.header.cid === mark.cid && cached.header.seq !== undefined
        ? this.ctx.client.db.embeddedSince(c.id, cached.header.seq)
        : []
    )
    const current: string[] = []
    await readAll(c, [], (ids) => current.push(...ids), {}, control.signal)
    const placed = new Map(cached.header.ids.map((id, i) => [id, i]))
    const now = new Set(current)
    const added = current.filter((id) => !placed.has(id) || moved.has(id))
    const kept = cached.header.ids.filter((id) => now.has(id) && !moved.has(id))
    if (added.length === 0 && kept.length === cached.header.ids.length) {
      // Stored with the write mark it now matches, so the next opening needs no job.
      if (mark !== null && !sameMark(cached, mark))
        this.store(key, entry, { ...cached, header: { ...cached.header, ...markFields(mark) } })
      else entry.layout = cached
      return true
    }
    if (added.length > Math.max(10, kept.length * INCREMENTAL_SHARE)) return false
    const ids = [...kept]
    const coords = new Float32Array((kept.length + added.length) * 2)
    kept.forEach((id, i) => {
      const from = placed.get(id)!
      coords[i * 2] = cached.coords[from * 2]!
      coords[i * 2 + 1] = cached.coords[from * 2 + 1]!
    })
    const slotOf = new Map(kept.map((id, i) => [id, i]))
    for (let at = 0; at < added.length; at += 100) {
      control.signal.throwIfAborted()
      const batch = added.slice(at, at + 100)
      const rows = await c.get({ ids: batch, include: ['embeddings'] })
      const vectors = (rows.embeddings ?? []).map((e) => Array.from(e))
      const hits = vectors.length
        ? await c.query({ queryEmbeddings: vectors, nResults: PLACE_NEIGHBOURS + batch.length, include: [] })
        : { ids: [] }
      rows.ids.forEach((id, i) => {
        // Among the records placed before this update only: a batch's own records have no place yet.
        const near = (hits.ids[i] ?? []).filter((h) => slotOf.has(h)).slice(0, PLACE_NEIGHBOURS)
        const slot = ids.length
        ids.push(id)
        let x = 0
        let y = 0
        for (const h of near) {
          const from = slotOf.get(h)!
          x += coords[from * 2]!
          y += coords[from * 2 + 1]!
        }
        // Beside, not on top of, the neighbours' centre: a small offset keeps the new point visible.
        const spread = 0.01 * (i + 1)
        coords[slot * 2] = near.length ? x / near.length + spread : 0
        coords[slot * 2 + 1] = near.length ? y / near.length - spread : 0
      })
      control.progress(Math.min(added.length, at + 100), added.length, 'placing added records')
    }
    this.store(key, entry, {
      header: {
        collectionId: c.id,
        stage: cached.header.stage,
        ids,
        total,
        updatedAt: Date.now(),
        ...markFields(mark)
      },
      coords: coords.slice(0, ids.length * 2)
    })
    return true
  }

  /**
   * The collection's write mark (its key in the database file and its write sequence number), read
   * before the job reads records; null for a Chroma server, which has none: there a job compares the ids.
   */
  private markOf(connection: string | undefined, collectionId: string): WriteMark | null {
    if (!isLocal(connection)) return null
    return this.ctx.client.db.writeMark(collectionId)
  }

  private store(key: string, entry: Entry, layout: MapLayout): void {
    entry.layout = layout
    const file = this.cacheFile(key)
    if (file === null) return
    // Temp file and rename: a crash leaves the old layout or the new one, never half of one.
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(`${file}.tmp`, encodeMapLayout(layout))
    renameSync(`${file}.tmp`, file)
  }

  private readCache(key: string, collectionId: string): MapLayout | null {
    const file = this.cacheFile(key)
    if (file === null) return null
    try {
      const layout = decodeMapLayout(readFileSync(file))
      return layout.header.collectionId === collectionId ? layout : null
    } catch {
      // Missing or damaged: the layout is a cache, the next job makes it again.
      return null
    }
  }

  /** The cache file: under the data directory, named by a hash (no name from outside reaches the path). */
  private cacheFile(key: string): string | null {
    if (this.ctx.dataPath === null) return null
    const name = createHash('sha256').update(key).digest('hex').slice(0, 32)
    return path.join(this.ctx.dataPath, 'map-cache', `${name}.cdmap`)
  }

  private key(connection: string | undefined, scope: Scope, collectionId: string): string {
    return JSON.stringify([connection ?? 'local', scope.tenant, scope.database, collectionId])
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key)
    if (!entry) {
      entry = { layout: null, job: null }
      this.entries.set(key, entry)
    }
    return entry
  }
}

/** The collection's key in the database file and its write sequence number (ChromaDatabase.writeMark). */
interface WriteMark {
  cid: number
  seq: number
}

const markFields = (mark: WriteMark | null): { seq?: number; cid?: number } =>
  mark === null ? {} : { seq: mark.seq, cid: mark.cid }

/**
 * Whether the layout was made at this mark: the same write number of the same collection. The number
 * alone is not enough: a collection restored under its old id starts counting again from 0.
 */
const sameMark = (layout: MapLayout, mark: WriteMark): boolean =>
  layout.header.seq === mark.seq && layout.header.cid === mark.cid

/** Every record's embedding read in pages (a Chroma server, or a database in memory); sampled above the limit. */
async function readEmbeddings(
  c: CollectionRef,
  control: JobControl
): Promise<{ ids: string[]; vectors: Float32Array; dim: number; total: number }> {
  const total = await c.count()
  // Above the limit every stride-th record is kept, spread over the whole collection.
  const stride = Math.max(1, total / MAP_POINT_LIMIT)
  const ids: string[] = []
  let vectors: Float32Array = new Float32Array(0)
  let dim = 0
  let seen = 0
  await readAll(
    c,
    ['embeddings'],
    (pageIds, rows) => {
      pageIds.forEach((id, i) => {
        const e = rows.embeddings?.[i]
        if (!keepsRow(seen++, stride) || !e) return
        if (dim === 0) {
          dim = e.length
          vectors = new Float32Array(Math.min(total, MAP_POINT_LIMIT) * dim + dim)
        }
        if (ids.length * dim + dim > vectors.length) vectors = grow(vectors, dim)
        vectors.set(e, ids.length * dim)
        ids.push(id)
      })
      control.progress(seen, total, 'reading embeddings')
    },
    {},
    control.signal
  )
  return { ids, vectors: vectors.slice(0, ids.length * dim), dim, total }
}

function grow(vectors: Float32Array, dim: number): Float32Array {
  const next = new Float32Array(vectors.length * 2 + dim)
  next.set(vectors)
  return next
}

/** Reads every record the filter selects, a page at a time (local and remote alike). */
async function readAll(
  c: CollectionRef,
  include: string[],
  onPage: (ids: string[], rows: Awaited<ReturnType<CollectionRef['get']>>) => void,
  filter: { where?: Record<string, unknown>; whereDocument?: Record<string, unknown> } = {},
  signal?: AbortSignal
): Promise<void> {
  for (let offset = 0; ; offset += PAGE) {
    signal?.throwIfAborted()
    const rows = await c.get({ ...filter, limit: PAGE, offset, include })
    onPage(rows.ids, rows)
    if (rows.ids.length < PAGE) return
  }
}
