// What the contract's handlers need from a database, whichever it is: the built-in engine or a
// Chroma server reached through the official client. Both clients' collections share Chroma's JS
// API, so one structural type covers them.
import type { Metadata, MetadataKey } from '../../../shared/contract.js'
import type { EmbeddingFunction } from '../../engine/index.js'

type Filter = Record<string, unknown>

export interface RowsResult {
  ids: string[]
  documents?: (string | null)[] | null
  metadatas?: (Metadata | null)[] | null
  embeddings?: ArrayLike<number>[] | null
}

export interface QueryRows {
  ids: string[][]
  documents?: (string | null)[][] | null
  metadatas?: (Metadata | null)[][] | null
  distances?: (number | null)[][] | null
}

export interface RecordWrite {
  ids: string[]
  embeddings?: number[][]
  documents?: (string | null)[]
  metadatas?: (Metadata | null)[]
}

/** One collection, local or remote. */
export interface CollectionRef {
  readonly id: string
  readonly name: string
  readonly metadata: Metadata | null | undefined
  readonly configuration: unknown
  count(): Promise<number>
  get(args: {
    ids?: string[]
    where?: Filter
    whereDocument?: Filter
    limit?: number
    offset?: number
    include: string[]
  }): Promise<RowsResult>
  query(args: {
    queryEmbeddings: number[][]
    nResults: number
    where?: Filter
    whereDocument?: Filter
    include: string[]
  }): Promise<QueryRows>
  add(args: RecordWrite): Promise<unknown>
  update(args: RecordWrite): Promise<unknown>
  upsert(args: RecordWrite): Promise<unknown>
  delete(args: { ids?: string[]; where?: Filter; whereDocument?: Filter }): Promise<unknown>
  modify(args: { name?: string; metadata?: Metadata }): Promise<unknown>
}

export interface CreateArgs {
  name: string
  metadata?: Metadata
  configuration: Record<string, unknown>
  /** Chroma 1.5's schema (this computer's database; a Chroma 1.0 server has none). */
  schema?: Record<string, unknown>
}

/** A database the app works on. */
export interface Backend {
  list(): Promise<CollectionRef[]>
  /** How many collections the database holds. */
  countCollections(): Promise<number>
  get(id: string): Promise<CollectionRef>
  create(args: CreateArgs): Promise<CollectionRef>
  remove(name: string): Promise<void>
  /** Deletes by ids and/or filter; returns how many records went. */
  deleteRecords(c: CollectionRef, filter: { ids?: string[]; where?: Filter; whereDocument?: Filter }): Promise<number>
  /** Records matching a filter (the whole collection without one). */
  countWhere(c: CollectionRef, where?: Filter, whereDocument?: Filter): Promise<number>
  metadataKeys(c: CollectionRef): Promise<MetadataKey[]>
  dimension(c: CollectionRef): Promise<number | null>
  /** Embeds this collection's documents and query texts, here, with the model its configuration names. */
  embedder(c: CollectionRef): EmbeddingFunction | null
  close(): Promise<void>
}

/**
 * Tenants and databases of a connection (Chroma's admin calls). Chroma's API cannot list tenants,
 * so `listTenants` answers null for a server (decision 0070).
 */
export interface Admin {
  listTenants(): Promise<string[] | null>
  /** Throws NotFound (or the server's 404) when the tenant does not exist. */
  getTenant(name: string): Promise<void>
  createTenant(name: string): Promise<void>
  /** Database names of the tenant, sorted. */
  listDatabases(tenant: string): Promise<string[]>
  createDatabase(tenant: string, name: string): Promise<void>
  deleteDatabase(tenant: string, name: string): Promise<void>
}
