// Test side of the index worker harness (index-worker-harness.ts): hold the worker's thread, let it
// go, or crash it. One harness worker at a time: commands go to every harness worker listening.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BroadcastChannel } from 'node:worker_threads'
import { HARNESS_CHANNEL, type HarnessAck, type HarnessCommand } from './harness-protocol.js'

/** Pass as DatabaseOptions.indexWorker. */
export const HARNESS_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'index-worker-harness.ts')

type Command = HarnessCommand extends infer C ? (C extends HarnessCommand ? Omit<C, 'id'> : never) : never

export class WorkerHarness {
  private readonly channel = new BroadcastChannel(HARNESS_CHANNEL)
  private nextId = 1
  private readonly acked = new Set<number>()

  constructor() {
    this.channel.onmessage = (event: unknown): void => {
      this.acked.add(((event as MessageEvent<HarnessAck>).data as HarnessAck).ack)
    }
  }

  /** Sends a command until the worker acknowledges it (its channel may not be open yet). */
  private async send(command: Command, ms = 30_000): Promise<void> {
    const id = this.nextId++
    const end = Date.now() + ms
    while (!this.acked.has(id)) {
      if (Date.now() > end) throw new Error(`index worker harness did not acknowledge ${command.op}`)
      this.channel.postMessage({ ...command, id })
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Blocks the worker's thread until the returned function is called. */
  async hold(): Promise<() => void> {
    const gate = new Int32Array(new SharedArrayBuffer(4))
    await this.send({ op: 'hold', gate })
    return () => {
      Atomics.store(gate, 0, 1)
      Atomics.notify(gate, 0)
    }
  }

  /** Ends the worker with an uncaught error, as a fault would. */
  async crash(): Promise<void> {
    await this.send({ op: 'crash' })
  }

  close(): void {
    this.channel.close()
  }
}
