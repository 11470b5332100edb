// The databases the app can work on: the built-in local one and saved Chroma servers. Tokens are
// kept by a ConnectionStore: the desktop app encrypts them with the OS keychain (Electron
// safeStorage); the headless server keeps connections in memory only, never on disk.
import { randomUUID } from 'node:crypto'
import {
  LOCAL_CONNECTION,
  type ConnectionCheck,
  type ConnectionInfo,
  type DatabaseSummary,
  type DeletedDatabase,
  type TenantList
} from '../../shared/contract.js'
import type { EmbeddingRuntimeOptions } from '../engine/embedding/index.js'
import { DEFAULT_DATABASE, DEFAULT_TENANT, InvalidArgumentError, NotFoundError } from '../engine/index.js'
import { LocalAdmin, LocalBackend } from './backends/local.js'
import { RemoteAdmin, RemoteBackend, type RemoteTarget } from './backends/remote.js'
import type { Admin, Backend } from './backends/types.js'
import type { EngineClient } from './context.js'
import { LocalConnection, RemoteConnection, tokenHeaders, type Connection } from '../portability/index.js'

export interface SavedConnection {
  id: string
  name: string
  url: string
  tenant: string
  database: string
  token?: string
  /** Tenants named in this app besides the current one (Chroma cannot list a server's tenants). */
  tenants?: string[]
}

export interface ConnectionStore {
  load(): SavedConnection[]
  save(connections: SavedConnection[]): void
}

export function memoryConnectionStore(): ConnectionStore {
  let saved: SavedConnection[] = []
  return { load: () => saved, save: (list) => void (saved = list) }
}

/**
 * Chroma's probe routes of this app's own server carry this header with this run's id, so a check
 * knows when a URL leads back to the app itself (any host name or address that reaches it).
 */
export const OWN_SERVER_HEADER = 'x-chromadesk-instance'
export const OWN_SERVER_ID = randomUUID()

