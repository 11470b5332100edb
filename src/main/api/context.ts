import { EphemeralClient, PersistentClient } from '../engine/index.js'
import pkg from '../../../package.json' with { type: 'json' }
import { AppEvents } from './events.js'
import { IngestManager } from './handlers/ingest.js'
import { CopyManager } from './handlers/copy.js'
import { Jobs } from './jobs.js'
import type { SettingsService } from './handlers/settings.js'
import type { FileDialogs } from './handlers/transfer.js'
import { Connections, memoryConnectionStore, type ConnectionStore } from './connections.js'
import { AppModelTrust } from './model-trust.js'
import { MapLayouts } from './map.js'

export type EngineClient = EphemeralClient | PersistentClient

/** What the contract's handlers run against: one engine client and facts about the app. */
export interface AppContext {
  client: EngineClient
  /** Data directory of the persistent engine, null for in-memory. */
  dataPath: string | null
  appName: string
  appVersion: string
  /** Push events for the UI (both adapters forward them). */
  events: AppEvents
  ingest: IngestManager
  /** The built-in database and saved Chroma servers. */
  connections: Connections
  copies: CopyManager
  /** Long work of the app (backup, restore, rebuild, clone): listed, with progress and cancel. */
  jobs: Jobs
  /** Which embedding models collections may load: the default, the user's choices, --allow-model. */
  modelTrust: AppModelTrust
  /** The Map tab's layouts (issue #15). */
  maps: MapLayouts
  /** Desktop app only. */
  settings?: SettingsService
  /** Desktop app only: native save dialog for exports. */
  dialogs?: FileDialogs
}

export interface EngineOptions {
  /** Data directory; null or undefined opens an in-memory engine. */
  path?: string | null
  allowReset?: boolean
  /** Where embedding models are cached (default: the engine's, ~/.cache/chromadesk/models). */
  modelsDir?: string
  settings?: SettingsService
  dialogs?: FileDialogs
  /** Where saved connections live (default: memory only, for this run). */
  connectionStore?: ConnectionStore
  /** Embedding models (hub ids, folders) the operator allows for this run, besides the user's choices. */
  allowedModels?: string[]
}

export function openAppContext(opts: EngineOptions): AppContext {
  // The user's choices are recorded in the database this client opens (so, for in-memory, for this run).
  const modelTrust = new AppModelTrust(() => client.db, opts.allowedModels)
  const common = {
    allowReset: opts.allowReset ?? false,
    embeddingOptions: { ...(opts.modelsDir ? { cacheDir: opts.modelsDir } : {}), trust: modelTrust }
  }
  const client: EngineClient = opts.path
    ? new PersistentClient({ path: opts.path, ...common })
    : new EphemeralClient(common)
  const events = new AppEvents()
  // Ingest, copy and import run as app jobs: one registry for every window (jobs.list).
  const jobs = new Jobs(events)
  const connections = new Connections(client, opts.connectionStore ?? memoryConnectionStore(), common.embeddingOptions)
  const ctx: AppContext = {
    client,
    dataPath: opts.path ?? null,
    appName: 'Chromadesk',
    appVersion: pkg.version,
    events,
    connections,
    ingest: new IngestManager({ connections, events, jobs }),
    copies: new CopyManager({ connections, events, jobs }),
    jobs,
    modelTrust,
    maps: undefined as unknown as MapLayouts,
    ...(opts.settings ? { settings: opts.settings } : {}),
    ...(opts.dialogs ? { dialogs: opts.dialogs } : {})
  }
  // The layouts act through the context (connections, jobs, the data directory).
  ctx.maps = new MapLayouts(ctx)
  return ctx
}

export async function closeAppContext(ctx: AppContext): Promise<void> {
  await ctx.jobs.close()
  await ctx.ingest.close()
  await ctx.connections.close()
  await ctx.client.close()
}
