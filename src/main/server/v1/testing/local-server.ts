// Test helper: our HTTP server over an in-memory engine (reset allowed) on a free loopback port.
import { closeAppContext, openAppContext } from '../../../api/context.js'
import { freePort, LOOPBACK } from '../../../engine/testing/free-port.js'
import { createServer } from '../../index.js'

export interface LocalServer {
  baseUrl: string
  port: number
  stop(): Promise<void>
}

const HOST = LOOPBACK

export async function startLocalServer(): Promise<LocalServer> {
  const ctx = openAppContext({ path: null, allowReset: true })
  const port = await freePort()
  const app = await createServer({ ctx, port, host: HOST })
  await app.listen({ host: HOST, port })
  return {
    baseUrl: `http://${HOST}:${port}`,
    port,
    stop: async () => {
      await app.close()
      await closeAppContext(ctx)
    }
  }
}
