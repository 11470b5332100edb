import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import { appOriginCheck } from '../ipc/register.js'
import { APP_ORIGIN } from './app-protocol.js'
import {
  appOrigins,
  developmentOptions,
  isWebUrl,
  mayNavigate,
  menuTemplate,
  windowWebPreferences
} from './window-policy.js'

/** Every role in a menu template, submenus included. */
function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [
    ...(item.role ? [item.role] : []),
    ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])
  ])
}

describe('isWebUrl', () => {
  it.each(['https://docs.trychroma.com/', 'http://127.0.0.1:8000/api/v2', 'HTTPS://Example.com/a?b#c'])(
    'allows %s',
    (url) => expect(isWebUrl(url)).toBe(true)
  )

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'smb://host/share',
    'ms-msdt:/id PCWDiagnostic',
    'app://chromadesk/index.html',
    'mailto:someone@example.com',
    'chrome://settings',
    '//example.com/x',
    'example.com',
    ''
  ])('refuses %j', (url) => expect(isWebUrl(url)).toBe(false))
})

describe('developmentOptions', () => {
  const dev = { ELECTRON_RENDERER_URL: 'http://localhost:5173' }

  it('honours the dev server URL and DevTools only when not packaged', () => {
    expect(developmentOptions(false, dev)).toEqual({ rendererUrl: 'http://localhost:5173', devTools: true })
    expect(developmentOptions(true, dev)).toEqual({ rendererUrl: undefined, devTools: false })
    expect(developmentOptions(true, {})).toEqual({ rendererUrl: undefined, devTools: false })
    expect(developmentOptions(false, {})).toEqual({ rendererUrl: undefined, devTools: true })
  })

  it('takes a dev server URL only if it is http on this machine', () => {
    for (const url of ['http://127.0.0.1:5173/', 'http://[::1]:5173']) {
      expect(developmentOptions(false, { ELECTRON_RENDERER_URL: url }).rendererUrl).toBe(url)
    }
    for (const url of [
      'https://example.com',
      'http://example.com:5173',
      'http://localhost.example.com',
      'file:///x',
      'nonsense'
    ]) {
      expect(developmentOptions(false, { ELECTRON_RENDERER_URL: url }).rendererUrl, url).toBeUndefined()
    }
  })
})

describe('appOrigins', () => {
  it('trusts the dev server origin only when one is honoured, and only that origin', () => {
    expect(appOrigins(APP_ORIGIN, undefined)).toEqual(['app://chromadesk'])
    const check = appOriginCheck(appOrigins(APP_ORIGIN, 'http://localhost:5173'))
    expect(check('http://localhost:5173/#/collections')).toBe(true)
    expect(check('app://chromadesk/index.html')).toBe(true)
    expect(check('http://localhost:5174/')).toBe(false)
    expect(check('http://localhost:5173.evil.example/')).toBe(false)
  })
})

describe('mayNavigate', () => {
  const isAppUrl = appOriginCheck([APP_ORIGIN])

  it('stays within the app', () => {
    expect(mayNavigate('app://chromadesk/index.html#/records', isAppUrl, false)).toBe(true)
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://other/', 'javascript:alert(1)']) {
      expect(mayNavigate(url, isAppUrl, true), url).toBe(false)
    }
  })

  it("lets DevTools' own pages navigate only where DevTools are allowed", () => {
    expect(mayNavigate('devtools://devtools/bundled/devtools_app.html', isAppUrl, true)).toBe(true)
    expect(mayNavigate('devtools://devtools/bundled/devtools_app.html', isAppUrl, false)).toBe(false)
  })
})

describe('windowWebPreferences', () => {
  it('sandboxes the renderer and passes the DevTools decision through', () => {
    for (const devTools of [true, false]) {
      expect(windowWebPreferences('/app/out/preload/index.cjs', devTools)).toEqual({
        preload: '/app/out/preload/index.cjs',
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webviewTag: false,
        spellcheck: false,
        devTools
      })
    }
  })
})

describe('menuTemplate', () => {
  it('has no way to DevTools when they are not allowed, not even through the viewMenu role', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const all = roles(menuTemplate(platform, false))
      expect(all).not.toContain('toggleDevTools')
      expect(all).not.toContain('viewMenu')
      expect(all).toEqual(expect.arrayContaining(['reload', 'zoomIn', 'togglefullscreen', 'fileMenu', 'editMenu']))
    }
  })

  it('offers Toggle Developer Tools in the View menu in development', () => {
    const view = menuTemplate('linux', true).find((item) => item.label === 'View')
    expect(roles(view?.submenu as MenuItemConstructorOptions[])).toEqual([
      'reload',
      'forceReload',
      'toggleDevTools',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'togglefullscreen'
    ])
  })

  it('starts with the app menu on macOS only', () => {
    expect(menuTemplate('darwin', false)[0]).toEqual({ role: 'appMenu' })
    expect(roles(menuTemplate('linux', false))).not.toContain('appMenu')
  })
})
