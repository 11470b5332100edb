// The built-in database: the engine client, with the engine's exact filtered counts and key summary.
// One LocalBackend acts on one tenant/database of the engine (the connection's current one).
import type { EngineClient } from '../context.js'
import { NotFoundError, type Collection, type Metadata, type Scope } from '../../engine/index.js'
import type { Admin, Backend, CollectionRef, CreateArgs } from './types.js'

export class LocalBackend implements Backend {
  constructor(
    private readonly client: EngineClient,
    private readonly scope: Scope
  ) {}

  async list(): Promise<CollectionRef[]> {
    // Through the client, so each collection gets its (shared) embedding function.
    const models = this.client.db.listCollections(this.scope)
    return Promise.all(models.map((m) => this.client.getCollectionById(m.id) as Promise<CollectionRef>))
  }

  async countCollections(): Promise<number> {
    return this.client.db.countCollections(this.scope)
  }

  async get(id: string): Promise<CollectionRef> {
    const c = await this.client.getCollectionById(id)
    // An id from another database (a page open before a switch) is not found here, as on a server.
    if (c.tenant !== this.scope.tenant || c.database !== this.scope.database) {
      throw new NotFoundError(`Collection [${id}] does not exist`)
    }
    return c as CollectionRef
  }

  async create(args: CreateArgs): Promise<CollectionRef> {
    // The handler always names the embedding function, so the client's defaulting has nothing to add.
    const model = this.client.db.createCollection(this.scope, {
      name: args.name,
      ...(args.metadata ? { metadata: args.metadata as Metadata } : {}),
      configuration: args.configuration,
      ...(args.schema ? { schema: args.schema } : {})
    })
    return (await this.client.getCollectionById(model.id)) as CollectionRef
  }

  async remove(name: string): Promise<void> {
    this.client.db.deleteCollection(this.scope, name)
  }

  async deleteRecords(c: CollectionRef, filter: Parameters<CollectionRef['delete']>[0]): Promise<number> {
    return ((await c.delete(filter)) as { deleted: number }).deleted
  }

  async countWhere(c: CollectionRef, where?: Record<string, unknown>, whereDocument?: Record<string, unknown>) {
    return this.client.db.countWhere(c.id, where, whereDocument)
  }

  async metadataKeys(c: CollectionRef) {
    return this.client.db.metadataKeys(c.id)
  }

  async dimension(c: CollectionRef): Promise<number | null> {
    return this.client.db.getCollectionById(c.id).dimension
  }

  embedder(c: CollectionRef) {
    return (c as Collection).embeddingFunction
  }

  async close(): Promise<void> {
    // The engine belongs to the app context, which closes it.
  }
}

/** The engine's tenants and databases (it can list tenants, unlike Chroma's API). */
export class LocalAdmin implements Admin {
  constructor(private readonly client: EngineClient) {}

  async listTenants(): Promise<string[]> {
    return this.client.db.listTenants()
  }

  async getTenant(name: string): Promise<void> {
    this.client.db.getTenant(name)
  }

  async createTenant(name: string): Promise<void> {
    this.client.db.createTenant(name)
  }

  async listDatabases(tenant: string): Promise<string[]> {
    return this.client.db.listDatabases(tenant).map((d) => d.name)
  }

  async createDatabase(tenant: string, name: string): Promise<void> {
    this.client.db.createDatabase(tenant, name)
  }

  async deleteDatabase(tenant: string, name: string): Promise<void> {
    this.client.db.deleteDatabase(tenant, name)
  }
}
