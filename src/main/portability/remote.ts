// A Chroma server (Chroma itself, or Chromadesk's own server) through the official `chromadb` client.
// Embeddings are always passed explicitly, so the embedding function objects handed to the client
// only carry the stored configuration and refuse to embed.
import { AdminClient, ChromaClient, ChromaNotFoundError, type Collection } from 'chromadb'
import type { EmbeddingFunctionConfig, Metadata } from '../engine/index.js'
import { isSparseVector } from '../engine/validation.js'
import type { CollectionEndpoint, CollectionSpec, Connection, PortableHnsw, RecordBatch } from './types.js'
import { PortabilityError } from './types.js'
import { STORED_FUNCTION_HEADER } from '../../shared/constants.js'

function refuseToEmbed(): Promise<number[][]> {
  return Promise.reject(new Error('Copying never embeds: every record carries its embedding'))
}

/**
 * An embedding function object for the `chromadb` client that carries a stored configuration and
 * refuses to embed: the client serializes a function as `known` only if its class can rebuild it from
 * config, so this keeps the collection's model on the server while we send every vector ourselves.
 */
export function configOnlyEmbeddingFunction(cfg: EmbeddingFunctionConfig | null): object {
  if (cfg?.type !== 'known' || !cfg.name) return { generate: refuseToEmbed }
  const config = cfg.config ?? {}
  class ConfigOnly {
    static buildFromConfig(): ConfigOnly {
      return new ConfigOnly()
    }
    readonly name = cfg!.name as string
    getConfig(): Record<string, unknown> {
      return config
    }
    generate = refuseToEmbed
  }
  return new ConfigOnly()
}

/**
 * JSON for float32 vectors. JSON.stringify writes -0 as 0; Chroma 1.0 takes no base64 embeddings, so
 * -0 is written as `-0.0` by hand. Every other value prints as the shortest double, which Chroma
 * parses back to the same float32.
 */
function embeddingsJson(vectors: Float32Array[]): string {
  const num = (x: number): string => (Object.is(x, -0) ? '-0.0' : String(x))
  return `[${vectors.map((v) => `[${Array.from(v, num).join(',')}]`).join(',')}]`
}

/** The client prints warnings for a collection without a known function; passing one keeps it quiet. */
const QUIET_EF = { generate: refuseToEmbed }

export interface RemoteOptions {
  /** Sent as `Authorization: Bearer` and `X-Chroma-Token` (Chroma accepts either, as does our server). */
  token?: string
  tenant?: string
  database?: string
}

/** Chroma accepts the token in either header (whichever the server is configured for); send both. */
export function tokenHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}`, 'x-chroma-token': token } : {}
}

/** Where the official clients send requests: host, port, TLS and the token headers. */
function serverArgs(url: string, token: string | undefined) {
  const u = new URL(url)
  return {
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    ssl: u.protocol === 'https:',
    headers: { ...tokenHeaders(token), [STORED_FUNCTION_HEADER]: '1' }
  }
}

/** The official client for a server URL, tenant, database and token. */
export function chromaClientFor(url: string, opts: RemoteOptions = {}): ChromaClient {
  return new ChromaClient({
    ...serverArgs(url, opts.token),
    tenant: opts.tenant ?? 'default_tenant',
    database: opts.database ?? 'default_database'
  })
}

/** The official admin client (tenants and databases) for a server URL and token. */
export function adminClientFor(url: string, token: string | undefined): AdminClient {
  return new AdminClient(serverArgs(url, token))
}

/** Turns a failed request into a message that names the server. */
function describe(err: unknown, label: string): string {
  const msg = err instanceof Error ? err.message : String(err)
  const name = err instanceof Error ? err.name : ''
  if (name === 'ChromaConnectionError' || /fetch failed|ECONNREFUSED|ECONNRESET|socket/i.test(msg)) {
    return `cannot reach the Chroma server at ${label} (${msg})`
  }
  return `${label}: ${msg}`
}

class RemoteCollection implements CollectionEndpoint {
  constructor(
    private readonly col: Collection & { path(): Promise<{ tenant: string; database: string }> },
    readonly spec: CollectionSpec,
    private readonly label: string,
    private readonly headers: Record<string, string>
  ) {}

  private async call<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what()
    } catch (e) {
      throw new PortabilityError(describe(e, this.label), undefined, { cause: e })
    }
  }

  count(): Promise<number> {
    return this.call(() => this.col.count())
  }

  async *read(batchSize: number, signal?: AbortSignal): AsyncIterable<RecordBatch> {
    for (let offset = 0; ; offset += batchSize) {
      if (signal?.aborted) return
      const batch = await this.batch({ limit: batchSize, offset })
      if (batch.ids.length === 0) return
      yield batch
      if (batch.ids.length < batchSize) return
    }
  }

  readIds(ids: string[]): Promise<RecordBatch> {
    return this.batch({ ids })
  }

  private async batch(which: { ids: string[] } | { limit: number; offset: number }): Promise<RecordBatch> {
    const r = await this.call(() =>
      this.col.get({ ...which, include: ['embeddings', 'documents', 'metadatas', 'uris'] as never })
    )
    return {
      ids: r.ids,
      // Chroma sends float32 values in their shortest form, which parse back to the same float32.
      embeddings: r.ids.map((_, i) => Float32Array.from((r.embeddings[i] ?? []) as number[])),
      documents: r.ids.map((_, i) => r.documents[i] ?? null),
      metadatas: r.ids.map((_, i) => {
        const m = r.metadatas[i] as Metadata | null | undefined
        return m && Object.keys(m).length > 0 ? m : null
      }),
      uris: r.ids.map((_, i) => r.uris[i] ?? null)
    }
  }

  async existing(ids: string[]): Promise<Set<string>> {
    const r = await this.call(() => this.col.get({ ids, include: [] as never }))
    return new Set(r.ids)
  }

  async add(batch: RecordBatch): Promise<void> {
    batch.metadatas.forEach((m, i) => {
      const key = m ? Object.keys(m).find((k) => Array.isArray(m[k])) : undefined
      if (key !== undefined) {
        throw new PortabilityError(
          `Record "${batch.ids[i]}" has a list in metadata key "${key}", which Chroma 1.0 servers and the chromadb 3.0 client do not accept`
        )
      }
      const sparse = m ? Object.keys(m).find((k) => isSparseVector(m[k])) : undefined
      if (sparse !== undefined) {
        throw new PortabilityError(
          `Record "${batch.ids[i]}" has a sparse vector in metadata key "${sparse}" (a keyword index's, say), which Chroma 1.0 servers do not accept`
        )
      }
    })
    // One request: Chroma applies it as one log entry, so a failure never leaves part of it behind.
    // Sent as a plain v2 request because the chromadb client refuses lists that mix documents (or
    // uris) with nulls, which Chroma's API accepts and which a copy must keep as they are.
    const rest = JSON.stringify({
      ids: batch.ids,
      documents: batch.documents.some((d) => d !== null) ? batch.documents : null,
      metadatas: batch.metadatas.some((m) => m !== null) ? batch.metadatas : null,
      uris: batch.uris.some((u) => u !== null) ? batch.uris : null
    })
    const body = `{"embeddings":${embeddingsJson(batch.embeddings)},${rest.slice(1)}`
    await this.call(async () => {
      const path = await this.col.path()
      const url = `${this.label}/api/v2/tenants/${encodeURIComponent(path.tenant)}/databases/${encodeURIComponent(
        path.database
      )}/collections/${this.col.id}/add`
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': 'application/json' },
        body
      })
      if (!res.ok) {
        const text = await res.text()
        let message = text
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text
        } catch {
          /* not JSON */
        }
        throw new Error(`add answered ${res.status}: ${message}`)
      }
    })
  }

  async remove(ids: string[]): Promise<void> {
    await this.call(() => this.col.delete({ ids }))
  }
}

