// Differential HTTP tests: the same raw requests against the real Chroma 1.0 server (the Rust binary
// shipped with chromadb's JS bindings) and ours; statuses and bodies must agree, after removing what
// legitimately differs (differential-compare.ts). Known divergences are listed as quirks, each
// asserting both sides' exact answers, so a change on either side still fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChromaServer, type ChromaServer } from '../../engine/differential/chroma-server.js'
import {
  compareAnswers,
  isCollection,
  notExist,
  TYPO,
  type Answer,
  type CompareOptions,
  type Json
} from './differential-compare.js'
import { startOurServer, type RunningServer } from './test-server.js'

interface Side {
  name: 'chroma' | 'ours'
  baseUrl: string
  /** Collection name -> id on this side, learned from create responses. */
  ids: Map<string, string>
}

interface Step extends CompareOptions {
  label: string
  method: string
  /** `{id:<name>}` is replaced by that collection's id on each side. */
  path: string
  body?: unknown
  /** Sent verbatim (malformed JSON, or an empty body). */
  rawBody?: string
  /** Extra request headers (e.g. a JSON content type on a request without a body). */
  headers?: Record<string, string>
}

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'
/** What Python's HttpClient sends on every request, a body or not. */
const JSON_LABEL = { 'content-type': 'application/json' }
const rec = (name: string, op: string): string => `${C}/{id:${name}}/${op}`

async function send(side: Side, step: Step): Promise<Answer> {
  const path = step.path.replace(/\{id:([^}]+)\}/g, (_m, name: string) => side.ids.get(name) ?? `unknown-${name}`)
  const payload = step.rawBody ?? (step.body === undefined ? undefined : JSON.stringify(step.body))
  const res = await fetch(side.baseUrl + path, {
    method: step.method,
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...step.headers },
    body: payload
  })
  const text = await res.text()
  let body: Json | string
  try {
    body = JSON.parse(text) as Json
  } catch {
    body = text
  }
  if (res.status === 200 && isCollection(body)) side.ids.set(body.name as string, body.id as string)
  return { status: res.status, body }
}

// ---- the scenario -------------------------------------------------------------------------------

