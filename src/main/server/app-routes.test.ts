import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EVENTS_PATH, RPC_PATH, type AppEvent } from '../../shared/contract.js'
import { startOurServer, type RunningServer } from './v2/test-server.js'

let server: RunningServer
beforeEach(async () => {
  server = await startOurServer()
})
afterEach(async () => server.stop())

const rpc = (channel: string, body: unknown) =>
  fetch(`${server.baseUrl}${RPC_PATH}/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  })

/** Reads server-sent events until `count` have arrived (or the stream is aborted). */
async function collectEvents(count: number, signal: AbortSignal, ready: () => void): Promise<AppEvent[]> {
  const response = await fetch(`${server.baseUrl}${EVENTS_PATH}`, { signal })
  expect(response.headers.get('content-type')).toBe('text/event-stream')
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader()
  const events: AppEvent[] = []
  let buffer = ''
  while (events.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += value
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
      error: { name: 'UniqueConstraintError', message: 'Collection [dup] already exists' }
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
