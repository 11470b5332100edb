import { randomUUID } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import { BACKUP_PATH, EVENTS_PATH, EXPORT_PATH, IPC_ONLY_CHANNELS, MAP_PATH, RPC_PATH } from '../../shared/constants.js'
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/file-names.js'
import { UI_CONTENT_SECURITY_POLICY } from '../../shared/ui-policy.js'
import { contract, type AppEvent } from '../../shared/contract.js'
import { describeError } from '../api/errors.js'
import { OWN_SERVER_HEADER, OWN_SERVER_ID } from '../api/connections.js'
import { InvalidArgumentError } from '../engine/index.js'
import { attachmentDisposition, exportToTemp } from '../api/handlers/transfer.js'
import { takeBackupDownload } from '../api/handlers/backup.js'
import type { AppContext } from '../api/context.js'
import { dispatch, issuesText, type Handlers } from '../api/dispatch.js'
import { createHandlers } from '../api/handlers.js'
import { checkSecurityOptions, createGuard, surfaceOf, type Surface } from './security.js'
import { registerChromaRoutes } from './chroma-routes.js'
import { stopJsonWorker, trackRequests, untrackRequest } from './json-offload.js'

export interface ServerOptions {
  ctx: AppContext
  host?: string
  port?: number
  /** Chroma's token: opens Chroma's API and nothing else. */
  token?: string
  /** Origins allowed to call Chroma's API cross-origin. */
  allowedOrigins?: string[]
  /**
   * The app surface of browser mode: the contract, its events and downloads (behind `key`), and the
   * built UI from `staticDir`. Omitted (the desktop app's REST port): Chroma's API only.
   */
  app?: { key: string; staticDir?: string }
  /** Largest accepted request body, as Chroma's default: 40 MiB. */
  bodyLimit?: number
  /** Most event streams open at once. */
  maxEventStreams?: number
}

export const DEFAULT_PORT = 8000
export const DEFAULT_HOST = '127.0.0.1'
/** A few browser tabs need one stream each; more is a leak or an attack. */
export const MAX_EVENT_STREAMS = 32
/** An event stream whose reader has stopped reading is dropped past this much unsent data. */
const EVENT_STREAM_BACKLOG_BYTES = 1024 * 1024

/** Headers of the UI and the app's calls: no framing, no type sniffing, no referrer. */
const UI_HEADERS: Record<string, string> = {
  'Content-Security-Policy': UI_CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer'
}

/**
 * The local HTTP server: Chroma's HTTP API for scripts and official clients and, in browser mode,
 * the app's contract at RPC_PATH and the built UI (docs/decisions/0023).
 */
export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const security = {
    host: opts.host ?? DEFAULT_HOST,
    port: opts.port ?? DEFAULT_PORT,
    token: opts.token,
    appKey: opts.app?.key,
    allowedOrigins: opts.allowedOrigins ?? []
  }
  checkSecurityOptions(security)
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? 40 * 1024 * 1024,
    logger: false,
    genReqId: () => randomUUID(),
    // Open event streams must not hold a shutdown (or a port change) hostage.
    forceCloseConnections: true
  })
  // Only JSON bodies are parsed: a text/plain form post must not reach a handler.
  app.removeContentTypeParser('text/plain')

  // Every route gets its surface as it is registered; the guard reads it from the matched route.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, surface: route.config?.surface ?? surfaceOf(route) }
  })
  app.addHook('onRequest', createGuard(security))
  app.addHook('onSend', async (req, reply) => {
    const surface = req.routeOptions.config.surface
    if (surface === 'app' || surface === 'ui') reply.headers(UI_HEADERS)
    // Lets the connection check tell this app's own server from another (api/connections.ts); only on
    // an answer, not on the guard's refusals (a DNS-rebound page reads its own origin's headers).
    if (surface === 'public' && reply.statusCode < 400) reply.header(OWN_SERVER_HEADER, OWN_SERVER_ID)
  })
  if (security.allowedOrigins.length) {
    await app.register(cors, {
      origin: security.allowedOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Chroma-Token']
    })
  }

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, message } = describeError(err, `${req.method} ${req.routeOptions.url ?? ''}`, req.id)
    const error = status === 413 ? 'PayloadTooLarge' : status >= 500 ? 'InternalError' : 'InvalidArgumentError'
    void reply.code(status).type('application/json').send({ error, message })
  })
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type('application/json')
      .send({ error: 'NotFoundError', message: `Not found: ${req.method} ${req.url}` })
  })

  // Writes made by scripts through Chroma's API show up in the open UI.
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode < 400 && isChromaWrite(req.routeOptions.config.surface, req.method, req.routeOptions.url)) {
      opts.ctx.events.emit({ type: 'collections-changed' })
    }
  })

  // The JSON worker (decision 0111) takes large bodies while other requests wait; it ends with the server.
  trackRequests(app)
  app.addHook('onClose', async () => stopJsonWorker())

  await registerChromaRoutes(app, opts.ctx)
  if (opts.app) await registerAppSurface(app, opts.ctx, opts.app.staticDir, opts.maxEventStreams ?? MAX_EVENT_STREAMS)
  return app
}

