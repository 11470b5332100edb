import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { EVENT_CHANNEL } from '../../shared/bridge.js'
import type { AppEvents } from '../api/events.js'
import { channels } from '../../shared/contract.js'
import { dispatch, type Handlers } from '../api/dispatch.js'

/** Is this IPC call from a frame of the app itself (not a navigated-away or injected frame)? */
export type SenderCheck = (frameUrl: string | undefined) => boolean

export function appOriginCheck(allowedOrigins: string[]): SenderCheck {
  return (frameUrl) => {
    if (!frameUrl) return false
    try {
      // URL.origin is "null" for custom schemes such as app://, so compare scheme and host.
      const url = new URL(frameUrl)
      return allowedOrigins.includes(`${url.protocol}//${url.host}`)
    } catch {
      return false
    }
  }
}

/** Registers one IPC handler per contract channel; every call is sender-checked and validated. */
export function registerIpc(ipc: Pick<IpcMain, 'handle'>, handlers: Handlers, isAppSender: SenderCheck): void {
  for (const channel of channels) {
    ipc.handle(channel, async (event: IpcMainInvokeEvent, input: unknown) => {
      if (!isAppSender(event.senderFrame?.url)) {
        return {
          ok: false,
          error: { name: 'AuthError', message: `Refused ${channel}: the caller is not the app`, status: 403 }
        }
      }
      return dispatch(handlers, channel, input, { revealUnexpected: true })
    })
  }
}

/** Pushes every AppEvent to the app's windows; returns the unsubscribe function. */
export function forwardEvents(
  events: AppEvents,
  targets: () => Pick<WebContents, 'send' | 'isDestroyed'>[]
): () => void {
  return events.subscribe((event) => {
    for (const contents of targets()) if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event)
  })
}
