// The two sides of the differential tests behind one small interface (the object-style client API
// of Seam 3): the real Chroma server reached through the official `chromadb` JS client, and our engine.
//
// Chroma side: results are taken from the HTTP response body (not from chromadb's result classes,
// which turn `null` into `[]`), and errors carry the server's status, `error` name and message
// (chromadb 3.0.3 replaces 404/409/500 messages with generic text). When the JS client refuses a call
// before sending it (e.g. duplicate ids, `$contains` on metadata), the same request is sent raw so the
// server's own answer is the reference: the engine also backs our REST server, which must behave like
// Chroma's server, not like one particular client.
import { ChromaClient, registerEmbeddingFunction, type Collection as JsCollection } from 'chromadb'

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type Args = Record<string, unknown>

export interface DiffCollection {
  readonly name: string
  readonly id: string
  readonly metadata: unknown
  readonly configuration: unknown
  add(args: Args): Promise<unknown>
  upsert(args: Args): Promise<unknown>
  update(args: Args): Promise<unknown>
  get(args?: Args): Promise<unknown>
  query(args: Args): Promise<unknown>
  delete(args: Args): Promise<unknown>
  count(): Promise<number>
  peek(args: Args): Promise<unknown>
  modify(args: Args): Promise<unknown>
}

export interface DiffClient {
  createCollection(args: Args): Promise<DiffCollection>
  getCollection(args: Args): Promise<DiffCollection>
  getOrCreateCollection(args: Args): Promise<DiffCollection>
  listCollections(args?: Args): Promise<DiffCollection[]>
  countCollections(): Promise<number>
  deleteCollection(args: Args): Promise<unknown>
}

/** A failure normalised for comparison: HTTP status, v2 JSON `error` name and message. */
export class DiffError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly errorName: string | undefined,
    message: string,
    /** Set when chromadb's JS client refused the call locally (the server was asked anyway). */
    readonly jsClientRejection?: string
  ) {
    super(message)
    this.name = 'DiffError'
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic embedding function used on both sides (documents-only add and queryTexts).

export const TEST_EF_DIM = 8

/** Hash-based, deterministic; a class with a static buildFromConfig so chromadb stores it as "known". */
export class TestEmbeddingFunction {
  readonly name = 'diff-test-ef'
  static buildFromConfig(): TestEmbeddingFunction {
    return new TestEmbeddingFunction()
  }
  getConfig(): Record<string, unknown> {
    return { dim: TEST_EF_DIM }
  }
  async generate(texts: string[]): Promise<number[][]> {
    return texts.map((text) => {
      const v = new Array<number>(TEST_EF_DIM).fill(0)
      for (let i = 0; i < text.length; i++) {
        const slot = (text.charCodeAt(i) * 31 + i) % TEST_EF_DIM
        v[slot] = (v[slot] ?? 0) + ((text.charCodeAt(i) % 13) + 1) / 16
      }
      return v
    })
  }
}

let efRegistered = false
function registerTestEf(): void {
  if (efRegistered) return
  efRegistered = true
  try {
    registerEmbeddingFunction('diff-test-ef', TestEmbeddingFunction)
  } catch {
    /* already registered in this process */
  }
}

// ---------------------------------------------------------------------------------------------
// Wire capture: chromadb calls the global fetch at request time, so wrapping it records every
// response (status + body) made while a capture is open.

interface WireEntry {
  url: string
  status: number
  body: Json | string
}

let capture: WireEntry[] | null = null
let lastJsRejection: string | undefined

/** The local refusal of chromadb's JS client behind the last call answered by a raw request, once. */
export function takeJsRejection(): string | undefined {
  const r = lastJsRejection
  lastJsRejection = undefined
  return r
}
let fetchWrapped = false

function wrapFetch(): void {
  if (fetchWrapped) return
  fetchWrapped = true
  const original = globalThis.fetch
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await original(input, init)
    if (capture) {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      const text = await res.clone().text()
      let body: Json | string = text
      try {
        body = JSON.parse(text) as Json
      } catch {
        /* keep text */
      }
      capture.push({ url, status: res.status, body })
    }
    return res
  }
}

function toDiffError(entry: WireEntry, jsClientRejection?: string): DiffError {
  const body = entry.body
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    return new DiffError(entry.status, String(body.error ?? ''), String(body.message ?? ''), jsClientRejection)
  }
  return new DiffError(entry.status, undefined, String(body), jsClientRejection)
}

