import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import type { EngineClient } from '../../api/context.js'
import { DEFAULT_DATABASE, DEFAULT_TENANT, type Scope } from '../../engine/database.js'
import { NotFoundError, UniqueConstraintError } from '../../engine/errors.js'
import type {
  AddRequest,
  CollectionModel,
  CreateCollectionRequest,
  GetRequest,
  IncludeField,
  QueryRequest,
  UpdateCollectionRequest,
  UpdateRequest,
  UpsertRequest
} from '../../engine/types.js'
import { registerJsonBody, UnparsedBody } from '../json-body.js'
import { sendJson } from '../reply.js'
import { queryTextEmbeddings, withServerEmbeddings } from '../server-embedding.js'
import { collectionMissing, toV1Error, V1Error } from './errors.js'
import {
  clientFlavor,
  collectionJson,
  engineConfiguration,
  getResultJson,
  isObject,
  queryResultJson,
  splitInclude
} from './shapes.js'

export interface V1Options {
  client: EngineClient
}

type Body = Record<string, unknown>
type Query = Record<string, string | undefined>
type Params = Record<string, string>

const GET_INCLUDE_DEFAULT: IncludeField[] = ['metadatas', 'documents']
const QUERY_INCLUDE_DEFAULT: IncludeField[] = ['metadatas', 'documents', 'distances']
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const DELETE_NOTHING_MESSAGE =
  'You must provide either ids, where, or where_document to delete. If you want to delete all data in a ' +
  'collection you can delete the collection itself using the delete_collection method. Or alternatively, you ' +
  'can get() all the relevant ids and then delete them.'

function scopeOf(req: FastifyRequest): Scope {
  const q = req.query as Query
  return { tenant: q.tenant || DEFAULT_TENANT, database: q.database || DEFAULT_DATABASE }
}

/** The body of a route that reads one (routes that take none never look at it). */
function bodyOf(req: FastifyRequest): Body {
  if (req.body instanceof UnparsedBody) throw req.body.error
  if (req.body == null) return {}
  if (!isObject(req.body)) throw new V1Error(400, 'InvalidArgumentError', 'Expected a JSON object as request body')
  return req.body
}

/** Python clients send `{}` for "no filter" (v2 would reject it). */
function filterOrNull(v: unknown): unknown {
  return v == null || (isObject(v) && Object.keys(v).length === 0) ? null : v
}

/**
 * A list of nothing but nulls means "not given": JS 1.4.x wraps an omitted argument into `[undefined]`
 * (sent as `[null]`, whatever the number of ids), and a null entry means "no value" anyway.
 */
function listOrNull(v: unknown): unknown {
  return v == null || (Array.isArray(v) && v.length > 0 && v.every((x) => x === null)) ? null : v
}

/** The optional lists of an add, update or upsert body, each null when not given (see listOrNull). */
function recordLists<R extends AddRequest | UpdateRequest | UpsertRequest>(
  b: Record<string, unknown>
): Pick<R, 'metadatas' | 'documents' | 'uris'> {
  return {
    metadatas: listOrNull(b.metadatas) as R['metadatas'],
    documents: listOrNull(b.documents) as R['documents'],
    uris: listOrNull(b.uris) as R['uris']
  }
}

/** Structural equality of two JSON values, key order ignored. */
function sameJson(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]))
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]))
  return a === b
}

function optionalInt(v: string | undefined, what: string): number | null {
  if (v === undefined || v === '') return null
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0)
    throw new V1Error(400, 'InvalidArgumentError', `${what} must be a non-negative integer`)
  return n
}

/**
 * Chroma's v1 HTTP API (chroma-http-api.md sections 7-9) for Python HttpClient 0.4.x-0.5.15 and the
 * JS 1.x clients: tenant/database as query parameters, collection name or UUID in record paths,
 * Python error names, every path with or without a trailing slash.
 */