function seededRandom(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function scenario(): Step[] {
  const rand = seededRandom(42)
  const vec = (d: number): number[] => Array.from({ length: d }, () => Math.round((rand() * 2 - 1) * 1000) / 1000)
  const bulkIds = Array.from({ length: 200 }, (_, i) => `v${i}`)
  const bulkVectors = bulkIds.map(() => vec(16))
  const bulkMeta = bulkIds.map((_, i) => ({ group: i % 5, even: i % 2 === 0, tag: `t${i % 3}` }))
  const queries = Array.from({ length: 5 }, () => vec(16))

  return [
    // system
    { label: 'heartbeat', method: 'GET', path: '/api/v2/heartbeat' },
    { label: 'heartbeat at the root', method: 'GET', path: '/api/v2' },
    { label: 'version', method: 'GET', path: '/api/v2/version' },
    { label: 'identity', method: 'GET', path: '/api/v2/auth/identity' },
    { label: 'reset disabled', method: 'POST', path: '/api/v2/reset' },
    // Python's HttpClient labels every request JSON, body or not: a route without a body ignores it.
    { label: 'reset disabled, empty JSON body', method: 'POST', path: '/api/v2/reset', rawBody: '' },
    { label: 'reset disabled, malformed JSON body', method: 'POST', path: '/api/v2/reset', rawBody: '{bad' },
    { label: 'heartbeat labelled JSON', method: 'GET', path: '/api/v2/heartbeat', headers: JSON_LABEL },
    {
      label: 'unknown route',
      method: 'GET',
      path: '/api/v2/nope',
      quirk: {
        why: 'Chroma answers unknown routes with an empty 404; ours sends the JSON error shape',
        chroma: { status: 404, body: '' },
        ours: { status: 404, body: { error: 'NotFoundError', message: 'No route for GET /api/v2/nope' } }
      }
    },

    // tenants and databases
    { label: 'create tenant', method: 'POST', path: '/api/v2/tenants', body: { name: 'acme' } },
    { label: 'create tenant again', method: 'POST', path: '/api/v2/tenants', body: { name: 'acme' } },
    { label: 'create tenant without name', method: 'POST', path: '/api/v2/tenants', body: {} },
    { label: 'get missing tenant', method: 'GET', path: '/api/v2/tenants/nobody' },
    {
      label: 'get tenant',
      method: 'GET',
      path: '/api/v2/tenants/acme',
      quirk: {
        why: 'later Chroma adds resource_name (null unless set)',
        chroma: { status: 200, body: { name: 'acme' } },
        ours: { status: 200, body: { name: 'acme', resource_name: null } }
      }
    },
    // Chroma prints the validator's HashMap, whose key order varies from run to run.
    {
      label: 'create tenant with a short name',
      method: 'POST',
      path: '/api/v2/tenants',
      body: { name: 'ab' },
      messagePrefix: 46
    },
    { label: 'create database', method: 'POST', path: '/api/v2/tenants/acme/databases', body: { name: 'main' } },
    {
      label: 'create second database',
      method: 'POST',
      path: '/api/v2/tenants/acme/databases',
      body: { name: 'spare' }
    },
    { label: 'create database again', method: 'POST', path: '/api/v2/tenants/acme/databases', body: { name: 'main' } },
    { label: 'list databases', method: 'GET', path: '/api/v2/tenants/acme/databases' },
    {
      label: 'list databases limit 1 offset 1',
      method: 'GET',
      path: '/api/v2/tenants/acme/databases?limit=1&offset=1'
    },
    {
      label: 'collections of an empty database',
      method: 'GET',
      path: '/api/v2/tenants/acme/databases/main/collections'
    },
    {
      label: 'count of an empty database',
      method: 'GET',
      path: '/api/v2/tenants/acme/databases/main/collections_count'
    },
    { label: 'delete database', method: 'DELETE', path: '/api/v2/tenants/acme/databases/spare' },
    { label: 'delete database again', method: 'DELETE', path: '/api/v2/tenants/acme/databases/spare' },
    {
      label: 'delete missing database, labelled JSON without a body',
      method: 'DELETE',
      path: '/api/v2/tenants/acme/databases/spare',
      headers: JSON_LABEL
    },
    {
      label: 'delete missing database, empty JSON body',
      method: 'DELETE',
      path: '/api/v2/tenants/acme/databases/spare',
      rawBody: ''
    },
    { label: 'get missing database', method: 'GET', path: '/api/v2/tenants/acme/databases/spare' },

    // collections
    { label: 'create collection', method: 'POST', path: C, body: { name: 'alpha', metadata: { owner: 'me', n: 1 } } },
    { label: 'create duplicate', method: 'POST', path: C, body: { name: 'alpha' } },
    {
      label: 'get_or_create existing',
      method: 'POST',
      path: C,
      body: { name: 'alpha', metadata: { x: 1 }, get_or_create: true }
    },
    { label: 'create with bad name', method: 'POST', path: C, body: { name: 'a' } },
    { label: 'create with empty metadata', method: 'POST', path: C, body: { name: 'beta', metadata: {} } },
    { label: 'create without name', method: 'POST', path: C, body: { metadata: { a: 1 } } },
    { label: 'create with a numeric name', method: 'POST', path: C, body: { name: 5 } },
    { label: 'create with bad JSON', method: 'POST', path: C, rawBody: '{"name": ', messagePrefix: 41 },
    { label: 'create with an empty body', method: 'POST', path: C, rawBody: '' },
    { label: 'create with a blank body', method: 'POST', path: C, rawBody: ' \n ' },
    { label: 'create without a body, unlabelled', method: 'POST', path: C },
    {
      label: 'create in a missing database',
      method: 'POST',
      path: '/api/v2/tenants/acme/databases/nodb/collections',
      body: { name: 'zeta' }
    },
    {
      label: 'create with hnsw:space',
      method: 'POST',
      path: C,
      body: { name: 'beta', metadata: { 'hnsw:space': 'cosine' } }
    },
    {
      label: 'create with an unknown hnsw field',
      method: 'POST',
      path: C,
      body: { name: 'delta', configuration: { hnsw: { space: 'ip', foo: 1 } } }
    },
    {
      label: 'create with a negative ef_search',
      method: 'POST',
      path: C,
      body: { name: 'delta', configuration: { hnsw: { ef_search: -1 } } }
    },
    {
      label: 'create with a float ef_search',
      method: 'POST',
      path: C,
      body: { name: 'delta', configuration: { hnsw: { ef_search: 1.5 } } }
    },
    {
      label: 'create with an unknown space',
      method: 'POST',
      path: C,
      body: { name: 'delta', configuration: { hnsw: { space: 'dot' } } }
    },
    {
      label: 'create with hnsw config',
      method: 'POST',
      path: C,
      body: { name: 'gamma', configuration: { hnsw: { space: 'ip', ef_search: 50 } } }
    },
    {
      label: 'list collections count',
      method: 'GET',
      path: '/api/v2/tenants/default_tenant/databases/default_database/collections_count'
    },
    { label: 'list with a bad limit', method: 'GET', path: `${C}?limit=abc` },
    { label: 'list with a negative offset', method: 'GET', path: `${C}?offset=-1` },
    { label: 'get by name', method: 'GET', path: `${C}/alpha` },
    {
      label: 'get missing by name',
      method: 'GET',
      path: `${C}/nothing`,
      quirk: {
        why: TYPO,
        chroma: { status: 404, body: { error: 'NotFoundError', message: 'Collection [nothing] does not exists' } },
        ours: { status: 404, body: { error: 'NotFoundError', message: notExist('nothing') } }
      }
    },
    { label: 'modify with a bad id', method: 'PUT', path: `${C}/alpha`, body: { new_name: 'alpha2' } },
    { label: 'modify with an empty body', method: 'PUT', path: `${C}/{id:alpha}`, rawBody: '' },
    { label: 'modify with a bad id and an empty body', method: 'PUT', path: `${C}/alpha`, rawBody: '' },
    { label: 'modify metadata', method: 'PUT', path: `${C}/{id:alpha}`, body: { new_metadata: { owner: 'you' } } },
    { label: 'get after modify', method: 'GET', path: `${C}/alpha` },
    {
      label: 'modify space is refused',
      method: 'PUT',
      path: `${C}/{id:alpha}`,
      body: { new_configuration: { hnsw: { space: 'ip' } } }
    },
    {
      label: 'modify with a string ef_search',
      method: 'PUT',
      path: `${C}/{id:alpha}`,
      body: { new_configuration: { hnsw: { ef_search: 'x' } } }
    },
    {
      label: 'modify ef_search',
      method: 'PUT',
      path: `${C}/{id:alpha}`,
      body: { new_configuration: { hnsw: { ef_search: 42 } } }
    },
    // Chroma 1.5 parity (docs/chroma-1.5.md): what 1.0 already had must stay alike.
    {
      label: 'modify the other changeable hnsw fields',
      method: 'PUT',
      path: `${C}/{id:alpha}`,
      body: { new_configuration: { hnsw: { sync_threshold: 500, resize_factor: 1.5, batch_size: 50 } } }
    },
    {
      label: 'modify ef_construction is refused',
      method: 'PUT',
      path: `${C}/{id:alpha}`,
      body: { new_configuration: { hnsw: { ef_construction: 7 } } }
    },
    // The two below change nothing on either side afterwards (same ef_search; gamma is deleted next).
    {
      label: 'modify hnsw and spann at once',
      method: 'PUT',
      path: `${C}/{id:alpha}`,
      body: { new_configuration: { hnsw: { ef_search: 42 }, spann: { search_nprobe: 4 } } },
      quirk: {
        why: 'Chroma 1.5 refuses two vector index configurations in one update; 1.0 applied the hnsw part',
        chroma: { status: 200, body: {} },
        ours: {
          status: 400,
          body: { error: 'InvalidArgumentError', message: 'Multiple vector index configurations provided' }
        }
      }
    },
    {
      label: 'modify sync_threshold below 2',
      method: 'PUT',
      path: `${C}/{id:gamma}`,
      body: { new_configuration: { hnsw: { sync_threshold: 1 } } },
      quirk: {
        why: 'Chroma (1.0 and 1.5) skips its own sync_threshold >= 2 rule on update; we refuse what create refuses',
        chroma: { status: 200, body: {} },
        ours: {
          status: 422,
          body: {
            error: 'ChromaError',
            message: 'Invalid HNSW configuration: invalid sync_threshold 1, must be an integer >= 2'
          }
        }
      }
    },
    { label: 'get after config change', method: 'GET', path: `${C}/alpha` },
    // No fork: Chroma 1.0 answers 501, we fork (docs/chroma-1.5.md; fork.test.ts).
    { label: 'delete collection', method: 'DELETE', path: `${C}/gamma` },
    { label: 'create epsilon', method: 'POST', path: C, body: { name: 'epsilon' } },
    {
      label: 'delete collection labelled JSON without a body (Python HttpClient)',
      method: 'DELETE',
      path: `${C}/epsilon`,
      headers: JSON_LABEL
    },
    ...[
      { how: 'labelled JSON without a body', headers: JSON_LABEL },
      { how: 'empty JSON body', rawBody: '' },
      { how: 'malformed JSON body', rawBody: '{bad' }
    ].map(({ how, ...request }): Step => ({
      label: `delete missing collection, ${how}`,
      method: 'DELETE',
      path: `${C}/epsilon`,
      ...request,
      quirk: {
        why: TYPO,
        chroma: { status: 404, body: { error: 'NotFoundError', message: 'Collection [epsilon] does not exists' } },
        ours: { status: 404, body: { error: 'NotFoundError', message: notExist('epsilon') } }
      }
    })),
    {
      label: 'delete missing collection',
      method: 'DELETE',
      path: `${C}/gamma`,
      quirk: {
        why: TYPO,
        chroma: { status: 404, body: { error: 'NotFoundError', message: 'Collection [gamma] does not exists' } },
        ours: { status: 404, body: { error: 'NotFoundError', message: notExist('gamma') } }
      }
    },
    { label: 'list collections', method: 'GET', path: `${C}?limit=100&offset=0` },

    // records
    { label: 'create recs', method: 'POST', path: C, body: { name: 'recs' } },
    { label: 'get on an empty collection', method: 'POST', path: rec('recs', 'get'), body: {} },
    {
      label: 'query an empty collection (no dimension check)',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 2, 3]] }
    },
    {
      label: 'add',
      method: 'POST',
      path: rec('recs', 'add'),
      body: {
        ids: ['a', 'b', 'c', 'd'],
        embeddings: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [0.5, 0.5, 0.1]
        ],
        documents: ['the cat sat', 'a dog ran', null, 'Cats and dogs'],
        uris: ['u://a', null, null, 'u://d'],
        metadatas: [{ kind: 'cat', n: 1, f: 0.5, ok: true }, { kind: 'dog', n: 2 }, null, { kind: 'cat', n: 4, f: 2.5 }]
      }
    },
    { label: 'collection has a dimension now', method: 'GET', path: `${C}/recs` },
    {
      label: 'add existing id is ignored',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: ['a'], embeddings: [[9, 9, 9]] }
    },
    {
      label: 'add with wrong dimension',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: ['x'], embeddings: [[1, 2]] }
    },
    {
      label: 'add with mixed dimensions',
      method: 'POST',
      path: rec('recs', 'add'),
      body: {
        ids: ['x', 'y'],
        embeddings: [
          [1, 2, 3],
          [1, 2]
        ]
      }
    },
    {
      label: 'add with inconsistent lengths',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: ['x', 'y'], embeddings: [[1, 2, 3]] }
    },
    {
      label: 'add with an empty id',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: [''], embeddings: [[1, 2, 3]] }
    },
    {
      label: 'add with numeric ids',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: [1], embeddings: [[1, 2, 3]] }
    },
    {
      label: 'add with ids as a string',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: 'x', embeddings: [[1, 2, 3]] }
    },
    {
      label: 'add with an object metadata value',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: ['x'], embeddings: [[1, 2, 3]], metadatas: [{ o: {} }] }
    },
    {
      label: 'add with a null metadata value',
      method: 'POST',
      path: rec('recs', 'add'),
      body: { ids: ['x'], embeddings: [[1, 2, 3]], metadatas: [{ o: null }] }
    },
    { label: 'add with empty ids', method: 'POST', path: rec('recs', 'add'), body: { ids: [], embeddings: [] } },
    { label: 'add with an empty body', method: 'POST', path: rec('recs', 'add'), rawBody: '' },
    {
      label: 'add with a bad id and malformed JSON (the body is read first)',
      method: 'POST',
      path: `${C}/not-a-uuid/add`,
      rawBody: '{bad',
      messagePrefix: 41
    },
    {
      label: 'add duplicate ids in one batch (first wins)',
      method: 'POST',
      path: rec('recs', 'add'),
      body: {
        ids: ['e', 'e'],
        embeddings: [
          [1, 1, 0],
          [5, 5, 5]
        ]
      }
    },
    {
      label: 'upsert',
      method: 'POST',
      path: rec('recs', 'upsert'),
      body: {
        ids: ['b', 'f'],
        embeddings: [
          [0, 2, 0],
          [1, 1, 1]
        ],
        metadatas: [{ n: null, extra: 'x' }, { kind: 'fox' }],
        documents: [null, 'fox']
      }
    },
    {
      label: 'update',
      method: 'POST',
      path: rec('recs', 'update'),
      body: { ids: ['c', 'missing'], documents: ['now a doc', 'x'], metadatas: [{ kind: 'bird' }, null] }
    },
    {
      label: 'update with a null embedding',
      method: 'POST',
      path: rec('recs', 'update'),
      body: { ids: ['d'], embeddings: [null], documents: ['Cats and more dogs'] }
    },
    {
      label: 'update with wrong dimension',
      method: 'POST',
      path: rec('recs', 'update'),
      body: { ids: ['d'], embeddings: [[1, 2]] }
    },
    { label: 'count', method: 'GET', path: rec('recs', 'count') },
    { label: 'get all', method: 'POST', path: rec('recs', 'get'), body: {} },
    {
      label: 'get everything included',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { include: ['embeddings', 'documents', 'metadatas', 'uris'] }
    },
    {
      label: 'get by ids (order is insertion order)',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { ids: ['f', 'a', 'zzz'] }
    },
    {
      label: 'get limit offset',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { limit: 2, offset: 1, include: ['metadatas'] }
    },
    { label: 'get where $eq', method: 'POST', path: rec('recs', 'get'), body: { where: { kind: 'cat' } } },
    {
      label: 'get where $ne (missing keys match)',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { kind: { $ne: 'cat' } } }
    },
    { label: 'get where $gt int/float', method: 'POST', path: rec('recs', 'get'), body: { where: { f: { $gt: 1 } } } },
    {
      label: 'get where $in',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { kind: { $in: ['dog', 'fox'] } } }
    },
    {
      label: 'get where $nin',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { kind: { $nin: ['dog', 'fox'] } } }
    },
    {
      label: 'get where $and',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { $and: [{ kind: 'cat' }, { n: { $gte: 2 } }] } }
    },
    {
      label: 'get where $or',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { $or: [{ kind: 'fox' }, { ok: true }] } }
    },
    {
      label: 'get where_document $contains',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where_document: { $contains: 'dog' } }
    },
    {
      label: 'get where_document $not_contains',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where_document: { $not_contains: 'dog' } }
    },
    {
      label: 'get where and where_document',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { kind: 'cat' }, where_document: { $contains: 'Cats' } }
    },
    { label: 'get with an empty where', method: 'POST', path: rec('recs', 'get'), body: { where: {} } },
    { label: 'get with a string $gt', method: 'POST', path: rec('recs', 'get'), body: { where: { n: { $gt: 'x' } } } },
    { label: 'get with an empty $in', method: 'POST', path: rec('recs', 'get'), body: { where: { n: { $in: [] } } } },
    // A number list that starts with a float is a float list to Chroma, ints included.
    {
      label: 'get where $in float first',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { n: { $in: [4.5, 1] } } }
    },
    {
      label: 'get where $nin float first',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { n: { $nin: [4.5, 1] } } }
    },
    {
      label: 'get where $in float written 1.0 first',
      method: 'POST',
      path: rec('recs', 'get'),
      rawBody: '{"where":{"f":{"$in":[1.0,2.5]}}}'
    },
    {
      label: 'get where $in int first, then a float',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where: { n: { $in: [1, 4.5] } }, include: [] },
      quirk: {
        why:
          'Chroma reads a list by its first element: an int first wants only ints. A JS number does not ' +
          'say whether it was written 1 or 1.0 (Chroma accepts [1.0, 4.5]), so ours takes every number ' +
          'list as Chroma takes a float list (docs/decisions/0030)',
        chroma: { status: 400, body: { error: 'InvalidArgumentError', message: 'Invalid where clause' } },
        ours: {
          status: 200,
          body: { ids: ['a', 'd'], embeddings: null, documents: null, uris: null, metadatas: null, include: [] }
        }
      }
    },
    {
      label: 'query where $in float first',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 0, 0]], where: { n: { $in: [2.5, 4] } }, include: ['metadatas'] }
    },
    {
      label: 'get with a bad where_document',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { where_document: { $contains: 1 } }
    },
    { label: 'get with a bad include', method: 'POST', path: rec('recs', 'get'), body: { include: ['bogus'] } },
    { label: 'get with include as a string', method: 'POST', path: rec('recs', 'get'), body: { include: 'documents' } },
    { label: 'get with include data', method: 'POST', path: rec('recs', 'get'), body: { include: ['data'] } },
    {
      label: 'query with include data',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 0, 0]], include: ['metadatas', 'data'] }
    },
    { label: 'get with a negative limit', method: 'POST', path: rec('recs', 'get'), body: { limit: -1 } },
    { label: 'get with a string limit', method: 'POST', path: rec('recs', 'get'), body: { limit: 'x' } },
    {
      label: 'query',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 0, 0]], n_results: 3 }
    },
    {
      label: 'query two embeddings with where and include',
      method: 'POST',
      path: rec('recs', 'query'),
      body: {
        query_embeddings: [
          [0, 1, 0],
          [0.2, 0.3, 0.4]
        ],
        n_results: 10,
        where: { kind: { $ne: 'dog' } },
        include: ['embeddings', 'distances', 'uris']
      }
    },
    {
      label: 'query with where_document',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 1, 1]], where_document: { $contains: 'o' } }
    },
    {
      label: 'query n_results 0',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 1, 1]], n_results: 0 }
    },
    { label: 'query no embeddings', method: 'POST', path: rec('recs', 'query'), body: { query_embeddings: [] } },
    {
      label: 'query with wrong dimension',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 2]] }
    },
    { label: 'query without query_embeddings', method: 'POST', path: rec('recs', 'query'), body: { n_results: 1 } },
    {
      label: 'query with a negative n_results',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 2, 3]], n_results: -1 }
    },
    {
      label: 'query with an unknown id',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 2, 3]], ids: ['zzz'] }
    },
    {
      label: 'query restricted to ids',
      method: 'POST',
      path: rec('recs', 'query'),
      body: { query_embeddings: [[1, 2, 3]], ids: ['a', 'c'] }
    },
    {
      label: 'delete with limit and no where',
      method: 'POST',
      path: rec('recs', 'delete'),
      body: { limit: 1 },
      quirk: {
        why: 'Chroma 1.0 ignores the limit; later Chroma refuses it without a where clause (as we do)',
        chroma: { status: 200, body: {} },
        ours: {
          status: 400,
          body: {
            error: 'InvalidArgumentError',
            message: 'limit can only be specified when a where clause is provided'
          }
        }
      }
    },
    { label: 'delete with empty ids', method: 'POST', path: rec('recs', 'delete'), body: { ids: [] } },
    {
      label: 'delete by ids',
      method: 'POST',
      path: rec('recs', 'delete'),
      body: { ids: ['a', 'nope'] },
      quirk: {
        why: 'Chroma 1.0 answers {}; later Chroma reports {"deleted": n} (n = len(ids) when no where)',
        chroma: { status: 200, body: {} },
        ours: { status: 200, body: { deleted: 2 } }
      }
    },
    {
      label: 'delete by where',
      method: 'POST',
      path: rec('recs', 'delete'),
      body: { where: { kind: 'cat' } },
      quirk: {
        why: 'Chroma 1.0 answers {}; later Chroma reports the number deleted',
        chroma: { status: 200, body: {} },
        ours: { status: 200, body: { deleted: 1 } }
      }
    },
    { label: 'count after delete', method: 'GET', path: rec('recs', 'count') },
    {
      label: 'get after delete',
      method: 'POST',
      path: rec('recs', 'get'),
      body: { include: ['metadatas', 'documents', 'embeddings'] }
    },
    { label: 'record op with a bad id', method: 'POST', path: `${C}/not-a-uuid/get`, body: {} },
    { label: 'count with a bad id', method: 'GET', path: `${C}/not-a-uuid/count` },
    {
      label: 'record op on an unknown collection',
      method: 'POST',
      path: `${C}/00000000-0000-4000-8000-000000000000/add`,
      body: { ids: ['x'], embeddings: [[1]] },
      quirk: {
        why: TYPO,
        chroma: {
          status: 404,
          body: {
            error: 'NotFoundError',
            message: 'Collection [00000000-0000-4000-8000-000000000000] does not exists.'
          }
        },
        ours: {
          status: 404,
          body: { error: 'NotFoundError', message: notExist('00000000-0000-4000-8000-000000000000') }
        }
      }
    },

    // another tenant and database
    {
      label: 'create in acme/main',
      method: 'POST',
      path: '/api/v2/tenants/acme/databases/main/collections',
      body: { name: 'scoped', metadata: { where: 'acme' } }
    },
    { label: 'same name in the default database', method: 'POST', path: C, body: { name: 'scoped2' } },
    { label: 'get from acme/main', method: 'GET', path: '/api/v2/tenants/acme/databases/main/collections/scoped' },
    {
      label: 'not visible in the default database',
      method: 'GET',
      path: `${C}/scoped`,
      quirk: {
        why: TYPO,
        chroma: { status: 404, body: { error: 'NotFoundError', message: 'Collection [scoped] does not exists' } },
        ours: { status: 404, body: { error: 'NotFoundError', message: notExist('scoped') } }
      }
    },
    {
      label: 'add in acme/main',
      method: 'POST',
      path: '/api/v2/tenants/acme/databases/main/collections/{id:scoped}/add',
      body: {
        ids: ['s1', 's2'],
        embeddings: [
          [1, 2],
          [2, 1]
        ],
        documents: ['one', 'two']
      }
    },
    {
      label: 'query in acme/main',
      method: 'POST',
      path: '/api/v2/tenants/acme/databases/main/collections/{id:scoped}/query',
      body: { query_embeddings: [[1, 2]], n_results: 5 }
    },
    { label: 'count acme/main', method: 'GET', path: '/api/v2/tenants/acme/databases/main/collections_count' },
    { label: 'list acme/main', method: 'GET', path: '/api/v2/tenants/acme/databases/main/collections' },

    // a larger collection: ranking and distances
    {
      label: 'create bulk (cosine)',
      method: 'POST',
      path: C,
      body: { name: 'bulk', metadata: { 'hnsw:space': 'cosine' } }
    },
    { label: 'create bulk-l2', method: 'POST', path: C, body: { name: 'bulk-l2' } },
    {
      label: 'add bulk',
      method: 'POST',
      path: rec('bulk', 'add'),
      body: { ids: bulkIds, embeddings: bulkVectors, metadatas: bulkMeta }
    },
    {
      label: 'add bulk-l2',
      method: 'POST',
      path: rec('bulk-l2', 'add'),
      body: { ids: bulkIds, embeddings: bulkVectors, metadatas: bulkMeta }
    },
    ...queries.flatMap((q, i): Step[] => [
      {
        label: `bulk query ${i}`,
        method: 'POST',
        path: rec('bulk', 'query'),
        body: { query_embeddings: [q], n_results: 10, include: ['distances'] }
      },
      {
        label: `bulk-l2 query ${i}`,
        method: 'POST',
        path: rec('bulk-l2', 'query'),
        body: { query_embeddings: [q], n_results: 10, include: ['distances'] }
      },
      {
        label: `bulk-l2 filtered query ${i}`,
        method: 'POST',
        path: rec('bulk-l2', 'query'),
        body: {
          query_embeddings: [q],
          n_results: 7,
          where: { $and: [{ group: i }, { even: true }] },
          include: ['distances', 'metadatas']
        }
      }
    ]),
    { label: 'bulk count', method: 'GET', path: rec('bulk', 'count') },
    {
      label: 'bulk get page',
      method: 'POST',
      path: rec('bulk', 'get'),
      body: { limit: 5, offset: 100, include: ['embeddings', 'metadatas'] }
    }
  ]
}