/** Runs `js`, returning the body of the last HTTP response it produced (or raising it as DiffError). */
async function viaWire(js: () => Promise<unknown>, raw: () => Promise<WireEntry>): Promise<Json> {
  const log: WireEntry[] = []
  capture = log
  let jsError: unknown = null
  try {
    await js()
  } catch (err) {
    jsError = err
  } finally {
    capture = null
  }
  const last = log[log.length - 1]
  if (last) {
    if (last.status >= 400) throw toDiffError(last)
    return last.body as Json
  }
  if (jsError === null) throw new Error('chromadb client made no request')
  // Refused locally by chromadb: ask the server directly.
  const rejection = jsError instanceof Error ? `${jsError.name}: ${jsError.message}` : String(jsError)
  const entry = await raw()
  if (entry.status >= 400) throw toDiffError(entry, rejection)
  lastJsRejection = rejection
  return entry.body as Json
}

// ---------------------------------------------------------------------------------------------

const DB_PATH = '/api/v2/tenants/default_tenant/databases/default_database'

class ChromaRefCollection implements DiffCollection {
  name: string
  metadata: unknown
  configuration: unknown
  readonly id: string

  constructor(
    private readonly ref: ChromaRefClient,
    private readonly js: JsCollection,
    wire: Json
  ) {
    const w = wire as { id: string; name: string; metadata: Json; configuration_json: Json }
    this.id = w.id
    this.name = w.name
    this.metadata = w.metadata ?? null
    this.configuration = w.configuration_json
  }

  private raw(op: string, body: Args): Promise<WireEntry> {
    return this.ref.raw('POST', `${DB_PATH}/collections/${this.id}/${op}`, body)
  }

  private async embedIfNeeded(args: Args, docKey: string, embKey: string): Promise<unknown> {
    if (args[embKey] === undefined && Array.isArray(args[docKey])) {
      return new TestEmbeddingFunction().generate(args[docKey] as string[])
    }
    return args[embKey]
  }

  private async write(op: 'add' | 'upsert' | 'update', args: Args): Promise<unknown> {
    const jsArgs = args as Parameters<JsCollection['add']>[0]
    await viaWire(
      () => this.js[op](jsArgs),
      async () =>
        this.raw(op, {
          ids: args.ids,
          embeddings: await this.embedIfNeeded(args, 'documents', 'embeddings'),
          metadatas: args.metadatas,
          documents: args.documents,
          uris: args.uris
        })
    )
    return undefined
  }

  add(args: Args): Promise<unknown> {
    return this.write('add', args)
  }
  upsert(args: Args): Promise<unknown> {
    return this.write('upsert', args)
  }
  update(args: Args): Promise<unknown> {
    return this.write('update', args)
  }

  get(args: Args = {}): Promise<unknown> {
    return viaWire(
      () => this.js.get(args as Parameters<JsCollection['get']>[0]),
      () =>
        this.raw('get', {
          ids: args.ids,
          where: args.where,
          where_document: args.whereDocument,
          limit: args.limit,
          offset: args.offset,
          include: args.include
        })
    )
  }

  query(args: Args): Promise<unknown> {
    return viaWire(
      () => this.js.query(args as Parameters<JsCollection['query']>[0]),
      async () =>
        this.raw('query', {
          query_embeddings: await this.embedIfNeeded(args, 'queryTexts', 'queryEmbeddings'),
          n_results: args.nResults ?? 10,
          ids: args.ids,
          where: args.where,
          where_document: args.whereDocument,
          include: args.include
        })
    )
  }

  async delete(args: Args): Promise<unknown> {
    const body = { ids: args.ids, where: args.where, where_document: args.whereDocument, limit: args.limit }
    // chromadb 3.0.3 has no `limit` on delete: send those raw.
    if (args.limit !== undefined) {
      const entry = await this.raw('delete', body)
      if (entry.status >= 400) throw toDiffError(entry)
      return entry.body
    }
    return viaWire(
      () => this.js.delete(args as Parameters<JsCollection['delete']>[0]),
      () => this.raw('delete', body)
    )
  }

  async count(): Promise<number> {
    return (await viaWire(
      () => this.js.count(),
      () => this.ref.raw('GET', `${DB_PATH}/collections/${this.id}/count`)
    )) as number
  }

  peek(args: Args): Promise<unknown> {
    return viaWire(
      () => this.js.peek(args as Parameters<JsCollection['peek']>[0]),
      () => this.raw('get', { limit: args.limit ?? 10 })
    )
  }

  async modify(args: Args): Promise<unknown> {
    await viaWire(
      () => this.js.modify(args as Parameters<JsCollection['modify']>[0]),
      () =>
        this.ref.raw('PUT', `${DB_PATH}/collections/${this.id}`, {
          new_name: args.name,
          new_metadata: args.metadata,
          new_configuration: args.configuration
        })
    )
    if (typeof args.name === 'string') this.name = args.name
    if (args.metadata !== undefined) this.metadata = args.metadata
    return undefined
  }
}

