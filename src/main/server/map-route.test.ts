import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EXPORT_PATH, MAP_PATH, RPC_PATH } from '../../shared/constants.js'
import type { CollectionSummary, JobStatus } from '../../shared/contract.js'
import { decodeMapLayout } from '../../shared/map-layout.js'
import { startOurServer, type RunningServer } from './v2/test-server.js'

let server: RunningServer
beforeEach(async () => {
  server = await startOurServer()
})
afterEach(async () => server.stop())

async function rpc<T>(channel: string, body: unknown): Promise<{ status: number; value: T }> {
  const response = await fetch(`${server.baseUrl}${RPC_PATH}/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...server.appHeaders },
    body: JSON.stringify(body)
  })
  const json = (await response.json()) as { value: T }
  return { status: response.status, value: json.value }
}

describe('the map route (browser mode)', () => {
  it('sends the layout as octet-stream bytes with the app key only; 204 before one exists', async () => {
    const { value: c } = await rpc<CollectionSummary>('collections.create', { name: 'mapped', embeddingModel: null })
    const records = Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, embedding: [i % 2, i / 40, 1] }))
    await rpc('records.add', { collectionId: c.id, records })
    const url = `${server.baseUrl}${MAP_PATH}/${c.id}`

    expect([401, 403]).toContain((await fetch(url)).status)
    expect((await fetch(url, { headers: server.appHeaders })).status).toBe(204)
    expect((await fetch(`${server.baseUrl}${MAP_PATH}/nope`, { headers: server.appHeaders })).status).toBe(404)
    // The bytes travel only by the route over HTTP, never as JSON numbers.
    expect((await rpc('collections.mapLayout', { collectionId: c.id })).status).toBe(404)

    const { value: job } = await rpc<JobStatus>('collections.mapStart', { collectionId: c.id })
    await server.ctx.jobs.settled(job.jobId)
    const response = await fetch(url, { headers: server.appHeaders })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    const layout = decodeMapLayout(new Uint8Array(await response.arrayBuffer()))
    expect(layout.header.ids).toHaveLength(40)
    expect(layout.coords).toHaveLength(80)
  }, 60_000)

  it('downloads an export of chosen ids posted as JSON, with the app key only', async () => {
    const { value: c } = await rpc<CollectionSummary>('collections.create', { name: 'picked', embeddingModel: null })
    const records = Array.from({ length: 30 }, (_, i) => ({ id: `r${i}`, embedding: [i, 1, 0] }))
    await rpc('records.add', { collectionId: c.id, records })
    const url = `${server.baseUrl}${EXPORT_PATH}/${c.id}`
    const post = (body: unknown, headers: Record<string, string> = server.appHeaders) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body)
      })

    expect([401, 403]).toContain((await post({ ids: ['r1'] }, {})).status)
    const bad = await post({ ids: [] })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(await bad.json())).toMatch(/ids/)

    const response = await post({ ids: ['r2', 'r29', 'r5'], format: 'jsonl' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-disposition')).toMatch(/picked\.jsonl/)
    const ids = (await response.text())
      .trim()
      .split('\n')
      .flatMap((line) => {
        const row = JSON.parse(line) as { id?: string }
        return row.id === undefined ? [] : [row.id]
      })
    expect(ids.sort()).toEqual(['r2', 'r29', 'r5'])
  }, 60_000)
})
