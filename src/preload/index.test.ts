import { beforeEach, describe, expect, it, vi } from 'vitest'

const exposed: Record<string, unknown> = {}
const invoke = vi.fn(async (..._args: unknown[]) => ({ ok: true, value: 'pong' }))

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: { invoke: (...args: unknown[]) => invoke(...args) }
}))

describe('preload', () => {
  beforeEach(async () => {
    vi.resetModules()
    await import('./index.js')
  })

  it('exposes exactly one narrow object with an invoke function', () => {
    expect(Object.keys(exposed)).toEqual(['chromadesk'])
    const bridge = exposed.chromadesk as Record<string, unknown>
    expect(Object.keys(bridge)).toEqual(['invoke'])
    expect(typeof bridge.invoke).toBe('function')
  })

  it('forwards channel and input only, never an IPC event object', async () => {
    const bridge = exposed.chromadesk as { invoke: (c: string, i: unknown) => Promise<unknown> }
    await expect(bridge.invoke('system.status', {})).resolves.toEqual({ ok: true, value: 'pong' })
    expect(invoke).toHaveBeenLastCalledWith('system.status', {})
  })
})
