// Chromadesk: replaces upstream's global setup (which starts a Chroma server from the repository's
// build and a teardown file that stops it). Each test file gets our server in-process with an
// in-memory database, so files can run in parallel and one file's reset() never hits another's.
import { afterAll } from 'vitest'
import { startOurServer } from '../../../test-server.js'

const server = await startOurServer({ allowReset: true })
process.env.DEFAULT_CHROMA_INSTANCE_URL = server.baseUrl
process.env.DEFAULT_CHROMA_INSTANCE_HOST = server.host
process.env.DEFAULT_CHROMA_INSTANCE_PORT = String(server.port)

afterAll(async () => {
  await server.stop()
})
