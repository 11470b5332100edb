import { EphemeralClient, PersistentClient } from '../engine/index.js'
import pkg from '../../../package.json' with { type: 'json' }

export type EngineClient = EphemeralClient | PersistentClient

/** What the contract's handlers run against: one engine client and facts about the app. */
export interface AppContext {
  client: EngineClient
  /** Data directory of the persistent engine, null for in-memory. */
  dataPath: string | null
  appName: string
  appVersion: string
}

export interface EngineOptions {
  /** Data directory; null or undefined opens an in-memory engine. */
  path?: string | null
  allowReset?: boolean
  /** Where embedding models are cached (default: the engine's, ~/.cache/chromadesk/models). */
  modelsDir?: string
}

export function openAppContext(opts: EngineOptions): AppContext {
  const common = {
    allowReset: opts.allowReset ?? false,
    embeddingOptions: opts.modelsDir ? { cacheDir: opts.modelsDir } : {}
  }
  const client = opts.path ? new PersistentClient({ path: opts.path, ...common }) : new EphemeralClient(common)
  return { client, dataPath: opts.path ?? null, appName: 'Chromadesk', appVersion: pkg.version }
}

export async function closeAppContext(ctx: AppContext): Promise<void> {
  await ctx.client.close()
}