/** Asks a server, step by step, whether it can be used: reachable, v2, token, tenant, database. */
export async function checkConnection(target: RemoteTarget, timeoutMs = 5000): Promise<ConnectionCheck> {
  const base = target.url.replace(/\/+$/, '')
  const tenant = target.tenant ?? DEFAULT_TENANT
  const database = target.database ?? DEFAULT_DATABASE
  const get = (path: string): Promise<Response> =>
    fetch(`${base}${path}`, { headers: tokenHeaders(target.token), signal: AbortSignal.timeout(timeoutMs) })
  let ownServer = false
  const result = (fields: Partial<ConnectionCheck>): ConnectionCheck => ({
    ok: false,
    version: null,
    databases: [],
    problem: null,
    message: null,
    ...(ownServer ? { ownServer: true } : {}),
    ...fields
  })

  let heartbeat: Response
  try {
    heartbeat = await get('/api/v2/heartbeat')
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
    return result({ problem: 'unreachable', message: `Cannot reach ${base} (${cause}). Is the server running?` })
  }
  ownServer = heartbeat.headers.get(OWN_SERVER_HEADER) === OWN_SERVER_ID
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

/** Which tenant and database a connection's calls act on. */
export type Scope = { tenant: string; database: string }

export class Connections {
  /** The built-in database's current tenant/database: for this run only (decision 0071). */
  private localScope: Scope = { tenant: DEFAULT_TENANT, database: DEFAULT_DATABASE }
  /** One backend per connection and database, kept while used: a switch leaves running jobs theirs. */
  private readonly backends = new Map<string, { connection: string; scope: Scope; backend: Backend }>()
  private readonly localAdmin: LocalAdmin

  constructor(
    private readonly client: EngineClient,
    private readonly store: ConnectionStore,
    /** How the app runs embedding models (cache folder, trust), for functions built outside a collection. */
    readonly embeddingOptions: EmbeddingRuntimeOptions = {}
  ) {
    this.localAdmin = new LocalAdmin(client)
  }

  list(): ConnectionInfo[] {
    const local: ConnectionInfo = {
      id: LOCAL_CONNECTION,
      name: 'This computer',
      url: null,
      ...this.localScope,
      hasToken: false
    }
    return [local, ...this.store.load().map((c) => this.info(c))]
  }

  saved(id: string): SavedConnection {
    const found = this.store.load().find((c) => c.id === id)
    if (!found) throw new NotFoundError(`Connection ${id} does not exist`)
    return found
  }

  /** The tenant and database the connection's calls act on now. */
  scope(id: string | undefined): Scope {
    if (isLocal(id)) return { ...this.localScope }
    const { tenant, database } = this.saved(id)
    return { tenant, database }
  }

  /** The connection's current database (or `scope`, another one of it). */
  backend(id: string | undefined, scope: Scope = this.scope(id)): Backend {
    const connection = id ?? LOCAL_CONNECTION
    const key = JSON.stringify([connection, scope.tenant, scope.database])
    let entry = this.backends.get(key)
    if (!entry) {
      const backend = isLocal(id)
        ? new LocalBackend(this.client, scope)
        : new RemoteBackend({ ...this.saved(id), ...scope }, this.embeddingOptions)
      entry = { connection, scope, backend }
      this.backends.set(key, entry)
    }
    return entry.backend
  }

  /** The connection's tenants and databases. */
  admin(id: string | undefined): Admin {
    return isLocal(id) ? this.localAdmin : new RemoteAdmin(this.saved(id))
  }

  /**
   * The connection as the portability layer sees it (copy, export, import), on its current database
   * (or `scope`: a call that looked a collection up passes the scope it looked in).
   */
  portable(id: string | undefined, scope: Scope = this.scope(id)): Connection {
    if (isLocal(id)) return new LocalConnection(this.client, 'this computer', false, scope)
    const saved = this.saved(id)
    return new RemoteConnection(saved.url, { ...scope, ...(saved.token ? { token: saved.token } : {}) })
  }

  /**
   * Tenants to offer: every one locally; on a server (Chroma cannot list them) the current tenant and
   * those named here, by creating or switching to them (decision 0070).
   */
  async tenants(id: string | undefined): Promise<TenantList> {
    const all = await this.admin(id).listTenants()
    if (all !== null) return { tenants: all, complete: true }
    const saved = this.saved(id as string)
    return { tenants: [...new Set([saved.tenant, ...(saved.tenants ?? [])])].sort(), complete: false }
  }

  async createTenant(id: string | undefined, name: string): Promise<void> {
    await this.admin(id).createTenant(name)
    if (!isLocal(id)) this.update(id, (c) => ({ tenants: remember(c, name) }))
  }

  /** The tenant's databases (default the current tenant) and how many collections each holds. */
  async databases(id: string | undefined, tenant?: string): Promise<DatabaseSummary[]> {
    const t = tenant ?? this.scope(id).tenant
    const names = await this.admin(id).listDatabases(t)
    return Promise.all(
      names.map(async (name) => ({
        name,
        collections: await this.backend(id, { tenant: t, database: name }).countCollections()
      }))
    )
  }

  async createDatabase(id: string | undefined, name: string, tenant?: string): Promise<DatabaseSummary> {
    await this.admin(id).createDatabase(tenant ?? this.scope(id).tenant, name)
    return { name, collections: 0 }
  }

  /**
   * Deletes a database with its collections and returns what it held. When it was the current one,
   * the connection moves to the tenant's default_database, or its first database (if any is left).
   */
  async deleteDatabase(id: string | undefined, name: string, tenant?: string): Promise<DeletedDatabase> {
    const current = this.scope(id)
    const scope = { tenant: tenant ?? current.tenant, database: name }
    const admin = this.admin(id)
    if (!(await admin.listDatabases(scope.tenant)).includes(name)) {
      throw new NotFoundError(`Database [${name}] not found`)
    }
    const held = await this.backend(id, scope).list()
    const collections = await Promise.all(held.map(async (c) => ({ name: c.name, records: await c.count() })))
    await admin.deleteDatabase(scope.tenant, name)
    await this.dropBackends((e) => e.connection === (id ?? LOCAL_CONNECTION) && sameScope(e.scope, scope))
    if (sameScope(current, scope)) {
      const left = await admin.listDatabases(scope.tenant)
      const next = left.includes(DEFAULT_DATABASE) ? DEFAULT_DATABASE : left[0]
      if (next !== undefined) this.setScope(id, { tenant: scope.tenant, database: next })
    }
    return { ...scope, database: name, collections: collections.sort((a, b) => a.name.localeCompare(b.name)) }
  }

  /** Switches the connection's current tenant/database; both must exist. */
  async use(id: string | undefined, scope: Scope): Promise<ConnectionInfo> {
    const admin = this.admin(id)
    await admin.getTenant(scope.tenant)
    if (!(await admin.listDatabases(scope.tenant)).includes(scope.database)) {
      throw new NotFoundError(`Database [${scope.database}] not found in tenant [${scope.tenant}]`)
    }
    this.setScope(id, scope)
    return this.list().find((c) => c.id === (id ?? LOCAL_CONNECTION)) as ConnectionInfo
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
    await this.dropBackends((e) => e.connection === id)
  }

  async close(): Promise<void> {
    await this.dropBackends(() => true)
  }

  private setScope(id: string | undefined, scope: Scope): void {
    if (isLocal(id)) this.localScope = { ...scope }
    else this.update(id, (c) => ({ ...scope, tenants: remember(c, scope.tenant) }))
  }

  private update(id: string, change: (c: SavedConnection) => Partial<SavedConnection>): void {
    this.saved(id)
    this.store.save(this.store.load().map((c) => (c.id === id ? { ...c, ...change(c) } : c)))
  }

  private async dropBackends(which: (e: { connection: string; scope: Scope }) => boolean): Promise<void> {
    for (const [key, entry] of [...this.backends]) {
      if (!which(entry)) continue
      this.backends.delete(key)
      await entry.backend.close()
    }
  }

  private info(c: SavedConnection): ConnectionInfo {
    return { id: c.id, name: c.name, url: c.url, tenant: c.tenant, database: c.database, hasToken: Boolean(c.token) }
  }
}

export function isLocal(id: string | undefined): id is undefined | typeof LOCAL_CONNECTION {
  return id === undefined || id === LOCAL_CONNECTION
}

function sameScope(a: Scope, b: Scope): boolean {
  return a.tenant === b.tenant && a.database === b.database
}

/** The saved connection's named tenants with `tenant` added (the current one is always shown). */
function remember(c: SavedConnection, tenant: string): string[] {
  return [...new Set([...(c.tenants ?? []), tenant])]
}
