import { existsSync } from 'node:fs'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import { createReadStream } from 'node:fs'
import { EVENTS_PATH, EXPORT_PATH, RPC_PATH, type AppEvent } from '../../shared/contract.js'
import { toCallError } from '../api/dispatch.js'
import { attachmentDisposition, exportToTemp } from '../api/handlers/transfer.js'
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
  // forceCloseConnections: open event streams must not hold a shutdown (or a port change) hostage.
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 40 * 1024 * 1024, logger: false, forceCloseConnections: true })
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

  // Push events for the browser UI as server-sent events (read with fetch, so the token header works).
  app.get(EVENTS_PATH, (req, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive'
    })
    const send = (event: AppEvent): void => void reply.raw.write(`data: ${JSON.stringify(event)}\n\n`)
    reply.raw.write(': connected\n\n')
    const unsubscribe = opts.ctx.events.subscribe(send)
    const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 25_000)
    req.raw.on('close', () => {
      clearInterval(keepAlive)
      unsubscribe()
    })
  })

  // Browser mode's export: the file is written to a private temp folder, sent, then removed.
  app.get<{ Params: { collectionId: string }; Querystring: { connection?: string } }>(
    `${EXPORT_PATH}/:collectionId`,
    async (req, reply) => {
      try {
        const { file, fileName, done } = await exportToTemp(opts.ctx, req.query.connection, req.params.collectionId)
        const stream = createReadStream(file)
        stream.once('close', done)
        return reply
          .type('application/x-ndjson')
          .header('Content-Disposition', attachmentDisposition(fileName))
          .send(stream)
      } catch (err) {
        const error = toCallError(err)
        return reply.code(statusOf(error.name)).send({ ok: false, error })
      }
    }
  )

  // Writes made by scripts through Chroma's API show up in the open UI.
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode < 400 && isChromaWrite(req.method, req.url)) {
      opts.ctx.events.emit({ type: 'collections-changed' })
    }
  })

  await registerChromaRoutes(app, opts.ctx)

  if (opts.staticDir && existsSync(opts.staticDir)) {
    await app.register(fastifyStatic, { root: opts.staticDir, index: ['index.html'], wildcard: false })
  }
  return app
}

/** Chroma's reads by POST (get, query, search) change nothing; every other non-GET API call is a write. */
function isChromaWrite(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || !url.startsWith('/api/')) return false
  return !/\/(get|query|search)(\?|$)/.test(url)
}

/** HTTP status of a failed app call, from the engine's error name (the body carries the details). */
const STATUS_BY_ERROR: Record<string, number> = {
  InvalidArgumentError: 400,
  PortabilityError: 400,
  AuthError: 403,
  ForbiddenError: 403,
  NotFoundError: 404,
  SettingsUnavailableError: 404,
  UniqueConstraintError: 409
}

function statusOf(errorName: string): number {
  return STATUS_BY_ERROR[errorName] ?? 500
}
