import { distanceAt, normalizedLikeHnswlib, preparedQuery } from './distance.js'
import { HierarchicalNSW, type NativeHnsw } from './hnswlib.js'
import type { HnswParams, IndexStats, SearchHit } from './types.js'

export interface VectorIndexOptions {
  /**
   * Filtered searches whose allowed set has at most this many labels are answered by an exact scan.
   * Default: adaptive, max(1024, sqrt(3.5 * efSearch * size)).
   */
  exactSearchMaxCandidates?: number
  /** Capacity multiplier when the index is full (hnswlib resize copies the whole graph). */
  growthFactor?: number
  /** Upper bound of the ef multiplier applied to filtered HNSW searches as selectivity drops. */
  filteredEfBoostMax?: number
  /** hnswlib level-assignment seed; fixed so builds are reproducible. */
  randomSeed?: number
}

const DEFAULT_INITIAL_CAPACITY = 1024
const DEFAULT_GROWTH_FACTOR = 1.5
// Filtered search strategy, from the filter sweep in bench/engine.bench.ts (100k x 384): an exact
// scan costs ~1-2 us per allowed label, while filtered HNSW must visit about ef/selectivity nodes at
// ~5-7 us each (a JS filter call per node), i.e. ~7 us * ef * size / |allowed|. They cross where
// |allowed| ~ sqrt(3.5 * ef * size) (~5.9k of 100k at ef=100); below that, exact is both faster
// and exact. Raising ef for selective filters only slowed HNSW down (recall was 1.0 without it).
const EXACT_SCAN_COST_RATIO = 3.5
const MIN_EXACT_SEARCH_CANDIDATES = 1024
const DEFAULT_FILTERED_EF_BOOST_MAX = 1
/** Largest label: hnswlib-node takes labels as uint32. */
export const MAX_LABEL = 0xffffffff

export const FILTERED_SEARCH_DEFAULTS = {
  /** undefined = adaptive: max(1024, sqrt(3.5 * efSearch * size)). */
  exactSearchMaxCandidates: undefined,
  filteredEfBoostMax: DEFAULT_FILTERED_EF_BOOST_MAX
} as const // hnswlib-node converts labels with Uint32Value

/** @internal state handed over by the snapshot loader. */
export interface LoadedIndexState {
  hnsw: NativeHnsw
  capacity: number
  /** Live labels; the vector of liveLabels[i] is at arena slot i (normalised for cosine). */
  liveLabels: ArrayLike<number>
  arena: Float32Array
  /** Labels present in the hnswlib graph but marked deleted. */
  deletedLabels: Iterable<number>
}

/**
 * An HNSW index (hnswlib) over integer labels, with Chroma's distances and a float32 copy of every
 * live vector so that filtered queries over small candidate sets can be answered exactly and all
 * returned distances come from one formula whichever path answered.
 */
export class VectorIndex {
  readonly dim: number
  readonly params: HnswParams

  private readonly hnsw: NativeHnsw
  private capacity: number
  private currentEf = -1
  private readonly growthFactor: number
  private exactSearchMaxCandidates: number | undefined
  private filteredEfBoostMax: number

  // Vector copies live in one arena; slots are ours (unrelated to hnswlib's internal ids).
  private arena: Float32Array
  private arenaSlots = 0
  private readonly freeSlots: number[] = []
  private readonly slotOfLabel = new Map<number, number>()
  // Labels whose hnswlib element is marked deleted. hnswlib may recycle such an element for another
  // label without telling us, so membership here means "maybe still present"; see upsertOne.
  private readonly tombstones = new Set<number>()

