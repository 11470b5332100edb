// Test helper: our server on a free loopback port with an in-memory engine.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { APP_KEY_HEADER } from '../../../shared/constants.js'
import { closeAppContext, openAppContext, type AppContext } from '../../api/context.js'
import { createServer } from '../index.js'

export interface RunningServer {
  app: FastifyInstance
  ctx: AppContext
  host: string
  port: number
  baseUrl: string
  /** Headers of the app's contract calls (browser mode's app key). */
  appHeaders: Record<string, string>
  /** One plain HTTP call (JSON body when given), for what the official client does not send. */
  raw(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>
  stop(): Promise<void>
}

export async function startOurServer(
  opts: { allowReset?: boolean; path?: string | null; token?: string } = {}
): Promise<RunningServer> {
  const ctx = openAppContext({ path: opts.path ?? null, allowReset: opts.allowReset ?? true })
  const host = '127.0.0.1'
  const key = randomBytes(32).toString('base64url')
  const app = await createServer({ ctx, host, port: 0, token: opts.token, app: { key } })
  await app.listen({ host, port: 0 })
  const address = app.server.address()
  if (typeof address !== 'object' || address === null) throw new Error('the server did not bind a port')
  return {
    app,
    ctx,
    host,
    port: address.port,
    baseUrl: `http://${host}:${address.port}`,
    appHeaders: { [APP_KEY_HEADER]: key },
    raw: async (method, path, body) => {
      const res = await fetch(`http://${host}:${address.port}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      return { status: res.status, json: await res.json() }
    },
    stop: async () => {
      await app.close()
      await closeAppContext(ctx)
    }
  }
}
