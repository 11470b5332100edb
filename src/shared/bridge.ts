import type { AppEvent, CallInput, CallOutput, CallResult, Channel } from './contract.js'

/** The whole surface the preload exposes to the renderer as `window.chromadesk`. */
export interface Bridge {
  invoke<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallResult<CallOutput<C>>>
  /** Subscribes to main's push events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void
}

export const BRIDGE_KEY = 'chromadesk'

/** The IPC channel main pushes AppEvents on (not a contract channel: the renderer cannot invoke it). */
export const EVENT_CHANNEL = 'chromadesk:event'
