/**
 * `npx tsx bench/rest-load.bench.ts`: 16 concurrent clients mixing adds and queries against our
 * server (its own process, loopback) for LOAD_SECONDS (default 60). Fails on any error or when the
 * final count differs from the acknowledged adds.
 */
import { formatLoad, runLoad } from '../src/main/server/v2/load.js'
import { machine, startOurServerProcess } from './rest-server.js'

const seconds = Number(process.env.LOAD_SECONDS ?? 60)
const server = await startOurServerProcess()
try {
  console.log(`REST load: ${machine()}`)
  const result = await runLoad({ baseUrl: server.baseUrl, seconds, clients: 16 })
  console.log(formatLoad(result))
  if (result.errors.length > 0) {
    console.error(result.errors.join('\n'))
    process.exitCode = 1
  }
  if (result.finalCount !== result.acknowledgedRecords) {
    console.error(`count ${result.finalCount} != acknowledged ${result.acknowledgedRecords}`)
    process.exitCode = 1
  }
} finally {
  await server.stop()
}
