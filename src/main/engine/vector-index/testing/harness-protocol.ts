// Messages between a test (harness.ts) and the index worker harness (index-worker-harness.ts).
export const HARNESS_CHANNEL = 'chromadesk-index-worker-harness'

export type HarnessCommand = { op: 'hold'; id: number; gate: Int32Array } | { op: 'crash'; id: number }

export interface HarnessAck {
  ack: number
}
