// Chroma's API under a busy index worker: a write that finds the worker's backlog full, or a query
// the worker cannot answer, waits for it without blocking the server (decision 0050), instead of
// failing with a busy error that the official clients do not retry.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EngineClient } from '../../api/context.js'
import { ChromaDatabase, EXACT_SCAN_FALLBACK } from '../../engine/database.js'
import { randomVectors } from '../../engine/testing/synthetic.js'
import { HARNESS_ENTRY, WorkerHarness } from '../../engine/vector-index/testing/harness.js'
import { v2Routes } from './routes.js'

const C = '/api/v2/tenants/default_tenant/databases/default_database/collections'
let dir: string
let harness: WorkerHarness
let db: ChromaDatabase
let app: FastifyInstance
const holds: (() => void)[] = []

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-backpressure-'))
  harness = new WorkerHarness()
  db = new ChromaDatabase({
    path: dir,
    maxIndexLag: 1_000_000,
    indexWorker: HARNESS_ENTRY,
    maxIndexBacklog: { ops: 5, labels: 100_000, bytes: 64 * 1024 * 1024 }
  })
  app = Fastify()
  await app.register(v2Routes, { prefix: '/api/v2', client: { db } as EngineClient })
})
afterEach(async () => {
  for (const release of holds.splice(0)) release()
  await app.close()
  harness.close()
  await db.closeAsync()
  rmSync(dir, { recursive: true, force: true })
})

/** Whether `pending` settles before a second has passed (the held worker never lets it by itself). */
async function settlesWhileHeld(pending: Promise<unknown>): Promise<boolean> {
  const timer = new Promise<false>((r) => setTimeout(() => r(false), 1_000))
  return Promise.race([pending.then(() => true), timer])
}

describe("Chroma's API while the index worker is busy", () => {
  it('holds an add until the backlog has room, then stores it (no busy error)', async () => {
    const id = db.createCollection(
      { tenant: 'default_tenant', database: 'default_database' },
      { name: 'backpressure' }
    ).id
    db.add(id, { ids: ['a'], embeddings: [[1, 0]] })
    await db.settleIndexes()
    const release = await harness.hold()
    holds.push(release)
    // Fill the backlog (5 operations) while the worker is held.
    for (let i = 0; i < 5; i++) db.add(id, { ids: [`fill${i}`], embeddings: [[i, 1]] })
    const add = app.inject({
      method: 'POST',
      url: `${C}/${id}/add`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ ids: ['late'], embeddings: [[9, 9]] })
    })
    expect(await settlesWhileHeld(add)).toBe(false)
    release()
    const answer = await add
    expect(answer.statusCode).toBe(201)
    expect(db.count(id)).toBe(7)
  }, 60_000)

  it('holds a query the worker cannot answer on a collection too large to scan, then answers it', async () => {
    const id = db.createCollection({ tenant: 'default_tenant', database: 'default_database' }, { name: 'big' }).id
    const n = EXACT_SCAN_FALLBACK.rows + 1
    const points = randomVectors(n, 4, 3)
    for (let s = 0; s < n; s += 5000) {
      const part = points.slice(s, s + 5000)
      await db.writeWhenRoom(id, () =>
        db.add(id, { ids: part.map((_, i) => `p${s + i}`), embeddings: part.map((v) => Array.from(v)) })
      )
    }
    await db.settleIndexes()
    const release = await harness.hold()
    holds.push(release)
    const query = app.inject({
      method: 'POST',
      url: `${C}/${id}/query`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ query_embeddings: [Array.from(points[42] as Float32Array)], n_results: 1 })
    })
    expect(await settlesWhileHeld(query)).toBe(false)
    release()
    const answer = await query
    expect(answer.statusCode).toBe(200)
    expect((answer.json() as { ids: string[][] }).ids[0]).toEqual(['p42'])
  }, 120_000)
})
