import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { EngineClient } from '../../api/context.js'
import {
  DEFAULT_DATABASE,
  DEFAULT_TENANT,
  InvalidArgumentError,
  UnexpectedError,
  type CollectionModel,
  type Scope
} from '../../engine/index.js'
import { declaredStatus, reportUnexpected } from '../../api/errors.js'
import { registerJsonBody } from '../json-body.js'
import { STORED_FUNCTION_HEADER } from '../../../shared/constants.js'
import {
  addBody,
  bodyParseError,
  collectionId,
  countWhereBody,
  createCollectionBody,
  deleteBody,
  embedBody,
  facetsBody,
  forkBody,
  getBody,
  nameBody,
  presentBody,
  queryBody,
  queryU32,
  readLevel,
  resourceNameBody,
  searchBody,
  updateBody,
  updateCollectionBody,
  upsertBody
} from './decode.js'
import { encodeGetResult, encodeQueryResult, encodeSearchResult } from './encode.js'
import { forkCollection } from '../../portability/fork.js'
import { embedTexts, queryTextEmbeddings, withServerEmbeddings } from '../server-embedding.js'
import { EMBED_ROUTE, presentForClients, withoutShownFunction } from './present-function.js'

export interface V2Options {
  client: EngineClient
}

type Params = Record<string, string>
type Query = Record<string, unknown>
type Req = FastifyRequest<{ Params: Params; Querystring: Query }>
/** A route handler returns the JSON value to send (status 200 unless `status` is given). */
type Handler = (req: Req) => unknown

interface RouteDef {
  method: HTTPMethods
  url: string
  status?: number
  /** The route takes a JSON body (checked before the handler runs); others ignore what is sent. */
  readsBody: boolean
  handler: Handler
}

interface RouteOptions {
  status?: number
  /** Default: POST, PUT and PATCH routes read a body, GET and DELETE routes do not. */
  readsBody?: boolean
}

const BODY_METHODS = new Set<HTTPMethods>(['POST', 'PUT', 'PATCH'])

/** v2 JSON error name for a status, as Chroma's ErrorCodes name them. */
function errorName(status: number): string {
  if (status === 400) return 'InvalidArgumentError'
  if (status === 404) return 'NotFoundError'
  if (status >= 500 && status !== 501 && status !== 503) return 'InternalError'
  return 'ChromaError'
}

interface ChromaLike {
  httpStatus: number
  chromaName: string
  message: string
}

function isChromaLike(e: unknown): e is ChromaLike {
  const c = e as Partial<ChromaLike> | null
  return typeof c === 'object' && c !== null && typeof c.httpStatus === 'number' && typeof c.chromaName === 'string'
}

/** Maps any error to Chroma's status and `{"error", "message"}` body. */
export function toChromaError(
  err: unknown,
  requestId?: string
): { status: number; body: { error: string; message: string } } {
  if (isChromaLike(err) && !(err instanceof UnexpectedError)) {
    return { status: err.httpStatus, body: { error: err.chromaName, message: err.message } }
  }
  const fe = err as Partial<FastifyError>
  switch (fe.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: {
          error: 'InvalidArgumentError',
          message: 'Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0'
        }
      }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { error: 'ChromaError', message: 'Failed to buffer the request body: length limit exceeded' }
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: 'ChromaError', message: 'Expected request with `Content-Type: application/json`' }
      }
  }
  const status = declaredStatus(err)
  if (status === undefined) {
    return { status: 500, body: { error: 'InternalError', message: reportUnexpected(err, 'Chroma API v2', requestId) } }
  }
  return { status, body: { error: errorName(status), message: (err as Error).message } }
}

