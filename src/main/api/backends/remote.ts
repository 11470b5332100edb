// A Chroma server through the official `chromadb` client. Documents and query texts are embedded
// here with the model the collection's configuration names (as the desktop does for its own
// database), so nothing depends on the server's or the client's embedding packages.
import type { AdminClient, ChromaClient, Collection as ChromaCollection } from 'chromadb'
import type { Metadata, MetadataKey, MetadataScalar } from '../../../shared/contract.js'
import {
  embeddingFunctionFromConfig,
  type EmbeddingFunction,
  type EmbeddingRuntimeOptions,
  type StoredEmbeddingFunctionConfig
} from '../../engine/embedding/index.js'
import { NotFoundError } from '../../engine/index.js'
import type { Admin, Backend, CollectionRef, CreateArgs } from './types.js'
import {
  adminClientFor,
  chromaClientFor,
  configOnlyEmbeddingFunction,
  type RemoteOptions
} from '../../portability/index.js'

export type RemoteTarget = RemoteOptions & { url: string }

/** Key summary from a sample of records (a server has no such call; the engine's is exact). */
export function summarizeMetadata(metadatas: (Metadata | null | undefined)[], sampleSize = 20): MetadataKey[] {
  const keys = new Map<
    string,
    { types: Set<MetadataKey['types'][number]>; records: number; isArray: boolean; counts: Map<MetadataScalar, number> }
  >()
  const typeOf = (v: MetadataScalar): MetadataKey['types'][number] =>
    typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : Number.isInteger(v) ? 'int' : 'float'
  for (const md of metadatas) {
    for (const [key, value] of Object.entries(md ?? {})) {
      if (value === null || value === undefined) continue
      const entry = keys.get(key) ?? { types: new Set(), records: 0, isArray: false, counts: new Map() }
      entry.records++
      const values = Array.isArray(value) ? value : [value]
      if (Array.isArray(value)) entry.isArray = true
      for (const v of values as MetadataScalar[]) {
        entry.types.add(typeOf(v))
        entry.counts.set(v, (entry.counts.get(v) ?? 0) + 1)
      }
      keys.set(key, entry)
    }
  }
  return [...keys.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, e]) => ({
      key,
      types: [...e.types],
      records: e.records,
      isArray: e.isArray,
      values: [...e.counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, sampleSize)
        .map(([v]) => v)
    }))
}

export class RemoteBackend implements Backend {
  private readonly client: ChromaClient
  private readonly efs = new Map<string, EmbeddingFunction | null>()

  constructor(
    target: RemoteTarget,
    private readonly embeddingOptions: EmbeddingRuntimeOptions = {}
  ) {
    this.client = chromaClientFor(target.url, target)
  }

  async list(): Promise<CollectionRef[]> {
    const all: CollectionRef[] = []
    for (let offset = 0; ; offset += 100) {
      const page = await this.client.listCollections({ limit: 100, offset })
      all.push(...page.map((c) => this.ref(c)))
      if (page.length < 100) return all
    }
  }

  async countCollections(): Promise<number> {
    return this.client.countCollections()
  }

  async get(id: string): Promise<CollectionRef> {
    const found = (await this.list()).find((c) => c.id === id)
    if (!found) throw new NotFoundError(`Collection ${id} does not exist on this server`)
    return found
  }

  async create(args: CreateArgs): Promise<CollectionRef> {
    const { embedding_function: ef, hnsw } = args.configuration as {
      embedding_function?: StoredEmbeddingFunctionConfig | null
      hnsw?: { space?: 'l2' | 'cosine' | 'ip' }
    }
    const c = await this.client.createCollection({
      name: args.name,
      ...(args.metadata ? { metadata: args.metadata as never } : {}),
      ...(hnsw?.space ? { configuration: { hnsw: { space: hnsw.space } } } : {}),
      // Stored on the server as the collection's model, so it is known on the next visit too.
      embeddingFunction: configOnlyEmbeddingFunction(ef ?? null) as never
    })
    return this.ref(c)
  }

  async remove(name: string): Promise<void> {
    await this.client.deleteCollection({ name })
  }

  /** A Chroma server answers a delete without a count; the count difference is the same number. */
  async deleteRecords(c: CollectionRef, filter: Parameters<CollectionRef['delete']>[0]): Promise<number> {
    const before = await c.count()
    await c.delete(filter)
    return before - (await c.count())
  }

  async countWhere(c: CollectionRef, where?: Record<string, unknown>, whereDocument?: Record<string, unknown>) {
    if (!where && !whereDocument) return c.count()
    return (await c.get({ where, whereDocument, include: [] })).ids.length
  }

  async metadataKeys(c: CollectionRef): Promise<MetadataKey[]> {
    const sample = await c.get({ limit: 1000, include: ['metadatas'] })
    return summarizeMetadata(sample.metadatas ?? [])
  }

  async dimension(c: CollectionRef): Promise<number | null> {
    const one = await c.get({ limit: 1, include: ['embeddings'] })
    return one.embeddings?.[0]?.length ?? null
  }

  embedder(c: CollectionRef): EmbeddingFunction | null {
    if (!this.efs.has(c.id)) {
      const stored = (c.configuration as { embedding_function?: StoredEmbeddingFunctionConfig | null } | null)
        ?.embedding_function
      this.efs.set(c.id, stored ? embeddingFunctionFromConfig(stored, this.embeddingOptions) : null)
    }
    return this.efs.get(c.id) ?? null
  }

  async close(): Promise<void> {
    for (const ef of this.efs.values()) await (ef as { close?: () => Promise<void> } | null)?.close?.()
  }

  private ref(c: ChromaCollection): CollectionRef {
    return c as unknown as CollectionRef
  }
}

/** A server's tenants and databases through the official admin client. */
export class RemoteAdmin implements Admin {
  private readonly client: AdminClient

  constructor(target: RemoteTarget) {
    this.client = adminClientFor(target.url, target.token)
  }

  /** Chroma's API has no call that lists tenants. */
  async listTenants(): Promise<null> {
    return null
  }

  async getTenant(name: string): Promise<void> {
    await this.client.getTenant({ name })
  }

  async createTenant(name: string): Promise<void> {
    await this.client.createTenant({ name })
  }

  async listDatabases(tenant: string): Promise<string[]> {
    const names: string[] = []
    for (let offset = 0; ; offset += 100) {
      const page = await this.client.listDatabases({ tenant, limit: 100, offset })
      names.push(...page.map((d) => d.name))
      if (page.length < 100) return names.sort()
    }
  }

  async createDatabase(tenant: string, name: string): Promise<void> {
    await this.client.createDatabase({ tenant, name })
  }

  async deleteDatabase(tenant: string, name: string): Promise<void> {
    await this.client.deleteDatabase({ tenant, name })
  }
}