export const v1Routes: FastifyPluginAsync<V1Options> = async (app, { client }) => {
  const db = client.db

  // Encapsulated here: an empty body is "no body" and a malformed one fails only routes that read it
  // (json-body.ts); a body without content type is JSON: Python HttpClient <= 0.5.3 posts
  // `data=json.dumps(...)` unlabelled. (The server-wide guard still decides which content types get
  // this far.)
  registerJsonBody(
    app,
    ['application/json', '*'],
    (detail) => new V1Error(400, 'InvalidArgumentError', `Invalid JSON body: ${detail}`)
  )

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toV1Error(err, req.id)
    void reply.code(status).type('application/json').send(body)
  })

  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, handler: RouteHandlerMethod): void => {
    app.route({ method, url, handler })
    app.route({ method, url: `${url}/`, handler })
  }

  /** Record paths carry a UUID (Python, JS 1.4.2) or a name (JS <= 1.4.1): both resolve. */
  const resolveCollection = (req: FastifyRequest): CollectionModel => {
    const key = (req.params as Params).collection ?? ''
    if (UUID_RE.test(key)) {
      try {
        return db.getCollectionById(key)
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e
      }
    }
    try {
      return db.getCollection(scopeOf(req), key)
    } catch (e) {
      if (e instanceof NotFoundError) throw collectionMissing(key)
      throw e
    }
  }

  // ---- system ---------------------------------------------------------------------------------

  const heartbeat = async (_req: FastifyRequest, reply: FastifyReply) =>
    sendJson(reply, { 'nanosecond heartbeat': db.heartbeat() })
  // '/' under a prefix serves both `/api/v1` and `/api/v1/` (Python 0.4.x-0.5.3 heartbeat).
  app.get('/', heartbeat)
  route('GET', '/heartbeat', heartbeat)
  route('GET', '/version', async (_req, reply) => sendJson(reply, db.version()))
  route('GET', '/pre-flight-checks', async (_req, reply) =>
    sendJson(reply, { max_batch_size: db.preflightChecks().max_batch_size })
  )
  route('POST', '/reset', async (_req, reply) => sendJson(reply, db.reset()))

  // ---- tenants and databases ------------------------------------------------------------------

  route('POST', '/tenants', async (req, reply) => {
    const name = bodyOf(req).name
    try {
      db.createTenant(name)
    } catch (e) {
      if (e instanceof UniqueConstraintError)
        throw new V1Error(409, 'UniqueConstraintError', `Tenant ${String(name)} already exists`)
      throw e
    }
    return sendJson(reply, null)
  })
  route('GET', '/tenants/:tenant', async (req, reply) => {
    const { tenant } = req.params as Params
    try {
      return sendJson(reply, { name: db.getTenant(tenant ?? '').name })
    } catch (e) {
      if (e instanceof NotFoundError) throw new V1Error(404, 'NotFoundError', `Tenant ${tenant} not found`)
      throw e
    }
  })
  route('POST', '/databases', async (req, reply) => {
    const { tenant } = scopeOf(req)
    const name = bodyOf(req).name
    try {
      db.getTenant(tenant)
      db.createDatabase(tenant, name)
    } catch (e) {
      if (e instanceof NotFoundError) throw new V1Error(404, 'NotFoundError', `Tenant ${tenant} not found`)
      if (e instanceof UniqueConstraintError) {
        throw new V1Error(409, 'UniqueConstraintError', `Database ${String(name)} already exists for tenant ${tenant}`)
      }
      throw e
    }
    return sendJson(reply, null)
  })
  route('GET', '/databases/:database', async (req, reply) => {
    const { tenant } = scopeOf(req)
    const { database } = req.params as Params
    try {
      const d = db.getDatabase(tenant, database ?? '')
      return sendJson(reply, { id: d.id, name: d.name, tenant: d.tenant })
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new V1Error(404, 'NotFoundError', `Database ${database} not found for tenant ${tenant}`)
      }
      throw e
    }
  })

  // ---- collections ----------------------------------------------------------------------------

  route('GET', '/collections', async (req, reply) => {
    const q = req.query as Query
    const flavor = clientFlavor(req.headers['user-agent'])
    const list = db.listCollections(scopeOf(req), optionalInt(q.limit, 'limit'), optionalInt(q.offset, 'offset'))
    return sendJson(
      reply,
      list.map((m) => collectionJson(m, flavor, false))
    )
  })
  route('GET', '/count_collections', async (req, reply) => sendJson(reply, db.countCollections(scopeOf(req))))

  route('POST', '/collections', async (req, reply) => {
    const b = bodyOf(req)
    const create: CreateCollectionRequest = {
      name: b.name as string,
      metadata: b.metadata as CreateCollectionRequest['metadata'],
      configuration: engineConfiguration(b.configuration),
      get_or_create: b.get_or_create === true
    }
    let model = db.createCollection(scopeOf(req), create)
    // Python's v1 servers replaced the metadata of an existing collection on get_or_create when the
    // request carried different metadata (v2 returns it unchanged).
    if (create.get_or_create && isObject(create.metadata) && !sameJson(create.metadata, model.metadata)) {
      model = db.updateCollection(model.id, { new_metadata: create.metadata })
    }
    return sendJson(reply, collectionJson(model, clientFlavor(req.headers['user-agent']), true))
  })

  route('GET', '/collections/:collection', async (req, reply) =>
    sendJson(reply, collectionJson(resolveCollection(req), clientFlavor(req.headers['user-agent']), true))
  )

  route('PUT', '/collections/:collection', async (req, reply) => {
    const b = bodyOf(req)
    const update: UpdateCollectionRequest = {
      new_name: b.new_name as string | null | undefined,
      new_metadata: b.new_metadata as UpdateCollectionRequest['new_metadata']
    }
    db.updateCollection(resolveCollection(req).id, update)
    return sendJson(reply, null)
  })

  route('DELETE', '/collections/:collection', async (req, reply) => {
    let m: CollectionModel
    try {
      m = resolveCollection(req)
    } catch (e) {
      // Python's delete_collection raised ValueError, not the lookup's InvalidCollection (decision 0031).
      if (e instanceof V1Error && e.errorName === 'InvalidCollection') {
        throw new V1Error(400, 'InvalidArgumentError', e.message)
      }
      throw e
    }
    db.deleteCollection({ tenant: m.tenant, database: m.database }, m.name)
    return sendJson(reply, null)
  })

  // ---- records --------------------------------------------------------------------------------

  route('POST', '/collections/:collection/add', async (req, reply) => {
    const b = bodyOf(req)
    const c = resolveCollection(req)
    // Documents without embeddings are embedded here, with the collection's model (decision 0121).
    const add: AddRequest = await withServerEmbeddings(
      client,
      c.id,
      { ids: b.ids as string[], embeddings: listOrNull(b.embeddings), ...recordLists<AddRequest>(b) },
      false
    )
    // Only JS 1.4.x sends increment_index (1.4.2: incrementIndex). Their servers (0.3.x) refused ids
    // that already exist, and their tests expect that; Python 0.4+ ignores such ids silently.
    const camel = 'incrementIndex' in b
    const refuseExisting = camel || 'increment_index' in b
    // The check and the add run in one synchronous step, so no other add comes between them.
    await db.addWhenRoom(c.id, add, () => {
      const existing = refuseExisting && Array.isArray(add.ids) ? db.get(c.id, { ids: add.ids, include: [] }).ids : []
      if (existing.length > 0) {
        // 1.4.0/1.4.1 ran against servers reporting the Python class name; 1.4.2 against 0.3.23+.
        throw new V1Error(
          409,
          camel ? 'IDAlreadyExists' : 'IDAlreadyExistsError',
          `IDs [${existing.map((id) => `'${id}'`).join(', ')}] already exist in collection ${c.id}`
        )
      }
    })
    return sendJson(reply, true, 201)
  })

  route('POST', '/collections/:collection/update', async (req, reply) => {
    const b = bodyOf(req)
    const c = resolveCollection(req)
    const update: UpdateRequest = await withServerEmbeddings(
      client,
      c.id,
      { ids: b.ids as string[], embeddings: listOrNull(b.embeddings), ...recordLists<UpdateRequest>(b) },
      true
    )
    await db.writeWhenRoom(c.id, () => db.update(c.id, update))
    return sendJson(reply, true)
  })

  route('POST', '/collections/:collection/upsert', async (req, reply) => {
    const b = bodyOf(req)
    const c = resolveCollection(req)
    const upsert: UpsertRequest = await withServerEmbeddings(
      client,
      c.id,
      { ids: b.ids as string[], embeddings: listOrNull(b.embeddings), ...recordLists<UpsertRequest>(b) },
      false
    )
    await db.writeWhenRoom(c.id, () => db.upsert(c.id, upsert))
    return sendJson(reply, true)
  })

  route('POST', '/collections/:collection/get', async (req, reply) => {
    const b = bodyOf(req)
    const c = resolveCollection(req)
    const { engine, included } = splitInclude(b.include, GET_INCLUDE_DEFAULT)
    const get: GetRequest = {
      ids: b.ids as string[] | null | undefined,
      where: filterOrNull(b.where) as GetRequest['where'],
      where_document: filterOrNull(b.where_document) as GetRequest['where_document'],
      limit: b.limit as number | null | undefined,
      offset: b.offset as number | null | undefined,
      include: engine as IncludeField[]
    }
    return sendJson(reply, getResultJson(await db.readDurable(() => db.get(c.id, get)), included))
  })

  route('POST', '/collections/:collection/query', async (req, reply) => {
    const b = bodyOf(req)
    const c = resolveCollection(req)
    const { engine, included } = splitInclude(b.include, QUERY_INCLUDE_DEFAULT)
    const query: QueryRequest = {
      query_embeddings: (b.query_embeddings == null && b.query_texts != null
        ? await queryTextEmbeddings(client, c.id, b.query_texts)
        : b.query_embeddings) as QueryRequest['query_embeddings'],
      n_results: (b.n_results ?? 10) as number,
      where: filterOrNull(b.where) as QueryRequest['where'],
      where_document: filterOrNull(b.where_document) as QueryRequest['where_document'],
      include: engine as IncludeField[]
    }
    return sendJson(reply, queryResultJson(await db.queryWhenAnswerable(c.id, query), included))
  })

  route('POST', '/collections/:collection/delete', async (req, reply) => {
    const b = bodyOf(req)
    const c = resolveCollection(req)
    const ids = (b.ids ?? null) as string[] | null
    const where = filterOrNull(b.where) as GetRequest['where']
    const whereDocument = filterOrNull(b.where_document) as GetRequest['where_document']
    if (ids === null && where === null && whereDocument === null) {
      // Python 0.4+ refuses; the 0.3.x API (JS 1.x) documents delete() as "delete all items".
      if (clientFlavor(req.headers['user-agent']) !== 'legacy') {
        throw new V1Error(400, 'InvalidArgumentError', DELETE_NOTHING_MESSAGE)
      }
    }
    // v1 answers with the ids actually deleted, so find them first (in one synchronous run: atomic).
    const matched = await db.writeWhenRoom(c.id, () => {
      const found = db.get(c.id, { ids, where, where_document: whereDocument, include: [] }).ids
      if (found.length > 0) db.delete(c.id, { ids: found })
      return found
    })
    return sendJson(reply, matched)
  })

  route('GET', '/collections/:collection/count', async (req, reply) =>
    sendJson(reply, await db.readDurable(() => db.count(resolveCollection(req).id)))
  )

  route('POST', '/collections/:collection/create_index', async (req, reply) => {
    const id = resolveCollection(req).id
    await db.writeWhenRoom(id, () => db.createIndex(id))
    return sendJson(reply, true)
  })
}