/** `:param` route patterns as regexes, to tell "wrong method" (405) from "no such path" (404). */
function patternRegex(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${escaped}$`)
}

/** Chroma's v2 HTTP API (chroma-http-api.md section 2) over the engine's ChromaDatabase. */
export const v2Routes: FastifyPluginAsync<V2Options> = async (app, { client }) => {
  const db = client.db
  const prefix = app.prefix

  // Own JSON parser (encapsulated in this plugin) so a syntax error keeps its detail, as Chroma's
  // "Failed to parse the request body as JSON: ..." does; an empty body is no body (json-body.ts).
  registerJsonBody(app, ['application/json'], bodyParseError)

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toChromaError(err, req.id)
    return send(reply, JSON.stringify(body), status)
  })

  const routes: RouteDef[] = []
  const route = (method: HTTPMethods, url: string, handler: Handler, opts: RouteOptions = {}): void => {
    routes.push({ method, url, handler, status: opts.status, readsBody: opts.readsBody ?? BODY_METHODS.has(method) })
  }
  // A collection as Chroma's clients are shown it (decision 0140), with the origin the client reached.
  // The app's own connections ask for the stored form (STORED_FUNCTION_HEADER).
  const shown = (req: Req, c: CollectionModel): CollectionModel =>
    req.headers[STORED_FUNCTION_HEADER] === undefined ? presentForClients(c, `${req.protocol}://${req.host}`) : c
  const scope = (req: Req): Scope => ({
    tenant: req.params.tenant ?? DEFAULT_TENANT,
    database: req.params.database ?? DEFAULT_DATABASE
  })

  // ---- system ---------------------------------------------------------------------------------
  route('GET', '', () => heartbeat())
  route('GET', '/heartbeat', () => heartbeat())
  route('GET', '/version', () => db.version())
  route('GET', '/pre-flight-checks', () => db.preflightChecks())
  route('GET', '/healthcheck', () => ({ is_executor_ready: true, is_log_client_ready: true }))
  route('GET', '/auth/identity', () => ({ user_id: '', tenant: DEFAULT_TENANT, databases: [DEFAULT_DATABASE] }))
  route('POST', '/reset', () => db.reset(), { readsBody: false })

  // ---- tenants and databases ------------------------------------------------------------------
  route('POST', '/tenants', (req) => {
    db.createTenant(nameBody(req.body, 'CreateTenantPayload'))
    return {}
  })
  route('GET', '/tenants/:tenant', (req) => db.getTenant(req.params.tenant as string))
  // Chroma 1.5: sets the resource name (its local server accepts and drops it; we keep it).
  route('PATCH', '/tenants/:tenant', (req) => {
    db.updateTenant(req.params.tenant as string, resourceNameBody(req.body))
    return {}
  })
  route('POST', '/tenants/:tenant/databases', (req) => {
    db.createDatabase(req.params.tenant as string, nameBody(req.body, 'CreateDatabasePayload'))
    return {}
  })
  route('GET', '/tenants/:tenant/databases', (req) =>
    db.listDatabases(req.params.tenant as string, queryU32(req.query, 'limit'), queryU32(req.query, 'offset'))
  )
  route('GET', '/tenants/:tenant/databases/:database', (req) =>
    db.getDatabase(req.params.tenant as string, req.params.database as string)
  )
  route('DELETE', '/tenants/:tenant/databases/:database', (req) => {
    db.deleteDatabase(req.params.tenant as string, req.params.database as string)
    return {}
  })

  // ---- collections ----------------------------------------------------------------------------
  const C = '/tenants/:tenant/databases/:database/collections'
  route('GET', C, (req) =>
    db
      .listCollections(scope(req), queryU32(req.query, 'limit'), queryU32(req.query, 'offset'))
      .map((c) => shown(req, c))
  )
  route('GET', '/tenants/:tenant/databases/:database/collections_count', (req) => db.countCollections(scope(req)))
  route('POST', C, (req) => shown(req, db.createCollection(scope(req), createCollectionBody(req.body))))
  // The path segment is the collection *name* for GET and DELETE, its UUID for PUT and records.
  route('GET', `${C}/:name`, (req) => shown(req, db.getCollection(scope(req), req.params.name as string)))
  route('GET', `${C}/by-id/:id`, (req) => shown(req, db.getCollectionById(collectionId(req.params.id as string))))
  route('GET', '/collections/:crn', (req) => {
    const parts = (req.params.crn as string).split(':')
    if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
      throw new InvalidArgumentError(`Invalid collection resource name: ${req.params.crn}`)
    }
    const [tenant, database, name] = parts as [string, string, string]
    return shown(req, db.getCollection({ tenant, database }, name))
  })
  route('PUT', `${C}/:id`, async (req) => {
    const id = collectionId(req.params.id as string)
    const body = withoutShownFunction(id, updateCollectionBody(req.body))
    await db.writeWhenRoom(id, () => db.updateCollection(id, body))
    return {}
  })
  route('DELETE', `${C}/:name`, (req) => {
    db.deleteCollection(scope(req), req.params.name as string)
    return {}
  })
  // Chroma 1.5's fork, done as a batched copy (decision 0086); fork_count counts the lineage.
  route('POST', `${C}/:id/fork`, async (req) => {
    const id = collectionId(req.params.id as string)
    return shown(req, await forkCollection(client, id, forkBody(req.body)))
  })
  route('GET', `${C}/:id/fork_count`, (req) => ({ count: db.forkCount(collectionId(req.params.id as string)) }))

  // ---- records --------------------------------------------------------------------------------
  const R = `${C}/:id`
  const cid = (req: Req): string => collectionId(req.params.id as string)
  route(
    'POST',
    `${R}/add`,
    async (req) => {
      const id = cid(req)
      // Documents without embeddings are embedded here, with the collection's model (decision 0121).
      const body = await withServerEmbeddings(client, id, addBody(req.body), false)
      // Writes and queries await the index worker's room or answer without blocking (decision 0050).
      await db.addWhenRoom(id, body)
      return {}
    },
    { status: 201 }
  )
  route('POST', `${R}/update`, async (req) => {
    const id = cid(req)
    const body = await withServerEmbeddings(client, id, updateBody(req.body), true)
    await db.writeWhenRoom(id, () => db.update(id, body))
    return {}
  })
  route('POST', `${R}/upsert`, async (req) => {
    const id = cid(req)
    const body = await withServerEmbeddings(client, id, upsertBody(req.body), false)
    await db.writeWhenRoom(id, () => db.upsert(id, body))
    return {}
  })
  route('POST', `${R}/delete`, async (req) => {
    const id = cid(req)
    const body = deleteBody(req.body)
    return db.writeWhenRoom(id, () => db.delete(id, body))
  })
  route('GET', `${R}/indexing_status`, (req) => db.indexingStatus(cid(req)))
  route('GET', `${R}/count`, (req) => {
    const id = cid(req)
    readLevel(req.query)
    return db.readDurable(() => db.count(id))
  })
  route('POST', `${R}/get`, async (req) => {
    const id = cid(req)
    return encodeGetResult(await db.readDurable(() => db.get(id, getBody(req.body))))
  })
  route('POST', `${R}/query`, async (req) => {
    const id = cid(req)
    const { query_texts, ...body } = queryBody(req.body)
    const query_embeddings = body.query_embeddings ?? (await queryTextEmbeddings(client, id, query_texts))
    return encodeQueryResult(await db.queryWhenAnswerable(id, { ...body, query_embeddings }))
  })
  // Chroma 1.5's search API (upstream: Chroma Cloud only); docs/search-api.md.
  route('POST', `${R}/search`, async (req) => {
    const id = cid(req)
    const searches = searchBody(req.body)
    return encodeSearchResult(await db.readWhenAnswerable(() => db.search(id, searches)))
  })

  // ---- Chromadesk extensions (docs/extensions.md): named as ours, not Chroma's ------------------
  route(
    'POST',
    `${R}/chromadesk/count`,
    (req) => {
      const body = countWhereBody(req.body)
      return db.countWhere(cid(req), body.where, body.where_document)
    },
    { readsBody: false }
  )
  route('POST', `${R}/chromadesk/facets`, (req) => db.facets(cid(req), facetsBody(req.body)))
  // Text-embeddings-inference's /embed with the collection's model: the route the `huggingface_server`
  // function shown to clients calls (decision 0140).
  route('POST', `${R}/${EMBED_ROUTE}`, (req) => embedTexts(client, cid(req), embedBody(req.body)))

  for (const r of routes) {
    app.route<{ Params: Params; Querystring: Query }>({
      method: r.method,
      url: r.url,
      handler: async (req, reply: FastifyReply) => {
        if (r.readsBody) presentBody(req.body)
        const value = await r.handler(req)
        const status = r.status ?? 200
        return send(reply, value instanceof RawJson ? value.text : JSON.stringify(value), status)
      }
    })
  }

  const patterns = routes.map((r) => ({ method: r.method, re: patternRegex(prefix + r.url) }))
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? ''
    const otherMethod = patterns.some((p) => p.method !== req.method && p.re.test(path))
    if (otherMethod) {
      return send(
        reply,
        JSON.stringify({ error: 'ChromaError', message: `Method ${req.method} not allowed on ${path}` }),
        405
      )
    }
    return send(reply, JSON.stringify({ error: 'NotFoundError', message: `No route for ${req.method} ${path}` }), 404)
  })
}

/**
 * Sends serialized JSON with `Content-Type: application/json` exactly as Chroma does (a string
 * payload would get `; charset=utf-8` appended by Fastify; a Buffer is sent as typed).
 */
function send(reply: FastifyReply, json: string, status: number): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(Buffer.from(json))
}

/** A response body already serialized (for values JSON.stringify cannot write exactly). */
class RawJson {
  constructor(readonly text: string) {}
}

/** `{"nanosecond heartbeat": n}` with n an exact integer (beyond 2^53, so written by hand). */
function heartbeat(): RawJson {
  const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n)
  return new RawJson(`{"nanosecond heartbeat":${ns}}`)
}
