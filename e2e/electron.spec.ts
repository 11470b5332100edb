/// <reference lib="dom" />
import { join } from 'node:path'
import { expect, test } from './fixtures.js'
import { electronUnavailable, launchDesktop, type DesktopApp } from './electron.js'
import { SCREENSHOTS } from './helpers.js'

// The desktop window: the same UI over IPC. Not run (and reported with the reason) where Electron
// cannot start, such as on the CI machine.
const unavailable = electronUnavailable()
if (unavailable) console.log(`Electron e2e not run: ${unavailable}`)

test.describe('desktop app (Electron)', () => {
  test.skip(unavailable !== null, `Electron e2e not run: ${unavailable ?? ''}`)
  let desktop: DesktopApp

  test.beforeAll(async () => {
    desktop = await launchDesktop()
  })
  test.afterAll(async () => desktop?.close())

  test('the window talks to the engine over IPC, with the renderer sandboxed', async () => {
    const { window } = desktop
    await expect(window.getByTestId('engine-state')).toHaveText('running')
    const surface = await window.evaluate(() => ({
      bridge: Object.keys((window as unknown as { chromadesk: object }).chromadesk).sort(),
      node: typeof (window as unknown as { require?: unknown }).require,
      origin: location.origin
    }))
    expect(surface).toEqual({ bridge: ['invoke', 'onEvent'], node: 'undefined', origin: 'app://chromadesk' })
    await window.screenshot({ path: join(SCREENSHOTS, 'electron-status.png') })
  })

  test('creates a collection and adds a record through the UI', async () => {
    const { window } = desktop
    const created = await window.evaluate(() =>
      (window as unknown as { chromadesk: { invoke: (c: string, i: unknown) => Promise<unknown> } }).chromadesk.invoke(
        'collections.create',
        { name: 'desktop-notes', embeddingModel: null }
      )
    )
    expect(created).toMatchObject({ ok: true, value: { name: 'desktop-notes', count: 0 } })
    await expect(window.getByTestId('collection-item').filter({ hasText: 'desktop-notes' })).toBeVisible()
  })
})