// ---- the run --------------------------------------------------------------------------------------

let chroma: ChromaServer
let ours: RunningServer

beforeAll(async () => {
  chroma = await startChromaServer(60_000)
  ours = await startOurServer({ allowReset: false })
}, 90_000)

afterAll(async () => {
  await Promise.all([chroma?.stop(), ours?.stop()])
})

describe('v2 HTTP: real Chroma 1.0 vs ours', () => {
  it('answers every request of the scenario alike', async () => {
    const chromaSide: Side = { name: 'chroma', baseUrl: chroma.baseUrl, ids: new Map() }
    const ourSide: Side = { name: 'ours', baseUrl: ours.baseUrl, ids: new Map() }
    const failures: string[] = []
    const steps = scenario()
    for (const step of steps) {
      const [a, b] = [await send(chromaSide, step), await send(ourSide, step)]
      try {
        compareAnswers(a, b, step)
      } catch (e) {
        failures.push(
          `${step.label}: ${(e as Error).message}\n    chroma ${a.status} ${JSON.stringify(a.body).slice(0, 400)}\n    ours   ${b.status} ${JSON.stringify(b.body).slice(0, 400)}`
        )
      }
    }
    expect(failures, failures.join('\n')).toEqual([])
    expect(steps.length).toBeGreaterThan(100)
  }, 120_000)
})
