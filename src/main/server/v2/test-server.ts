// Test helper: our server on a free loopback port with an in-memory engine.
import type { FastifyInstance } from 'fastify'
import { closeAppContext, openAppContext, type AppContext } from '../../api/context.js'
import { createServer } from '../index.js'

export interface RunningServer {
  app: FastifyInstance
  ctx: AppContext
  host: string
  port: number
  baseUrl: string
  stop(): Promise<void>
}

export async function startOurServer(
  opts: { allowReset?: boolean; path?: string | null } = {}
): Promise<RunningServer> {
  const ctx = openAppContext({ path: opts.path ?? null, allowReset: opts.allowReset ?? true })
  const host = '127.0.0.1'
  // Port 0 would make the Host-header guard expect ":0"; probe a free port first, then bind it.
  for (let attempt = 0; ; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000)
    const app = await createServer({ ctx, host, port })
    try {
      await app.listen({ host, port })
    } catch (e) {
      await app.close()
      if (attempt < 20 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') continue
      throw e
    }
    return {
      app,
      ctx,
      host,
      port,
      baseUrl: `http://${host}:${port}`,
      stop: async () => {
        await app.close()
        await closeAppContext(ctx)
      }
    }
  }
}
