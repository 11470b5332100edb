// Test helper: our HTTP server over an in-memory engine (reset allowed) on a free loopback port.
import { createServer as createNetServer } from 'node:net'
import { closeAppContext, openAppContext } from '../../../api/context.js'
import { createServer } from '../../index.js'

export interface LocalServer {
  baseUrl: string
  port: number
  stop(): Promise<void>
}

const HOST = '127.0.0.1'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer()
    srv.on('error', reject)
    srv.listen(0, HOST, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

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
