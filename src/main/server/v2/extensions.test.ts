// Chromadesk's extension routes under Chroma's v2 collection path (docs/extensions.md): count with a
// filter, and facets. Sent as a script would, over the real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOurServer, type RunningServer } from './test-server.js'

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'
let server: RunningServer
let id: string

async function post(path: string, body?: unknown, text?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(server.baseUrl + path, {
    method: 'POST',
    headers: body === undefined && text === undefined ? {} : { 'content-type': 'application/json' },
    body: text ?? (body === undefined ? undefined : JSON.stringify(body))
  })
  return { status: res.status, json: await res.json() }
}

beforeAll(async () => {
  server = await startOurServer()
  id = ((await post(C, { name: 'ext' })).json as { id: string }).id
  const kinds = ['pdf', 'pdf', 'txt', 'md']
  const added = await post(`${C}/${id}/add`, {
    ids: kinds.map((_, i) => `d${i}`),
    embeddings: kinds.map((_, i) => [i, 0]),
    documents: kinds.map((k) => `a ${k} file`),
    metadatas: kinds.map((k, i) => ({ kind: k, pages: (i + 1) * 10 }))
  })
  expect(added.status).toBe(201)
})

afterAll(async () => {
  await server?.stop()
})

describe('POST .../collections/{id}/chromadesk/count', () => {
  it('counts the records a filter selects, or all of them without a body', async () => {
    expect(await post(`${C}/${id}/chromadesk/count`, { where: { kind: 'pdf' } })).toEqual({ status: 200, json: 2 })
    expect(await post(`${C}/${id}/chromadesk/count`, { where_document: { $contains: 'md' } })).toEqual({
      status: 200,
      json: 1
    })
    expect(await post(`${C}/${id}/chromadesk/count`)).toEqual({ status: 200, json: 4 })
    expect(await post(`${C}/${id}/chromadesk/count`, {})).toEqual({ status: 200, json: 4 })
  })

  it('answers a bad filter with 400, a bad body with 4xx and an unknown collection with 404', async () => {
    expect((await post(`${C}/${id}/chromadesk/count`, { where: { kind: { $nope: 1 } } })).status).toBe(400)
    expect((await post(`${C}/${id}/chromadesk/count`, [1])).status).toBe(422)
    expect((await post(`${C}/${id}/chromadesk/count`, undefined, '{oops')).status).toBe(400)
    const nf = await post(`${C}/00000000-0000-4000-8000-000000000000/chromadesk/count`, {})
    expect(nf).toMatchObject({ status: 404, json: { error: 'NotFoundError' } })
  })
})

describe('POST .../collections/{id}/chromadesk/facets', () => {
  it('returns the top values with counts and the number range', async () => {
    expect(await post(`${C}/${id}/chromadesk/facets`, { key: 'kind', limit: 2 })).toEqual({
      status: 200,
      json: {
        key: 'kind',
        records: 4,
        distinct: 3,
        values: [
          { value: 'pdf', count: 2 },
          { value: 'md', count: 1 }
        ],
        min: null,
        max: null
      }
    })
    const pages = await post(`${C}/${id}/chromadesk/facets`, { key: 'pages', where: { kind: 'pdf' } })
    expect(pages.json).toMatchObject({ records: 2, min: 10, max: 20 })
  })

  it('requires a key and checks types as Chroma checks bodies', async () => {
    const missing = await post(`${C}/${id}/chromadesk/facets`, {})
    expect(missing.status).toBe(422)
    expect((missing.json as { message: string }).message).toContain('missing field `key`')
    expect((await post(`${C}/${id}/chromadesk/facets`, { key: 'kind', limit: 'x' })).status).toBe(422)
    expect((await post(`${C}/${id}/chromadesk/facets`, { key: 'kind', limit: 0 })).status).toBe(400)
    expect((await post(`${C}/${id}/chromadesk/facets`)).status).toBe(400)
  })
})
