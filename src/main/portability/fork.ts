// Fork (Chroma 1.5's collection.fork()): the collection copied under a new name and id in the same
// database, with its metadata, configuration and records; the source is only read. Chroma forks by
// sharing storage copy-on-write; here it is copyCollection's batched copy (decision 0086), which
// yields between batches so a big fork never holds the thread, and the fork joins the source's
// lineage for fork_count.
import {
  UniqueConstraintError,
  type CollectionModel,
  type EphemeralClient,
  type PersistentClient
} from '../engine/index.js'
import { validateCollectionName } from '../engine/validation.js'
import { LocalConnection } from './local.js'
import { copyCollection } from './transfer.js'
import type { ProgressCallback } from './types.js'

/**
 * Records per batch: each batch is one read and one write on the engine's thread, about 0.1-0.4 s each
 * for 500 records of 384 dimensions on the 2-core build machine (bench/fork.bench.ts); 1000 doubles it.
 */
export const FORK_BATCH_SIZE = 500

export interface ForkOptions {
  batchSize?: number
  onProgress?: ProgressCallback
  signal?: AbortSignal
}

/** Forks collection `sourceId` as `newName`; on failure or cancel nothing of the fork remains. */
export async function forkCollection(
  client: EphemeralClient | PersistentClient,
  sourceId: string,
  newName: unknown,
  opts: ForkOptions = {}
): Promise<CollectionModel> {
  const name = validateCollectionName(newName, 'new_name')
  const db = client.db
  const source = db.getCollectionById(sourceId)
  const scope = { tenant: source.tenant, database: source.database }
  const conn = new LocalConnection(client, `${source.tenant}/${source.database}`, false, scope)
  if (await conn.open(name)) throw new UniqueConstraintError(`Collection [${name}] already exists`)
  await copyCollection(conn, conn, source.name, {
    as: name,
    removeOnFailure: true,
    operation: 'Fork',
    batchSize: opts.batchSize ?? FORK_BATCH_SIZE,
    onProgress: opts.onProgress,
    signal: opts.signal
  })
  const fork = db.getCollection(scope, name)
  db.recordFork(source.id, fork.id)
  return fork
}
