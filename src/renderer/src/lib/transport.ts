import { BRIDGE_KEY, type Bridge } from '../../../shared/bridge'
import type { AppEvent, CallInput, CallOutput, CallResult, Channel } from '../../../shared/contract'
import { APP_KEY_ERROR, APP_KEY_HEADER, EVENTS_PATH, RPC_PATH } from '../../../shared/constants'

/** sessionStorage key under which browser mode keeps this server run's app key for the tab. */
export const APP_KEY_STORAGE_KEY = 'chromadesk.appKey'

/** How the UI reaches the main side: Electron IPC in the desktop window, HTTP in browser mode. */
export interface Transport {
  kind: 'ipc' | 'http'
  call<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>>
  /** Main's push events; returns the unsubscribe function. */
  subscribe(listener: (event: AppEvent) => void): () => void
  /** Browser mode: fetches a file the server produces (an export), with the app key; a body is POSTed as JSON. */
  download?(path: string, body?: unknown): Promise<Blob>
}

/** A failed call, carrying the engine's error name and message unchanged. */
export class CallFailed extends Error {
  constructor(
    readonly errorName: string,
    message: string,
    /** The status main answered with, when the call reached it. */
    readonly status?: number
  ) {
    super(message)
    this.name = errorName
  }
}

function unwrap<T>(result: CallResult<T>): T {
  if (result.ok) return result.value
  throw new CallFailed(result.error.name, result.error.message, result.error.status)
}

/**
 * React Query's retry policy for every query: a call main refused (4xx: a bad filter, a missing
 * collection) answers the same when asked again, so its message shows at once; others get one retry.
 * 429 is not a refusal: the engine is busy for a moment (compacting, loading an index: "Retry shortly").
 */
export function retryUnlessRefused(failures: number, error: unknown): boolean {
  const refused =
    error instanceof CallFailed && error.status !== undefined && error.status < 500 && error.status !== 429
  return !refused && failures < 1
}

export function ipcTransport(bridge: Bridge): Transport {
  return {
    kind: 'ipc',
    call: async (channel, input) => unwrap(await bridge.invoke(channel, input)),
    subscribe: (listener) => bridge.onEvent(listener)
  }
}

/** The app key's header, when there is a key. */
function keyHeaders(appKey: string | undefined): Record<string, string> {
  return appKey ? { [APP_KEY_HEADER]: appKey } : {}
}

export function httpTransport(baseUrl = '', appKey?: string): Transport {
  return {
    kind: 'http',
    async call(channel, input) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', ...keyHeaders(appKey) }
      let response: Response
      try {
        response = await fetch(`${baseUrl}${RPC_PATH}/${channel}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(input ?? {})
        })
      } catch {
        throw new CallFailed('ConnectionError', 'Cannot reach the Chromadesk server. Is `npm run serve` still running?')
      }
      const body = (await response.json().catch(() => null)) as
        CallResult<CallOutput<typeof channel>> | { error?: string; message?: string } | null
      if (body && 'ok' in body) return unwrap(body)
      if (body?.error === APP_KEY_ERROR) throw new CallFailed(APP_KEY_ERROR, APP_KEY_MESSAGE)
      throw new CallFailed(body?.error ?? 'HttpError', body?.message ?? `HTTP ${response.status}`)
    },
    subscribe(listener) {
      return subscribeToEvents(`${baseUrl}${EVENTS_PATH}`, appKey, listener)
    },
    async download(path, body) {
      const response = await fetch(
        `${baseUrl}${path}`,
        body === undefined
          ? { headers: keyHeaders(appKey) }
          : {
              method: 'POST',
              headers: { ...keyHeaders(appKey), 'Content-Type': 'application/json' },
              body: JSON.stringify(body)
            }
      )
      if (!response.ok) {
        // A failed call ({ ok: false, error }) or a refusal by the server's guard ({ error, message }).
        const body = (await response.json().catch(() => null)) as {
          error?: { name: string; message: string } | string
          message?: string
        } | null
        const error = typeof body?.error === 'object' ? body.error : undefined
        const name = error?.name ?? (typeof body?.error === 'string' ? body.error : 'HttpError')
        throw new CallFailed(name, error?.message ?? body?.message ?? `HTTP ${response.status}`)
      }
      return response.blob()
    }
  }
}

/**
 * Reads the server's event stream with fetch (EventSource cannot send the key header) and
 * reconnects after a drop, announcing it as a change so views refetch what they may have missed.
 */
function subscribeToEvents(url: string, appKey: string | undefined, listener: (event: AppEvent) => void): () => void {
  const controller = new AbortController()
  const headers = keyHeaders(appKey)
  const run = async (): Promise<void> => {
    let retryMs = 500
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(url, { headers, signal: controller.signal })
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
        retryMs = 500
        listener({ type: 'collections-changed' })
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value
          let end: number
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const data = frame
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n')
            if (data) listener(JSON.parse(data) as AppEvent)
          }
        }
      } catch {
        if (controller.signal.aborted) return
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs))
      retryMs = Math.min(retryMs * 2, 10_000)
    }
  }
  void run()
  return () => controller.abort()
}

/** What a browser-mode page without this run's key is told. */
export const APP_KEY_MESSAGE =
  'This page needs the key of this server run: open the UI from the link the server printed at start (it ends in #key=...).'

/**
 * Picks the transport for where the UI runs. In browser mode the server run's app key comes in the
 * URL fragment (never sent to the server, never in its logs); it is kept for the tab and taken out
 * of the address bar, so it is not bookmarked or shared with the link.
 */
export function detectTransport(win: Window = window): Transport {
  const bridge = (win as unknown as Record<string, Bridge | undefined>)[BRIDGE_KEY]
  if (bridge) return ipcTransport(bridge)
  const fragment = new URLSearchParams(win.location.hash.slice(1))
  const fromLink = fragment.get('key')
  if (fromLink) {
    win.sessionStorage.setItem(APP_KEY_STORAGE_KEY, fromLink)
    fragment.delete('key')
    const rest = fragment.toString()
    win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}${rest ? `#${rest}` : ''}`)
  }
  return httpTransport('', win.sessionStorage.getItem(APP_KEY_STORAGE_KEY) ?? undefined)
}