export class RemoteConnection implements Connection {
  readonly readOnly = false
  readonly label: string
  private readonly client: ChromaClient
  private readonly headers: Record<string, string>

  constructor(
    url: string,
    private readonly opts: RemoteOptions = {}
  ) {
    const u = new URL(url)
    this.label = `${u.protocol}//${u.host}`
    this.headers = tokenHeaders(opts.token)
    this.client = chromaClientFor(url, opts)
  }

  private async call<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what()
    } catch (e) {
      if (e instanceof PortabilityError) throw e
      throw new PortabilityError(describe(e, this.label), undefined, { cause: e })
    }
  }

  async maxBatchSize(): Promise<number> {
    return this.call(async () => {
      const res = await fetch(`${this.label}/api/v2/pre-flight-checks`, { headers: this.headers })
      if (!res.ok) throw new Error(`pre-flight checks answered ${res.status}`)
      const body = (await res.json()) as { max_batch_size?: number }
      return typeof body.max_batch_size === 'number' && body.max_batch_size > 0 ? body.max_batch_size : 1000
    })
  }

  async list(): Promise<string[]> {
    const names: string[] = []
    for (let offset = 0; ; offset += 100) {
      const page = await this.call(() => this.client.listCollections({ limit: 100, offset }))
      names.push(...page.map((c) => c.name))
      if (page.length < 100) return names
    }
  }

  private specOf(col: Collection, dimension: number | null): CollectionSpec {
    const cfg = col.configuration as unknown as {
      hnsw?: PortableHnsw | null
      embedding_function?: EmbeddingFunctionConfig | null
    }
    return {
      name: col.name,
      metadata: (col.metadata as Metadata | undefined) ?? null,
      configuration: { hnsw: cfg.hnsw ? { ...cfg.hnsw } : null, embedding_function: cfg.embedding_function ?? null },
      dimension
    }
  }

  async open(name: string): Promise<CollectionEndpoint | null> {
    let col: Collection
    try {
      col = await this.client.getCollection({ name, embeddingFunction: QUIET_EF as never })
    } catch (e) {
      if (e instanceof ChromaNotFoundError) return null
      // Chroma 1.0 answers an unknown collection with a 400 whose message says so.
      if (/does not exist/i.test((e as Error).message)) return null
      throw new PortabilityError(describe(e, this.label), undefined, { cause: e })
    }
    // The client does not expose the dimension; the first record tells it.
    const first = await this.call(() => col.get({ limit: 1, include: ['embeddings'] as never }))
    const dim = first.embeddings[0]?.length ?? null
    return new RemoteCollection(col as never, this.specOf(col, dim), this.label, this.headers)
  }

  async create(spec: CollectionSpec): Promise<CollectionEndpoint> {
    if (await this.open(spec.name)) {
      throw new PortabilityError(`Collection "${spec.name}" already exists at ${this.label}`)
    }
    const col = await this.call(() =>
      this.client.createCollection({
        name: spec.name,
        metadata: (spec.metadata ?? undefined) as never,
        configuration: spec.configuration.hnsw ? { hnsw: spec.configuration.hnsw } : undefined,
        embeddingFunction: configOnlyEmbeddingFunction(spec.configuration.embedding_function) as never
      })
    )
    return new RemoteCollection(col as never, this.specOf(col, null), this.label, this.headers)
  }

  async drop(name: string): Promise<void> {
    await this.call(() => this.client.deleteCollection({ name }))
  }

  async close(): Promise<void> {
    // The client holds no connection of its own.
  }
}
