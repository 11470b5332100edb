import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EVENTS_PATH, RPC_PATH } from '../../shared/constants.js'
import type { AppEvent } from '../../shared/contract.js'
import { startOurServer, type RunningServer } from './v2/test-server.js'

let server: RunningServer
beforeEach(async () => {
  server = await startOurServer()
})
afterEach(async () => server.stop())

const rpc = (channel: string, body: unknown) =>
  fetch(`${server.baseUrl}${RPC_PATH}/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...server.appHeaders },
    body: JSON.stringify(body)
  })

/** Reads server-sent events until `count` have arrived (or the stream is aborted). */
async function collectEvents(count: number, signal: AbortSignal, ready: () => void): Promise<AppEvent[]> {
  const response = await fetch(`${server.baseUrl}${EVENTS_PATH}`, { signal, headers: server.appHeaders })
  expect(response.headers.get('content-type')).toBe('text/event-stream')
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const events: AppEvent[] = []
  let buffer = ''
  while (events.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    if (buffer.includes(': connected')) ready()
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      if (frame.startsWith('data: ')) events.push(JSON.parse(frame.slice(6)) as AppEvent)
    }
  }
  await reader.cancel()
  return events
}

describe('app routes', () => {
  it('maps contract errors to HTTP statuses with the engine message in the body', async () => {
    const created = await rpc('collections.create', { name: 'dup', embeddingModel: null })
    expect(created.status).toBe(200)
    const again = await rpc('collections.create', { name: 'dup', embeddingModel: null })
    expect(again.status).toBe(409)
    expect(await again.json()).toEqual({
      ok: false,
      error: { name: 'UniqueConstraintError', message: 'Collection [dup] already exists', status: 409 }
    })
    expect((await rpc('collections.get', { id: 'missing' })).status).toBe(404)
    expect((await rpc('records.page', { collectionId: 'x', limit: 0, offset: 0 })).status).toBe(400)
    expect((await rpc('settings.get', {})).status).toBe(404)
  })

  it('streams app events, including writes made by scripts through the Chroma API', async () => {
    const controller = new AbortController()
    let ready!: () => void
    const connected = new Promise<void>((r) => (ready = r))
    const received = collectEvents(3, controller.signal, ready)
    await connected
    const created = (await (await rpc('collections.create', { name: 'live', embeddingModel: null })).json()) as {
      value: { id: string }
    }
    // A script's read is a POST too; it must not announce a change.
    const read = await fetch(
      `${server.baseUrl}/api/v2/tenants/default_tenant/databases/default_database/collections/${created.value.id}/query`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query_embeddings: [[1, 2]], n_results: 1 })
      }
    )
    expect(read.status).toBe(200)
    await rpc('records.add', { collectionId: created.value.id, records: [{ id: 'a', embedding: [1, 2] }] })
    const chroma = await fetch(
      `${server.baseUrl}/api/v2/tenants/default_tenant/databases/default_database/collections/${created.value.id}/add`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ids: ['b'], embeddings: [[3, 4]] })
      }
    )
    expect(chroma.status).toBe(201)
    expect(await received).toEqual([
      { type: 'collections-changed' },
      { type: 'records-changed', collectionId: created.value.id },
      { type: 'collections-changed' }
    ])
    controller.abort()
  })
})

describe('export download and import from the UI', () => {
  it('round-trips a collection through the browser download and an upload', async () => {
    const created = (await (await rpc('collections.create', { name: 'portable', embeddingModel: null })).json()) as {
      value: { id: string }
    }
    const records = [
      { id: 'a', embedding: [0.1, -0.0, 3.5], document: 'first', metadata: { n: 1, f: 1.5, ok: true, s: 'x' } },
      { id: 'b', embedding: [1e-7, 2, -3], document: null, metadata: null }
    ]
    await rpc('records.add', { collectionId: created.value.id, records })
    const download = await fetch(`${server.baseUrl}/app/export/${created.value.id}`, { headers: server.appHeaders })
    expect(download.status).toBe(200)
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="portable.jsonl"; filename*=UTF-8''portable.jsonl`
    )
    const text = await download.text()
    expect(text.trim().split('\n')).toHaveLength(4)

    const upload = (await (
      await rpc('ingest.upload', { files: [{ name: 'portable.jsonl', data: Buffer.from(text).toString('base64') }] })
    ).json()) as { value: { uploadId: string } }
    const clash = await rpc('collections.import', { uploadId: upload.value.uploadId, file: 'portable.jsonl' })
    expect(clash.status).toBe(400)
    const refusal = ((await clash.json()) as { error: { message: string } }).error.message
    expect(refusal).toContain('2 of the 2 ids in portable.jsonl already exist in "portable"')
    const imported = await rpc('collections.import', {
      uploadId: upload.value.uploadId,
      file: 'portable.jsonl',
      name: 'portable-copy'
    })
    expect(await imported.json()).toMatchObject({
      ok: true,
      value: { collection: 'portable-copy', created: true, records: 2, imported: 2 }
    })
    const list = (await (await rpc('collections.list', {})).json()) as { value: { id: string; name: string }[] }
    const copy = list.value.find((c) => c.name === 'portable-copy')!
    const read = async (id: string) =>
      (
        (await (await rpc('records.get', { collectionId: id, ids: ['a', 'b'], embeddings: true })).json()) as {
          value: unknown
        }
      ).value
    expect(await read(copy.id)).toEqual(await read(created.value.id))
    const missing = await fetch(`${server.baseUrl}/app/export/nope`, { headers: server.appHeaders })
    expect(missing.status).toBe(404)
  })

  it('downloads Parquet with ?format=parquet, imports it by its content, refuses other formats', async () => {
    const created = (await (await rpc('collections.create', { name: 'columnar', embeddingModel: null })).json()) as {
      value: { id: string }
    }
    const records = [{ id: 'a', embedding: [0.5, -0.0], document: 'one', metadata: { n: 1 } }]
    await rpc('records.add', { collectionId: created.value.id, records })
    const url = `${server.baseUrl}/app/export/${created.value.id}`
    const download = await fetch(`${url}?format=parquet`, { headers: server.appHeaders })
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('application/vnd.apache.parquet')
    expect(download.headers.get('content-disposition')).toContain('filename="columnar.parquet"')
    const bytes = Buffer.from(await download.arrayBuffer())
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1')
    const upload = (await (
      await rpc('ingest.upload', { files: [{ name: 'columnar.parquet', data: bytes.toString('base64') }] })
    ).json()) as { value: { uploadId: string } }
    const imported = await rpc('collections.import', {
      uploadId: upload.value.uploadId,
      file: 'columnar.parquet',
      name: 'columnar-copy'
    })
    expect(await imported.json()).toMatchObject({ ok: true, value: { collection: 'columnar-copy', imported: 1 } })
    const other = await fetch(`${url}?format=csv`, { headers: server.appHeaders })
    expect(other.status).toBe(400)
    expect(((await other.json()) as { error: { message: string } }).error.message).toBe(
      'Unknown export format "csv" (jsonl or parquet)'
    )
  })
})

describe('backup download', () => {
  it('needs the app key, hands out only a finished backup, and refuses an in-memory database', async () => {
    const anonymous = await fetch(`${server.baseUrl}/app/backup/some-job`)
    expect([401, 403]).toContain(anonymous.status)
    const unknown = await fetch(`${server.baseUrl}/app/backup/some-job`, { headers: server.appHeaders })
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      'No backup of job some-job is waiting for its download'
    )
    const started = await rpc('database.backup', {})
    expect(started.status).toBe(400)
    expect(((await started.json()) as { error: { message: string } }).error.message).toContain(
      'in-memory database: there is no data directory to back up'
    )
  })
})
