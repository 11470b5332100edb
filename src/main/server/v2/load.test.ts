// Bounded load on loopback: 16 concurrent clients mixing adds and queries for LOAD_SECONDS (default
// 10 s). No request may fail and the final count must equal the acknowledged adds. The 60 s run is
// bench/rest-load.bench.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatLoad, runLoad } from './load.js'
import { startOurServer, type RunningServer } from './test-server.js'

const SECONDS = Number(process.env.LOAD_SECONDS ?? 10)

let server: RunningServer

beforeAll(async () => {
  server = await startOurServer()
})

afterAll(async () => {
  await server?.stop()
})

describe('v2 server under concurrent load', () => {
  it(
    `16 clients, ${SECONDS} s of mixed adds and queries`,
    async () => {
      const result = await runLoad({ baseUrl: server.baseUrl, seconds: SECONDS, clients: 16 })
      console.log(formatLoad(result))
      expect(result.errors).toEqual([])
      expect(result.adds.count).toBeGreaterThan(0)
      expect(result.queries.count).toBeGreaterThan(0)
      expect(result.finalCount).toBe(result.acknowledgedRecords)
    },
    (SECONDS + 60) * 1000
  )
})
