// Copies through a real Chroma 1.0 server (the differential suite's oracle binary), both directions.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChromaServer, type ChromaServer } from '../engine/differential/chroma-server.js'
import { LocalConnection } from './local.js'
import { RemoteConnection } from './remote.js'
import { absorbFloatUlps, batchOf, expectSameRecords, makeRecords, readAll, runChroma } from './testing.js'
import { copyCollection } from './transfer.js'
import { PortabilityError, type CollectionEndpoint } from './types.js'

const CONFIG = {
  hnsw: {
    space: 'ip' as const,
    ef_construction: 150,
    ef_search: 60,
    max_neighbors: 24,
    resize_factor: 1.3,
    sync_threshold: 2000
  },
  embedding_function: { type: 'known', name: 'default', config: {} }
}

let root: string
let server: ChromaServer
let local: LocalConnection

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'portability-remote-'))
  server = await startChromaServer()
  local = LocalConnection.open(join(root, 'local'))
})

afterAll(async () => {
  await local?.close()
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('copy through a real Chroma 1.0 server', () => {
  it('copies 10,000 records local -> Chroma -> local with every field identical', { timeout: 240_000 }, async () => {
    // Chroma 1.0 has no list values in metadata, so this data set uses scalars of every type.
    const records = makeRecords(10_000, 64, 42, false)
    const src = await local.create({
      name: 'source',
      metadata: { topic: 'bench', n: 1 },
      configuration: CONFIG,
      dimension: null
    })
    for (let s = 0; s < records.ids.length; s += 2500) await src.add(batchOf(records, s, s + 2500))

    const remote = new RemoteConnection(server.baseUrl)
    const out = await copyCollection(local, remote, 'source', { as: 'remote-copy' })
    expect(out).toMatchObject({ copied: 10_000, total: 10_000, batches: 10, configurationDifferences: [] })
    const mid = (await remote.open('remote-copy')) as CollectionEndpoint
    expect(mid.spec.configuration).toEqual(CONFIG)
    expect(mid.spec.metadata).toEqual({ topic: 'bench', n: 1 })
    expect(await mid.count()).toBe(10_000)
    // Chroma 1.0 parses JSON numbers with serde_json's default (not correctly rounded) parser, so
    // some float metadata arrives a few units in the last place off. Everything else is exact, and what
    // Chroma stored comes back to us exactly (checked below against this read).
    const atChroma = await readAll(mid)
    const snapshot = new Map([...atChroma].map(([id, r]) => [id, { ...r, metadata: r.metadata && { ...r.metadata } }]))
    const offByOne = absorbFloatUlps(atChroma, records, 4)
    expectSameRecords(atChroma, records)

    const back = await copyCollection(remote, local, 'remote-copy', { as: 'round-trip' })
    expect(back).toMatchObject({ copied: 10_000, configurationDifferences: [] })
    const rt = (await local.open('round-trip')) as CollectionEndpoint
    const back10k = await readAll(rt)
    expect(back10k).toEqual(snapshot)
    expect(absorbFloatUlps(back10k, records, 4)).toBe(offByOne)
    expectSameRecords(back10k, records)
    expect(rt.spec.configuration).toEqual(CONFIG)
    expect(rt.spec.dimension).toBe(64)
    console.log(
      `copy 10k x 64: local -> Chroma ${Math.round(10_000 / out.seconds)}/s (${out.seconds.toFixed(2)} s), ` +
        `Chroma -> local ${Math.round(10_000 / back.seconds)}/s (${back.seconds.toFixed(2)} s); ` +
        `${offByOne} of ${records.ids.length * 2} float metadata values a few ulps off at Chroma`
    )
  })

  it('refuses list metadata for a Chroma 1.0 target with a clear message, before sending the batch', async () => {
    const records = makeRecords(5, 4, 3, true)
    const src = await local.create({ name: 'with-lists', metadata: null, configuration: CONFIG, dimension: null })
    await src.add(batchOf(records))
    const remote = new RemoteConnection(server.baseUrl)
    await expect(copyCollection(local, remote, 'with-lists')).rejects.toThrow(
      /has a list in metadata key "bools", which Chroma 1.0 servers .* do not accept.*holds the first 0 of 5/
    )
  })

  it('refuses sparse vector metadata for a Chroma 1.0 target with a clear message', async () => {
    const src = await local.create({ name: 'with-sparse', metadata: null, configuration: CONFIG, dimension: null })
    await src.add({
      ids: ['s1'],
      embeddings: [new Float32Array([1, 2, 3, 4])],
      documents: ['a'],
      metadatas: [{ bm25: { indices: [3], values: [0.5] } }],
      uris: [null]
    })
    const remote = new RemoteConnection(server.baseUrl)
    await expect(copyCollection(local, remote, 'with-sparse')).rejects.toThrow(
      /"s1" has a sparse vector in metadata key "bm25" .* which Chroma 1.0 servers do not accept/
    )
  })

  it('reports an unreachable server clearly', async () => {
    const nowhere = new RemoteConnection('http://127.0.0.1:9')
    await expect(copyCollection(local, nowhere, 'source')).rejects.toThrow(
      /cannot reach the Chroma server at http:\/\/127.0.0.1:9/
    )
  })
})

describe('a server that stops mid-copy', () => {
  it('leaves the target with whole batches only and a report of what was copied', { timeout: 120_000 }, async () => {
    const doomed = await startChromaServer()
    try {
      const remote = new RemoteConnection(doomed.baseUrl)
      const records = makeRecords(3000, 16, 7, false)
      const src = await local.create({ name: 'to-doomed', metadata: null, configuration: CONFIG, dimension: null })
      await src.add(batchOf(records))
      await copyCollection(local, remote, 'to-doomed', { as: 'doomed' })

      // Chroma -> local: the server dies after the second batch arrived.
      let stopped = false
      const err = (await copyCollection(remote, local, 'doomed', {
        as: 'from-doomed',
        batchSize: 500,
        onProgress: (p) => {
          if (p.done >= 1000 && !stopped) {
            stopped = true
            return doomed.stop()
          }
        }
      }).catch((e: unknown) => e)) as PortabilityError
      await doomed.stop()
      expect(err).toBeInstanceOf(PortabilityError)
      expect(err.message).toMatch(
        /Copy of "doomed" stopped: cannot reach the Chroma server at .*"from-doomed" at .* holds the first \d+ of 3000 records/
      )
      // The batch being read when the server went away may still have arrived; never part of one.
      const copied = (err.report as { copied: number }).copied
      expect(copied % 500).toBe(0)
      expect(copied).toBeGreaterThanOrEqual(1000)
      expect(copied).toBeLessThan(3000)
      const target = (await local.open('from-doomed')) as CollectionEndpoint
      expect(await target.count()).toBe(copied)
      const got = await readAll(target)
      absorbFloatUlps(got, records, 4)
      const firstN = {
        ids: records.ids.slice(0, copied),
        embeddings: records.embeddings.slice(0, copied),
        documents: records.documents.slice(0, copied),
        metadatas: records.metadatas.slice(0, copied),
        uris: records.uris.slice(0, copied)
      }
      expectSameRecords(got, firstN)

      // A stopped server as the target: refused up front with the same clear message.
      await expect(copyCollection(local, remote, 'to-doomed', { as: 'again' })).rejects.toThrow(
        /cannot reach the Chroma server/
      )
    } finally {
      await doomed.stop()
    }
  })

  it(
    'local -> Chroma killed mid-copy: after a restart the target holds exactly the reported batches',
    { timeout: 120_000 },
    async () => {
      const dir = join(root, 'kept-chroma')
      mkdirSync(dir)
      let chroma = await runChroma(dir)
      try {
        const records = makeRecords(2500, 16, 11, false)
        const src = await local.create({ name: 'to-killed', metadata: null, configuration: CONFIG, dimension: null })
        await src.add(batchOf(records))
        const err = (await copyCollection(local, new RemoteConnection(chroma.url), 'to-killed', {
          batchSize: 500,
          // Synchronous: the process is gone before the next batch is sent.
          onProgress: (p) => p.done === 1000 && chroma.killNow()
        }).catch((e: unknown) => e)) as PortabilityError
        expect(err).toBeInstanceOf(PortabilityError)
        expect(err.message).toMatch(
          /cannot reach the Chroma server .*holds the first 1000 of 2500 records \(whole batches only\)/
        )
        expect(err.report).toMatchObject({ copied: 1000, total: 2500, batches: 2 })

        await chroma.stop()
        chroma = await runChroma(dir)
        const target = (await new RemoteConnection(chroma.url).open('to-killed')) as CollectionEndpoint
        expect(await target.count()).toBe(1000)
        const got = await readAll(target)
        absorbFloatUlps(got, records, 4)
        expectSameRecords(got, {
          ids: records.ids.slice(0, 1000),
          embeddings: records.embeddings.slice(0, 1000),
          documents: records.documents.slice(0, 1000),
          metadatas: records.metadatas.slice(0, 1000),
          uris: records.uris.slice(0, 1000)
        })
      } finally {
        await chroma.stop()
      }
    }
  )
})
