// Test-only entry for the index worker (testing/ folders are left out of every build): the real
// worker, plus a BroadcastChannel through which a test can hold the worker's thread (a worker that
// is slow to answer, without timing luck) or end it with an uncaught error (a fault). Tests pass
// HARNESS_ENTRY (harness.ts) as DatabaseOptions.indexWorker and drive it with WorkerHarness.
//
// Commands are handled between the worker's slices of ordered work, never inside hnswlib's addPoint,
// so a held worker can also be terminated safely (see decision 0015 on terminate()).
import { BroadcastChannel } from 'node:worker_threads'
import '../index-worker.js'
import { HARNESS_CHANNEL, type HarnessCommand } from './harness-protocol.js'

const channel = new BroadcastChannel(HARNESS_CHANNEL)
channel.unref() // the real worker's port decides when this thread ends
channel.onmessage = (event: unknown): void => {
  const command = (event as MessageEvent<HarnessCommand>).data
  channel.postMessage({ ack: command.id })
  switch (command.op) {
    case 'hold':
      // Blocks this thread (searches, ordered work, everything) until the test opens the gate.
      Atomics.wait(command.gate, 0, 0)
      return
    case 'crash':
      setImmediate(() => {
        throw new Error('index worker crash (test harness)')
      })
      return
  }
}
