import type { CallInput, CallOutput, CallResult, Channel } from './contract.js'

/** The whole surface the preload exposes to the renderer as `window.chromadesk`. */
export interface Bridge {
  invoke<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallResult<CallOutput<C>>>
}

export const BRIDGE_KEY = 'chromadesk'
