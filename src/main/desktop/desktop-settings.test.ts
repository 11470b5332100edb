import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { closeAppContext, openAppContext, type AppContext } from '../api/context.js'
import { freePort } from '../engine/testing/free-port.js'
import { DesktopSettings } from './desktop-settings.js'
import { SettingsStore } from './settings-store.js'

let dir: string
let ctx: AppContext
let settings: DesktopSettings

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-settings-'))
  ctx = openAppContext({ path: null })
})
afterEach(async () => {
  await settings?.close()
  await closeAppContext(ctx)
  rmSync(dir, { recursive: true, force: true })
})

describe('SettingsStore', () => {
  it('starts from defaults: server off, port 8000, a long random token', () => {
    const s = new SettingsStore(join(dir, 'settings.json')).get()
    expect(s.server).toMatchObject({ enabled: false, port: 8000 })
    expect(s.server.token.length).toBeGreaterThanOrEqual(40)
    expect(new SettingsStore(join(dir, 'other.json')).get().server.token).not.toBe(s.server.token)
  })

  it('persists changes and keeps valid fields of a damaged file', () => {
    const file = join(dir, 'settings.json')
    new SettingsStore(file).update((s) => {
      s.server.port = 9123
    })
    expect(new SettingsStore(file).get().server.port).toBe(9123)
    writeFileSync(file, JSON.stringify({ dataDir: '/data/x', server: { enabled: 'yes', port: 70000 } }))
    const repaired = new SettingsStore(file).get()
    expect(repaired.dataDir).toBe('/data/x')
    expect(repaired.server).toMatchObject({ enabled: false, port: 8000 })
    writeFileSync(file, '{ not json')
    expect(new SettingsStore(file).get().dataDir).toBeNull()
  })
})

/** One connection per request: the server restarts between calls and drops kept-alive sockets. */
function get(url: string, token?: string): Promise<Response> {
  return fetch(url, { headers: { Connection: 'close', ...(token ? { Authorization: `Bearer ${token}` } : {}) } })
}

describe('DesktopSettings', () => {
  it('opens the REST port with the token required, and closes it', async () => {
    const port = await freePort()
    settings = new DesktopSettings(new SettingsStore(join(dir, 'settings.json')), '/data/here')
    await settings.attach(ctx)
    expect(settings.get().server).toMatchObject({ enabled: false, url: null })
    const on = await settings.setServer({ enabled: true, port })
    expect(on.server.url).toBe(`http://127.0.0.1:${port}`)
    const url = `${on.server.url}/api/v2/collections`.replace(
      'collections',
      'tenants/default_tenant/databases/default_database/collections'
    )
    expect((await get(url)).status).toBe(401)
    expect((await get(url, on.server.token)).status).toBe(200)
    const rotated = await settings.setServer({ enabled: true, port, regenerateToken: true })
    expect(rotated.server.token).not.toBe(on.server.token)
    expect((await get(url, on.server.token)).status).toBe(403)
    expect((await get(url, rotated.server.token)).status).toBe(200)
    await settings.setServer({ enabled: false })
    await expect(get(url)).rejects.toThrow()
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).server.enabled).toBe(false)
  })

  it('reports a taken port instead of failing, and restarts the server when it was left on', async () => {
    const port = await freePort()
    const store = new SettingsStore(join(dir, 'settings.json'))
    settings = new DesktopSettings(store, '/data/here')
    await settings.attach(ctx)
    await settings.setServer({ enabled: true, port })
    const second = new DesktopSettings(new SettingsStore(join(dir, 'settings.json')), '/data/here')
    await second.attach(ctx)
    expect(second.get().server).toMatchObject({ enabled: true, url: null })
    expect(second.get().server.error).toContain(`Port ${port} is in use`)
    await second.close()
  })

  it('takes a new data directory for the next start only, and refuses a relative one', async () => {
    settings = new DesktopSettings(new SettingsStore(join(dir, 'settings.json')), '/data/here')
    await expect(settings.setDataDir('relative/dir')).rejects.toThrow('absolute path')
    const next = await settings.setDataDir('/data/elsewhere')
    expect(next).toMatchObject({ dataDir: '/data/here', pendingDataDir: '/data/elsewhere' })
  })
})
