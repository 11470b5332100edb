import type { Handlers } from './dispatch.js'
import type { AppContext } from './context.js'
import { collectionHandlers } from './handlers/collections.js'
import { connectionHandlers } from './handlers/connections.js'
import { databaseHandlers } from './handlers/databases.js'
import { copyHandlers } from './handlers/copy.js'
import { cloneHandlers } from './handlers/clone.js'
import { reembedHandlers } from './handlers/reembed.js'
import { modelHandlers } from './handlers/models.js'
import { forkFacetHandlers } from './handlers/fork-facets.js'
import { hybridHandlers } from './handlers/hybrid.js'
import { transferHandlers } from './handlers/transfer.js'
import { backupHandlers } from './handlers/backup.js'
import { ingestHandlers } from './handlers/ingest.js'
import { jobHandlers } from './handlers/jobs.js'
import { healthHandlers } from './handlers/health.js'
import { recordHandlers } from './handlers/records.js'
import { settingsHandlers } from './handlers/settings.js'
import { mapHandlers } from './handlers/map.js'

/** The contract's calls, implemented over the engine. Thin: the engine holds the rules. */
export function createHandlers(ctx: AppContext): Handlers {
  return {
    'system.status': async () => ({
      app: { name: ctx.appName, version: ctx.appVersion },
      engine: {
        version: await ctx.client.version(),
        heartbeat: String(await ctx.client.heartbeat()),
        mode: ctx.dataPath ? 'persistent' : 'memory',
        path: ctx.dataPath,
        // The built-in database's current tenant/database, as the sidebar shows it.
        collections: await ctx.connections.backend(undefined).countCollections()
      }
    }),
    ...collectionHandlers(ctx),
    ...connectionHandlers(ctx),
    ...databaseHandlers(ctx),
    ...copyHandlers(ctx.copies),
    ...cloneHandlers(ctx),
    ...forkFacetHandlers(ctx),
    ...hybridHandlers(ctx),
    ...transferHandlers(ctx),
    ...recordHandlers(ctx),
    ...ingestHandlers(ctx.ingest),
    ...jobHandlers(ctx.jobs),
    ...healthHandlers(ctx),
    ...settingsHandlers(ctx.settings),
    ...backupHandlers(ctx),
    ...reembedHandlers(ctx),
    ...modelHandlers(ctx),
    ...mapHandlers(ctx)
  }
}
