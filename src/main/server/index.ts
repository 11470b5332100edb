import { existsSync } from 'node:fs'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import { RPC_PATH } from '../../shared/contract.js'
import type { AppContext } from '../api/context.js'
import { dispatch, type Handlers } from '../api/dispatch.js'
import { createHandlers } from '../api/handlers.js'
import { createGuard, isLoopback } from './security.js'
import { registerChromaRoutes } from './chroma-routes.js'

export interface ServerOptions {
  ctx: AppContext
  host?: string
  port?: number
  token?: string
  allowedOrigins?: string[]
  /** Folder with the built web UI (out/renderer); omitted = API only. */
  staticDir?: string
  /** Largest accepted request body, as Chroma's default: 40 MiB. */
  bodyLimit?: number
}

export const DEFAULT_PORT = 8000
export const DEFAULT_HOST = '127.0.0.1'

/**
 * The local HTTP server: Chroma's HTTP API for scripts and official clients, the app's contract at
 * RPC_PATH for the browser UI, and the built UI itself.
 */
export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const host = opts.host ?? DEFAULT_HOST
  const port = opts.port ?? DEFAULT_PORT
  if (!isLoopback(host) && !opts.token) {
    throw new Error(`Binding to ${host} exposes the database beyond this machine: a token is required (--token).`)
  }
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 40 * 1024 * 1024, logger: false })
  // Only JSON bodies are parsed: a text/plain form post must not reach a handler.
  app.removeContentTypeParser('text/plain')

  app.addHook('onRequest', createGuard({ host, port, token: opts.token, allowedOrigins: opts.allowedOrigins ?? [] }))
  if (opts.allowedOrigins?.length) {
    await app.register(cors, {
      origin: opts.allowedOrigins,
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Chroma-Token']
    })
  }

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
    const name = status === 413 ? 'PayloadTooLarge' : status >= 500 ? 'InternalError' : 'InvalidArgumentError'
    void reply.code(status).type('application/json').send({ error: name, message: err.message })
  })
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type('application/json')
      .send({ error: 'NotFoundError', message: `Not found: ${req.method} ${req.url}` })
  })

  const handlers: Handlers = createHandlers(opts.ctx)
  app.post<{ Params: { channel: string } }>(`${RPC_PATH}/:channel`, async (req, reply) => {
    const result = await dispatch(handlers, req.params.channel, req.body)
    return reply.code(result.ok ? 200 : statusOf(result.error.name)).send(result)
  })

  await registerChromaRoutes(app, opts.ctx)

  if (opts.staticDir && existsSync(opts.staticDir)) {
    await app.register(fastifyStatic, { root: opts.staticDir, index: ['index.html'], wildcard: false })
  }
  return app
}

function statusOf(errorName: string): number {
  if (errorName === 'NotFoundError') return 404
  if (errorName === 'InvalidArgumentError') return 400
  return 500
}