export class ChromaRefClient implements DiffClient {
  readonly js: ChromaClient

  constructor(
    private readonly host: string,
    private readonly port: number
  ) {
    wrapFetch()
    registerTestEf()
    this.js = new ChromaClient({ host, port })
  }

  async raw(method: string, path: string, body?: unknown): Promise<WireEntry> {
    const url = `http://${this.host}:${this.port}${path}`
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    let parsed: Json | string = text
    try {
      parsed = JSON.parse(text) as Json
    } catch {
      /* keep text */
    }
    return { url, status: res.status, body: parsed }
  }

  private async collectionCall(
    js: () => Promise<JsCollection>,
    raw: () => Promise<WireEntry>
  ): Promise<DiffCollection> {
    let jsCol: JsCollection | null = null
    const wire = await viaWire(async () => {
      jsCol = await js()
    }, raw)
    if (!jsCol) {
      // Server accepted what the JS client refused; build the JS handle from the server's answer.
      jsCol = await this.js.getCollection({ name: (wire as { name: string }).name })
    }
    return new ChromaRefCollection(this, jsCol, wire)
  }

  createCollection(args: Args): Promise<DiffCollection> {
    return this.collectionCall(
      () => this.js.createCollection(args as Parameters<ChromaClient['createCollection']>[0]),
      () =>
        this.raw('POST', `${DB_PATH}/collections`, {
          name: args.name,
          metadata: args.metadata,
          configuration: args.configuration,
          get_or_create: false
        })
    )
  }

  getOrCreateCollection(args: Args): Promise<DiffCollection> {
    return this.collectionCall(
      () => this.js.getOrCreateCollection(args as Parameters<ChromaClient['getOrCreateCollection']>[0]),
      () =>
        this.raw('POST', `${DB_PATH}/collections`, {
          name: args.name,
          metadata: args.metadata,
          configuration: args.configuration,
          get_or_create: true
        })
    )
  }

  getCollection(args: Args): Promise<DiffCollection> {
    return this.collectionCall(
      () => this.js.getCollection(args as Parameters<ChromaClient['getCollection']>[0]),
      () => this.raw('GET', `${DB_PATH}/collections/${encodeURIComponent(String(args.name))}`)
    )
  }

  async listCollections(args: Args = {}): Promise<DiffCollection[]> {
    const wire = (await viaWire(
      () => this.js.listCollections(args as Parameters<ChromaClient['listCollections']>[0]),
      () =>
        this.raw('GET', `${DB_PATH}/collections?limit=${String(args.limit ?? 100)}&offset=${String(args.offset ?? 0)}`)
    )) as Json[]
    const all = await this.js.listCollections({ limit: 10_000 })
    return wire.map((w) => {
      const id = (w as { id: string }).id
      const js = all.find((c) => c.id === id)
      if (!js) throw new Error(`collection ${id} vanished`)
      return new ChromaRefCollection(this, js, w)
    })
  }

  async countCollections(): Promise<number> {
    return (await viaWire(
      () => this.js.countCollections(),
      () => this.raw('GET', `${DB_PATH}/collections_count`)
    )) as number
  }

  async deleteCollection(args: Args): Promise<unknown> {
    await viaWire(
      () => this.js.deleteCollection(args as Parameters<ChromaClient['deleteCollection']>[0]),
      () => this.raw('DELETE', `${DB_PATH}/collections/${encodeURIComponent(String(args.name))}`)
    )
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Our engine. The one line that plugs it in is the import below.

export async function createEngineClient(): Promise<DiffClient> {
  const engine = (await import('../index.js')) as unknown as { EphemeralClient: new () => DiffClient }
  return new engine.EphemeralClient()
}

/** Our PersistentClient on `path`; `close()` writes index snapshots and closes SQLite. */
export async function createEnginePersistentClient(path: string): Promise<DiffClient & { close(): Promise<void> }> {
  const engine = (await import('../index.js')) as unknown as {
    PersistentClient: new (opts: { path: string }) => DiffClient & { close(): Promise<void> }
  }
  return new engine.PersistentClient({ path })
}

/** Converts whatever a target threw into a DiffError (our engine's errors carry httpStatus/chromaName). */
export function normaliseError(err: unknown): DiffError {
  if (err instanceof DiffError) return err
  if (err instanceof Error) {
    const e = err as Error & { httpStatus?: unknown; chromaName?: unknown; status?: unknown }
    const status = typeof e.httpStatus === 'number' ? e.httpStatus : typeof e.status === 'number' ? e.status : undefined
    const name = typeof e.chromaName === 'string' ? e.chromaName : e.name
    return new DiffError(status, name, e.message)
  }
  return new DiffError(undefined, undefined, String(err))
}