/** The contract over HTTP, its event stream, the export download and the built UI. */
async function registerAppSurface(
  app: FastifyInstance,
  ctx: AppContext,
  staticDir: string | undefined,
  maxEventStreams: number
): Promise<void> {
  const handlers: Handlers = createHandlers(ctx)
  app.post<{ Params: { channel: string } }>(`${RPC_PATH}/:channel`, async (req, reply) => {
    const channel = req.params.channel
    const result = IPC_ONLY_CHANNELS.has(channel as never)
      ? {
          ok: false as const,
          error: { name: 'NotFoundError', message: `${channel} is part of the desktop app only`, status: 404 }
        }
      : await dispatch(handlers, channel, req.body, { requestId: req.id })
    return reply.code(result.ok ? 200 : result.error.status).send(result)
  })

  // Push events as server-sent events (read with fetch, so the key header works).
  let streams = 0
  app.get(EVENTS_PATH, (req, reply) => {
    if (streams >= maxEventStreams) {
      return reply
        .code(503)
        .type('application/json')
        .send({ error: 'ChromaError', message: `Too many open event streams (at most ${maxEventStreams})` })
    }
    streams++
    reply.hijack()
    untrackRequest(req)
    const res = reply.raw
    res.writeHead(200, {
      ...UI_HEADERS,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive'
    })
    let closed = false
    const close = (): void => {
      if (closed) return
      closed = true
      streams--
      clearInterval(keepAlive)
      unsubscribe()
      // Destroyed, not ended: a reader that stopped reading would keep the socket and its backlog.
      res.destroy()
    }
    // A reader that stops reading is cut off instead of buffering events without bound; the UI
    // reconnects and refetches what it may have missed.
    const write = (text: string): void => {
      if (closed) return
      if (res.writableLength > EVENT_STREAM_BACKLOG_BYTES) close()
      else res.write(text)
    }
    const unsubscribe = ctx.events.subscribe((event: AppEvent) => write(`data: ${JSON.stringify(event)}\n\n`))
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), 25_000)
    req.raw.on('close', close)
    write(': connected\n\n')
  })

  // The export is written to a private temp folder, sent, then removed.
  const sendExport = async (
    reply: FastifyReply,
    requestId: string,
    collectionId: string,
    input: () => { connection?: string | undefined; format: ExportFormat; ids?: string[] | undefined }
  ) => {
    try {
      const { connection, format, ids } = input()
      const { file, fileName, done } = await exportToTemp(ctx, connection, collectionId, format, ids)
      const stream = createReadStream(file)
      stream.once('close', done)
      return reply
        .type(format === 'parquet' ? 'application/vnd.apache.parquet' : 'application/x-ndjson')
        .header('Content-Disposition', attachmentDisposition(fileName))
        .send(stream)
    } catch (err) {
      return sendCallError(reply, describeError(err, `export ${collectionId}`, requestId))
    }
  }
  app.get<{ Params: { collectionId: string }; Querystring: { connection?: string; format?: string } }>(
    `${EXPORT_PATH}/:collectionId`,
    (req, reply) =>
      sendExport(reply, req.id, req.params.collectionId, () => {
        const format = req.query.format ?? 'jsonl'
        if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
          throw new InvalidArgumentError(`Unknown export format "${format}" (${EXPORT_FORMATS.join(' or ')})`)
        }
        return { connection: req.query.connection, format: format as ExportFormat }
      })
  )
  // Some records only (the map's selection): too many ids for a URL, so they come as a JSON body,
  // checked by the contract's own schema for collections.export.
  app.post<{ Params: { collectionId: string } }>(`${EXPORT_PATH}/:collectionId`, (req, reply) =>
    sendExport(reply, req.id, req.params.collectionId, () => {
      const body = typeof req.body === 'object' && req.body !== null ? req.body : {}
      const parsed = contract['collections.export'].input.safeParse({
        ...body,
        collectionId: req.params.collectionId
      })
      if (!parsed.success) {
        throw new InvalidArgumentError(`Invalid export: ${issuesText(parsed.error.issues)}`)
      }
      return { connection: parsed.data.connection, format: parsed.data.format ?? 'jsonl', ids: parsed.data.ids }
    })
  )

  // The map's layout bytes (collections.mapLayout over IPC); 204 while none is ready.
  app.get<{ Params: { collectionId: string }; Querystring: { connection?: string } }>(
    `${MAP_PATH}/:collectionId`,
    async (req, reply) => {
      try {
        const bytes = await ctx.maps.layout(req.query.connection, req.params.collectionId)
        if (bytes === null) return reply.code(204).send()
        return reply.type('application/octet-stream').header('Cache-Control', 'no-store').send(Buffer.from(bytes))
      } catch (err) {
        return sendCallError(reply, describeError(err, `map ${req.params.collectionId}`, req.id))
      }
    }
  )

  // A finished backup job's file (browser mode), sent once, then removed.
  app.get<{ Params: { jobId: string } }>(`${BACKUP_PATH}/:jobId`, async (req, reply) => {
    try {
      const { file, fileName, done } = takeBackupDownload(ctx, req.params.jobId)
      const stream = createReadStream(file)
      stream.once('close', done)
      return reply
        .type('application/octet-stream')
        .header('Content-Disposition', attachmentDisposition(fileName))
        .send(stream)
    } catch (err) {
      return sendCallError(reply, describeError(err, `backup download ${req.params.jobId}`, req.id))
    }
  })

  if (staticDir && existsSync(staticDir)) {
    await app.register(async (ui) => {
      ui.addHook('onRoute', (route) => {
        route.config = { ...route.config, surface: 'ui' satisfies Surface }
      })
      await ui.register(fastifyStatic, { root: staticDir, index: ['index.html'], wildcard: false })
    })
  }
}

function sendCallError(reply: FastifyReply, error: { status: number; name: string; message: string }): FastifyReply {
  return reply.code(error.status).send({ ok: false, error })
}

/**
 * Chroma's reads by POST (get, query, search) and the extensions' (count, facets, embed: docs/extensions.md)
 * change nothing; every other non-GET API call is a write.
 */
function isChromaWrite(surface: Surface | undefined, method: string, routeUrl: string | undefined): boolean {
  if (surface !== 'chroma' || method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false
  return !/\/(get|query|search|chromadesk\/(count|facets|embed))\/?$/.test(routeUrl ?? '')
}
