// A free TCP port on the loopback interface, for tests and benchmarks that start servers.
import { createServer } from 'node:net'

export const LOOPBACK = '127.0.0.1'

/** Asks the OS for an unused port by listening on port 0, then releases it for the caller. */
export async function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, host, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}
