/**
 * The one contract between the UI and the main side. Every call the renderer can make is listed here
 * with its input schema (validated in main by the same schema) and its output type. The Electron IPC
 * adapter (src/main/ipc) and the HTTP adapter (src/main/server, `POST /app/rpc/<channel>`) both
 * dispatch through it; the renderer's data layer (src/renderer/src/lib) is typed by it.
 */
import { z } from 'zod'

/** Declares a call: its input schema and (as a type only) its output. */
function call<Output>() {
  return <Input extends z.ZodType>(input: Input) => ({ input, output: undefined as unknown as Output })
}

export interface AppStatus {
  app: { name: string; version: string }
  engine: {
    /** Chroma API version the engine speaks. */
    version: string
    /** Engine heartbeat in nanoseconds since the epoch (as a string: it exceeds 2^53). */
    heartbeat: string
    mode: 'persistent' | 'memory'
    /** Data directory, null in memory mode. */
    path: string | null
    collections: number
  }
  /** Where the UI is running: the Electron window or a browser against the local server. */
  transport: 'ipc' | 'http'
}

export const contract = {
  'system.status': call<Omit<AppStatus, 'transport'>>()(z.object({}).strict())
} as const

export type Contract = typeof contract
export type Channel = keyof Contract
export type CallInput<C extends Channel> = z.input<Contract[C]['input']>
export type CallOutput<C extends Channel> = Contract[C]['output']

export const channels = Object.keys(contract) as Channel[]

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(contract, name)
}

/** Errors cross process and network boundaries as data: custom error classes do not survive IPC. */
export interface CallError {
  name: string
  message: string
}
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError }

/** Prefix of the HTTP adapter's routes on the local server. */
export const RPC_PATH = '/app/rpc'
