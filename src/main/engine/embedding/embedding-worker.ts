// Worker-thread entry. One worker serves every embedding function in the process: models are loaded
// per handle (shared by settings through the runner pool) and jobs run one at a time, since they
// compete for the same cores anyway. A 'cancel' message aborts its job at the next batch boundary.
import { parentPort } from 'node:worker_threads'
import { toWireError } from './errors.js'
import { acquireRunner, type RunnerLease } from './runner-pool.js'
import type { FromWorker, ToWorker } from './worker-protocol.js'

const port = parentPort
if (port === null) throw new Error('embedding-worker must run in a worker thread')
const post = (message: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer)

const leases = new Map<number, RunnerLease>()
const jobs = new Map<number, AbortController>()
let queue: Promise<unknown> = Promise.resolve()

async function runJob(message: Extract<ToWorker, { type: 'embed' }>, controller: AbortController): Promise<void> {
  try {
    const lease = leases.get(message.handle)
    if (lease === undefined) throw new Error('Embedding model was closed')
    const runner = await lease.runner
    const result = await runner.embed(message.texts, {
      padding: message.padding,
      batchSize: message.batchSize,
      signal: controller.signal,
      onBatch: (done) => post({ type: 'embed-progress', id: message.id, done })
    })
    post({ type: 'result', id: message.id, data: result.data, dimension: result.dimension }, [
      result.data.buffer as ArrayBuffer
    ])
  } catch (error) {
    post({ type: 'error', id: message.id, error: toWireError(error) })
  } finally {
    jobs.delete(message.id)
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'load': {
      const { handle } = message
      const lease = acquireRunner(
        message.settings,
        message.reportProgress ? (event) => post({ type: 'load-progress', handle, event }) : undefined
      )
      leases.set(handle, lease)
      lease.runner.then(
        () => post({ type: 'loaded', handle }),
        (error: unknown) => {
          lease.release()
          leases.delete(handle)
          post({ type: 'load-error', handle, error: toWireError(error) })
        }
      )
      break
    }
    case 'unload':
      leases.get(message.handle)?.release()
      leases.delete(message.handle)
      break
    case 'embed': {
      const controller = new AbortController()
      jobs.set(message.id, controller)
      queue = queue.then(() => runJob(message, controller))
      break
    }
    case 'cancel':
      jobs.get(message.id)?.abort()
      break
  }
})
