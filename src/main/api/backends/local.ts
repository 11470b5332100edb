// The built-in database: the engine client, with the engine's exact filtered counts and key summary.
import type { EngineClient } from '../context.js'
import type { Collection } from '../../engine/index.js'
import type { Backend, CollectionRef, CreateArgs } from './types.js'

export class LocalBackend implements Backend {
  constructor(private readonly client: EngineClient) {}

  async list(): Promise<CollectionRef[]> {
    return (await this.client.listCollections()) as CollectionRef[]
  }

  async get(id: string): Promise<CollectionRef> {
    return (await this.client.getCollectionById(id)) as CollectionRef
  }

  async create(args: CreateArgs): Promise<CollectionRef> {
    return (await this.client.createCollection(args)) as CollectionRef
  }

  async remove(name: string): Promise<void> {
    await this.client.deleteCollection({ name })
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