  constructor(
    dim: number,
    params: HnswParams,
    initialCapacity?: number,
    options: VectorIndexOptions = {},
    loaded?: LoadedIndexState
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`VectorIndex: invalid dimension ${dim}`)
    validateParams(params)
    this.dim = dim
    this.params = { ...params }
    this.growthFactor = Math.max(1.1, options.growthFactor ?? DEFAULT_GROWTH_FACTOR)
    this.exactSearchMaxCandidates = options.exactSearchMaxCandidates
    this.filteredEfBoostMax = Math.max(1, options.filteredEfBoostMax ?? DEFAULT_FILTERED_EF_BOOST_MAX)
    if (loaded) {
      // Adopt a graph read from a snapshot, with its live vectors packed into slots 0..count-1.
      const count = loaded.liveLabels.length
      this.hnsw = loaded.hnsw
      this.capacity = Math.max(loaded.capacity, 1)
      this.arena = loaded.arena
      this.arenaSlots = count
      for (let i = 0; i < count; i++) this.slotOfLabel.set(loaded.liveLabels[i] as number, i)
      for (const label of loaded.deletedLabels) this.tombstones.add(label)
      return
    }
    this.capacity = Math.max(1, Math.floor(initialCapacity ?? DEFAULT_INITIAL_CAPACITY))
    this.hnsw = new HierarchicalNSW(params.space, dim)
    this.hnsw.initIndex({
      maxElements: this.capacity,
      m: params.M,
      efConstruction: params.efConstruction,
      randomSeed: options.randomSeed ?? 100,
      allowReplaceDeleted: true
    })
    this.arena = new Float32Array(this.capacity * dim)
  }

  /** Live (not deleted) points. */
  get size(): number {
    return this.slotOfLabel.size
  }

  has(label: number): boolean {
    return this.slotOfLabel.has(label)
  }

  /** Labels of all live points (no particular order). */
  labels(): IterableIterator<number> {
    return this.slotOfLabel.keys()
  }

  setEfSearch(ef: number): void {
    if (!Number.isInteger(ef) || ef < 1) throw new Error(`VectorIndex: invalid ef_search ${ef}`)
    this.params.efSearch = ef
  }

  /** Adjusts the filtered-search strategy (see VectorIndexOptions); used by the benchmark. */
  tuneFilteredSearch(tuning: Pick<VectorIndexOptions, 'exactSearchMaxCandidates' | 'filteredEfBoostMax'>): void {
    if ('exactSearchMaxCandidates' in tuning) {
      const max = tuning.exactSearchMaxCandidates
      this.exactSearchMaxCandidates = max === undefined ? undefined : Math.max(0, Math.floor(max))
    }
    if (tuning.filteredEfBoostMax !== undefined) this.filteredEfBoostMax = Math.max(1, tuning.filteredEfBoostMax)
  }

  /** Adds new labels and replaces the vectors of existing ones; grows capacity as needed. */
  upsert(labels: number[], vectors: ArrayLike<number>[]): void {
    if (labels.length !== vectors.length) {
      throw new Error(`VectorIndex.upsert: ${labels.length} labels but ${vectors.length} vectors`)
    }
    const fresh = new Set<number>()
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i] as number
      checkLabel(label)
      const vector = vectors[i] as ArrayLike<number>
      if (vector.length !== this.dim) {
        throw new Error(`VectorIndex.upsert: expected dimension ${this.dim}, got ${vector.length}`)
      }
      if (!this.slotOfLabel.has(label)) fresh.add(label)
    }
    this.reserve(fresh.size)
    for (let i = 0; i < labels.length; i++) this.upsertOne(labels[i] as number, vectors[i] as ArrayLike<number>)
  }

  /** Marks labels deleted; labels not in the index are ignored. */
  remove(labels: number[]): void {
    for (const label of labels) {
      const slot = this.slotOfLabel.get(label)
      if (slot === undefined) continue
      this.hnsw.markDelete(label)
      this.slotOfLabel.delete(label)
      this.freeSlots.push(slot)
      this.tombstones.add(label)
    }
    this.pruneTombstones()
  }

  /**
   * The k nearest live points by Chroma's distance, ascending, ties by label. With `allowed`, only
   * those labels are candidates and exactly min(k, |allowed ∩ index|) hits come back.
   */
  search(query: ArrayLike<number>, k: number, allowed?: ReadonlySet<number>): SearchHit[] {
    if (query.length !== this.dim) {
      throw new Error(`VectorIndex.search: expected dimension ${this.dim}, got ${query.length}`)
    }
    const wanted = Math.floor(k)
    if (!(wanted > 0) || this.size === 0) return []
    // Always a Float64Array so the distance kernels stay monomorphic (2-3x faster scans).
    const prepared = preparedQuery(this.params.space, query)

    if (allowed === undefined) {
      const kk = Math.min(wanted, this.size)
      const hits = this.hnswSearch(query, prepared, kk, Math.max(this.params.efSearch, kk))
      if (hits.length === kk) return hits
      // hnswlib can come back short when deletions cut the graph; retry wider, then scan.
      const wider = this.hnswSearch(query, prepared, kk, Math.max(this.params.efSearch, kk) * 4)
      return wider.length === kk ? wider : this.exactSearch(prepared, kk, this.slotOfLabel.keys())
    }

    if (allowed.size === 0) return []
    if (allowed.size <= this.exactScanLimit()) return this.exactSearch(prepared, wanted, allowed)

    const kk = Math.min(wanted, allowed.size, this.size)
    // A selective filter discards most visited nodes, so widen the beam as selectivity drops.
    const selectivity = Math.min(1, allowed.size / this.size)
    const ef = Math.ceil(
      Math.max(this.params.efSearch, kk) * Math.min(this.filteredEfBoostMax, Math.max(1, 0.5 / selectivity))
    )
    const hits = this.hnswSearch(query, prepared, kk, ef, (label) => allowed.has(label))
    // Short means the graph walk missed candidates (or fewer than kk match): answer exactly.
    return hits.length === kk ? hits : this.exactSearch(prepared, wanted, allowed)
  }

  private exactScanLimit(): number {
    if (this.exactSearchMaxCandidates !== undefined) return this.exactSearchMaxCandidates
    return Math.max(MIN_EXACT_SEARCH_CANDIDATES, Math.sqrt(EXACT_SCAN_COST_RATIO * this.params.efSearch * this.size))
  }

  /**
   * Sizes of the index, with an estimate of the memory it holds: hnswlib's level-0 block (allocated
   * for the whole capacity), its upper levels (1/(M-1) levels per element on average), its per-element
   * lock and label map, and our float32 copy of every vector with its label map. An estimate: allocator
   * overhead and V8's map layout are not measured.
   */
  stats(): IndexStats {
    const { M } = this.params
    const elements = this.hnsw.getCurrentCount()
    const level0 = 4 + 2 * M * 4 + this.dim * 4 + 8
    const perSlot = level0 + 8 + 4 + 40 // + link-list pointer, level, mutex
    const upper = (4 + M * 4) / Math.max(1, M - 1) + 40 // + label lookup entry
    const memoryBytes = Math.round(
      this.capacity * perSlot + elements * upper + this.arena.length * 4 + this.slotOfLabel.size * 40
    )
    return { live: this.size, elements, capacity: this.capacity, memoryBytes }
  }

  /** @internal Used by the snapshot writer. */
  native(): NativeHnsw {
    return this.hnsw
  }

  /** @internal Copy of the stored vector (normalised for cosine), or undefined. */
  storedVector(label: number): Float32Array | undefined {
    const slot = this.slotOfLabel.get(label)
    if (slot === undefined) return undefined
    return this.arena.slice(slot * this.dim, (slot + 1) * this.dim)
  }

  private upsertOne(label: number, vector: ArrayLike<number>): void {
    const asArray = toPlainArray(vector)
    let slot = this.slotOfLabel.get(label)
    if (slot !== undefined) {
      this.hnsw.addPoint(asArray, label, false) // existing live label: hnswlib updates in place
    } else {
      let revived = false
      if (this.tombstones.delete(label)) {
        // Its element may still exist (marked deleted): revive and update it, because inserting
        // with replaceDeleted would leave the old element carrying the same label.
        try {
          this.hnsw.unmarkDelete(label)
          revived = true
        } catch {
          revived = false // hnswlib already recycled that element for another label
        }
      }
      this.hnsw.addPoint(asArray, label, !revived)
      slot = this.freeSlots.pop() ?? this.arenaSlots++
      this.slotOfLabel.set(label, slot)
    }
    this.store(slot, vector)
  }

  private store(slot: number, vector: ArrayLike<number>): void {
    const needed = (slot + 1) * this.dim
    if (needed > this.arena.length) {
      const grown = new Float32Array(
        Math.max(needed, Math.ceil((this.arena.length / this.dim) * this.growthFactor) * this.dim)
      )
      grown.set(this.arena)
      this.arena = grown
    }
    const offset = slot * this.dim
    if (this.params.space === 'cosine') this.arena.set(normalizedLikeHnswlib(vector), offset)
    else for (let i = 0; i < this.dim; i++) this.arena[offset + i] = vector[i] as number
  }

  /** Makes room for `fresh` labels not yet live: each reuses a deleted element or takes a new one. */
  private reserve(fresh: number): void {
    const used = this.hnsw.getCurrentCount()
    const vacant = used - this.size
    const needed = used + Math.max(0, fresh - vacant)
    if (needed <= this.capacity) return
    const next = Math.max(needed, Math.ceil(this.capacity * this.growthFactor))
    this.hnsw.resizeIndex(next)
    this.capacity = next
  }

  /** Drops tombstones for elements hnswlib has recycled, so the set stays proportional. */
  private pruneTombstones(): void {
    const deletedElements = this.hnsw.getCurrentCount() - this.size
    if (this.tombstones.size <= 2 * deletedElements + 1024) return
    const present = new Set(this.hnsw.getIdsList())
    for (const label of this.tombstones) if (!present.has(label)) this.tombstones.delete(label)
  }

  private hnswSearch(
    query: ArrayLike<number>,
    prepared: Float64Array,
    k: number,
    ef: number,
    filter?: (label: number) => boolean
  ): SearchHit[] {
    if (ef !== this.currentEf) {
      this.hnsw.setEf(ef)
      this.currentEf = ef
    }
    const asArray = toPlainArray(query)
    const result = filter ? this.hnsw.searchKnn(asArray, k, filter) : this.hnsw.searchKnn(asArray, k)
    const hits: SearchHit[] = []
    for (const label of result.neighbors) {
      const slot = this.slotOfLabel.get(label)
      if (slot === undefined) continue
      // Recomputed from our copy so both search paths report identical distances.
      hits.push({ label, distance: distanceAt(this.params.space, prepared, this.arena, slot * this.dim, this.dim) })
    }
    return hits.sort(compareHits)
  }

  private exactSearch(prepared: Float64Array, k: number, labels: Iterable<number>): SearchHit[] {
    const heap = new TopK(Math.min(k, this.size))
    const { dim, arena } = this
    const space = this.params.space
    for (const label of labels) {
      const slot = this.slotOfLabel.get(label)
      if (slot === undefined) continue
      heap.offer(label, distanceAt(space, prepared, arena, slot * dim, dim))
    }
    return heap.sorted()
  }
}

