import { beforeEach, describe, expect, it, vi } from 'vitest'

const exposed: Record<string, unknown> = {}
const listeners = new Map<string, ((event: unknown, data: unknown) => void)[]>()
const ipcRenderer = {
  invoke: vi.fn(async (channel: string, input: unknown) => ({ ok: true, value: { channel, input } })),
  on: vi.fn((channel: string, fn: (event: unknown, data: unknown) => void) => {
    listeners.set(channel, [...(listeners.get(channel) ?? []), fn])
  }),
  off: vi.fn((channel: string, fn: (event: unknown, data: unknown) => void) => {
    listeners.set(
      channel,
      (listeners.get(channel) ?? []).filter((l) => l !== fn)
    )
  })
}

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer
}))

beforeEach(async () => {
  vi.resetModules()
  listeners.clear()
  await import('./index.js')
})

describe('preload', () => {
  it('exposes exactly invoke and onEvent as window.chromadesk, never ipcRenderer', () => {
    expect(Object.keys(exposed)).toEqual(['chromadesk'])
    expect(Object.keys(exposed.chromadesk as object).sort()).toEqual(['invoke', 'onEvent'])
    expect(Object.values(exposed.chromadesk as object)).not.toContain(ipcRenderer)
  })

  it('forwards invoke with the channel and input only', async () => {
    const bridge = exposed.chromadesk as { invoke: (c: string, i: unknown) => Promise<unknown> }
    expect(await bridge.invoke('collections.list', {})).toEqual({
      ok: true,
      value: { channel: 'collections.list', input: {} }
    })
  })

  it("hands listeners the event's data without Electron's event object, and unsubscribes", () => {
    const bridge = exposed.chromadesk as { onEvent: (l: (e: unknown) => void) => () => void }
    const seen: unknown[][] = []
    const off = bridge.onEvent((...args: unknown[]) => seen.push(args))
    const [registered] = listeners.get('chromadesk:event') ?? []
    registered?.({ sender: 'secret ipc object' }, { type: 'collections-changed' })
    expect(seen).toEqual([[{ type: 'collections-changed' }]])
    off()
    expect(listeners.get('chromadesk:event')).toEqual([])
  })
})
