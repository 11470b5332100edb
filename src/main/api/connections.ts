// The databases the app can work on: the built-in local one and saved Chroma servers. Tokens are
// kept by a ConnectionStore: the desktop app encrypts them with the OS keychain (Electron
// safeStorage); the headless server keeps connections in memory only, never on disk.
import { randomUUID } from 'node:crypto'
import { LOCAL_CONNECTION, type ConnectionCheck, type ConnectionInfo } from '../../shared/contract.js'
import type { EmbeddingRuntimeOptions } from '../engine/embedding/index.js'
import { DEFAULT_DATABASE, DEFAULT_TENANT, InvalidArgumentError, NotFoundError } from '../engine/index.js'
import { LocalBackend } from './backends/local.js'
import { RemoteBackend, type RemoteTarget } from './backends/remote.js'
import type { Backend } from './backends/types.js'
import type { EngineClient } from './context.js'
import { LocalConnection, RemoteConnection, tokenHeaders, type Connection } from '../portability/index.js'

export interface SavedConnection {
  id: string
  name: string
  url: string
  tenant: string
  database: string
  token?: string
}

export interface ConnectionStore {
  load(): SavedConnection[]
  save(connections: SavedConnection[]): void
}

export function memoryConnectionStore(): ConnectionStore {
  let saved: SavedConnection[] = []
  return { load: () => saved, save: (list) => void (saved = list) }
}

/** Asks a server, step by step, whether it can be used: reachable, v2, token, tenant, database. */
export async function checkConnection(target: RemoteTarget, timeoutMs = 5000): Promise<ConnectionCheck> {
  const base = target.url.replace(/\/+$/, '')
  const tenant = target.tenant ?? DEFAULT_TENANT
  const database = target.database ?? DEFAULT_DATABASE
  const get = (path: string): Promise<Response> =>
    fetch(`${base}${path}`, { headers: tokenHeaders(target.token), signal: AbortSignal.timeout(timeoutMs) })
  const result = (fields: Partial<ConnectionCheck>): ConnectionCheck => ({
    ok: false,
    version: null,
    databases: [],
    problem: null,
    message: null,
    ...fields
  })

  let heartbeat: Response
  try {
    heartbeat = await get('/api/v2/heartbeat')
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
    return result({ problem: 'unreachable', message: `Cannot reach ${base} (${cause}). Is the server running?` })
  }
  if (heartbeat.status === 404) {
    const v1 = await get('/api/v1/heartbeat').catch(() => null)
    return result({
      problem: 'version',
      message:
        v1?.ok === true
          ? `${base} speaks only Chroma's v1 API (Chroma before 0.6); Chromadesk connects to v2 servers (Chroma 0.6 and later)`
          : `${base} does not answer as a Chroma server (no /api/v2/heartbeat)`
    })
  }
  const version = await get('/api/v2/version')
    .then((r) => (r.ok ? (r.json() as Promise<string>) : null))
    .catch(() => null)
  const identity = await get('/api/v2/auth/identity')
  if (identity.status === 401 || identity.status === 403) {
    return result({
      version,
      problem: 'unauthorized',
      message: target.token ? `${base} refused the token` : `${base} requires a token`
    })
  }
  const tenantReply = await get(`/api/v2/tenants/${encodeURIComponent(tenant)}`)
  if (tenantReply.status === 404) {
    return result({ version, problem: 'tenant', message: `Tenant "${tenant}" does not exist on ${base}` })
  }
  const dbReply = await get(`/api/v2/tenants/${encodeURIComponent(tenant)}/databases`)
  const databases = dbReply.ok ? ((await dbReply.json()) as { name: string }[]).map((d) => d.name) : []
  if (!databases.includes(database)) {
    return result({
      version,
      databases,
      problem: 'database',
      message: `Database "${database}" does not exist in tenant "${tenant}" on ${base}`
    })
  }
  return result({ ok: true, version, databases })
}

export class Connections {
  private readonly local: LocalBackend
  private readonly remotes = new Map<string, RemoteBackend>()

  constructor(
    private readonly client: EngineClient,
    private readonly store: ConnectionStore,
    /** How the app runs embedding models (cache folder, trust), for functions built outside a collection. */
    readonly embeddingOptions: EmbeddingRuntimeOptions = {}
  ) {
    this.local = new LocalBackend(client)
  }

  list(): ConnectionInfo[] {
    const local: ConnectionInfo = {
      id: LOCAL_CONNECTION,
      name: 'This computer',
      url: null,
      tenant: DEFAULT_TENANT,
      database: DEFAULT_DATABASE,
      hasToken: false
    }
    return [local, ...this.store.load().map((c) => this.info(c))]
  }

  saved(id: string): SavedConnection {
    const found = this.store.load().find((c) => c.id === id)
    if (!found) throw new NotFoundError(`Connection ${id} does not exist`)
    return found
  }

  backend(id: string | undefined): Backend {
    if (id === undefined || id === LOCAL_CONNECTION) return this.local
    let backend = this.remotes.get(id)
    if (!backend) {
      backend = new RemoteBackend(this.saved(id), this.embeddingOptions)
      this.remotes.set(id, backend)
    }
    return backend
  }

  /** The connection as the portability layer sees it (copy, export, import). */
  portable(id: string | undefined): Connection {
    if (id === undefined || id === LOCAL_CONNECTION) return new LocalConnection(this.client, 'this computer')
    const saved = this.saved(id)
    return new RemoteConnection(saved.url, {
      tenant: saved.tenant,
      database: saved.database,
      ...(saved.token ? { token: saved.token } : {})
    })
  }

  async add(input: { name: string; url: string; token?: string; tenant?: string; database?: string }) {
    const url = new URL(input.url)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidArgumentError(`A Chroma server URL starts with http:// or https://, got ${input.url}`)
    }
    const target = {
      url: `${url.protocol}//${url.host}`,
      tenant: input.tenant ?? DEFAULT_TENANT,
      database: input.database ?? DEFAULT_DATABASE,
      ...(input.token ? { token: input.token } : {})
    }
    const check = await checkConnection(target)
    if (!check.ok) throw new InvalidArgumentError(check.message ?? 'The server cannot be used')
    const saved: SavedConnection = { id: randomUUID(), name: input.name, ...target }
    this.store.save([...this.store.load(), saved])
    return this.info(saved)
  }

  async remove(id: string): Promise<void> {
    this.saved(id)
    this.store.save(this.store.load().filter((c) => c.id !== id))
    await this.remotes.get(id)?.close()
    this.remotes.delete(id)
  }

  async close(): Promise<void> {
    for (const r of this.remotes.values()) await r.close()
    this.remotes.clear()
  }

  private info(c: SavedConnection): ConnectionInfo {
    return { id: c.id, name: c.name, url: c.url, tenant: c.tenant, database: c.database, hasToken: Boolean(c.token) }
  }
}