/** hnswlib-node only accepts plain arrays; an indexed loop is ~10x faster than Array.from here. */
function toPlainArray(v: ArrayLike<number>): number[] {
  if (Array.isArray(v)) return v as number[]
  const out = new Array<number>(v.length)
  for (let i = 0; i < v.length; i++) out[i] = v[i] as number
  return out
}

function compareHits(a: SearchHit, b: SearchHit): number {
  return a.distance - b.distance || a.label - b.label
}

function checkLabel(label: number): void {
  if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) {
    throw new Error(`VectorIndex: label must be an integer in [0, ${MAX_LABEL}], got ${label}`)
  }
}

function validateParams(params: HnswParams): void {
  if (params.space !== 'l2' && params.space !== 'ip' && params.space !== 'cosine') {
    throw new Error(`VectorIndex: unknown space ${String(params.space)}`)
  }
  for (const key of ['M', 'efConstruction', 'efSearch'] as const) {
    const value = params[key]
    if (!Number.isInteger(value) || value < 1) throw new Error(`VectorIndex: invalid ${key} ${value}`)
  }
}

/** Bounded max-heap keeping the k smallest (distance, label) pairs. */
export class TopK {
  private readonly distances: Float64Array
  private readonly labels: Float64Array
  private count = 0

  constructor(private readonly k: number) {
    this.distances = new Float64Array(k)
    this.labels = new Float64Array(k)
  }

