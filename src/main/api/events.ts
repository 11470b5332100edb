import { EventEmitter } from 'node:events'
import type { AppEvent } from '../../shared/contract.js'

/** Push events for the UI; the IPC and HTTP adapters each forward them to their clients. */
export class AppEvents {
  private readonly emitter = new EventEmitter()

  constructor() {
    // One listener per open window or browser tab; many tabs are not a leak.
    this.emitter.setMaxListeners(0)
  }

  emit(event: AppEvent): void {
    this.emitter.emit('event', event)
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (event: AppEvent) => void): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }
}