  offer(label: number, distance: number): void {
    if (this.count < this.k) {
      let i = this.count++
      while (i > 0) {
        const parent = (i - 1) >> 1
        if (!this.worse(distance, label, this.distances[parent] as number, this.labels[parent] as number)) break
        this.distances[i] = this.distances[parent] as number
        this.labels[i] = this.labels[parent] as number
        i = parent
      }
      this.distances[i] = distance
      this.labels[i] = label
      return
    }
    if (!this.worse(this.distances[0] as number, this.labels[0] as number, distance, label)) return
    // Replace the root (the current worst) and sift down.
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= this.count) break
      const right = left + 1
      let child = left
      if (
        right < this.count &&
        this.worse(
          this.distances[right] as number,
          this.labels[right] as number,
          this.distances[left] as number,
          this.labels[left] as number
        )
      ) {
        child = right
      }
      if (!this.worse(this.distances[child] as number, this.labels[child] as number, distance, label)) break
      this.distances[i] = this.distances[child] as number
      this.labels[i] = this.labels[child] as number
      i = child
    }
    this.distances[i] = distance
    this.labels[i] = label
  }

  sorted(): SearchHit[] {
    const hits: SearchHit[] = []
    for (let i = 0; i < this.count; i++)
      hits.push({ label: this.labels[i] as number, distance: this.distances[i] as number })
    return hits.sort(compareHits)
  }

  /** True when (d1, l1) orders after (d2, l2). */
  private worse(d1: number, l1: number, d2: number, l2: number): boolean {
    return d1 > d2 || (d1 === d2 && l1 > l2)
  }
}
