/**
 * Electron entry: app lifecycle, the window, the app:// protocol and the security guards.
 * The engine and the contract's handlers are plain Node code shared with the headless server.
 */
import './desktop/native-env.js'
import { readFile } from 'node:fs/promises'
import { join, normalize, relative, resolve, extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, screen, session, shell } from 'electron'
import { closeAppContext, openAppContext, type AppContext } from './api/context.js'
import { createHandlers } from './api/handlers.js'
import { FileConnectionStore } from './desktop/connection-store.js'
import { DesktopSettings } from './desktop/desktop-settings.js'
import { SettingsStore, type WindowBounds } from './desktop/settings-store.js'
import { appOriginCheck, forwardEvents, registerIpc } from './ipc/register.js'

const APP_SCHEME = 'app'
const APP_ORIGIN = `${APP_SCHEME}://chromadesk`
const here = fileURLToPath(new URL('.', import.meta.url))
const rendererDir = resolve(here, '../renderer')
const devServerUrl = process.env.ELECTRON_RENDERER_URL

/** Strict CSP: only the app's own scripts, styles and connections. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'"
].join('; ')

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

// Tests (and users who keep several profiles) point the app at another profile folder.
if (process.env.CHROMADESK_USER_DATA) app.setPath('userData', resolve(process.env.CHROMADESK_USER_DATA))

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }
])

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    const file = normalize(join(rendererDir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)))
    if (url.host !== 'chromadesk' || relative(rendererDir, file).startsWith('..')) {
      return new Response('Not found', { status: 404 })
    }
    try {
      const body = await readFile(file)
      return new Response(body, {
        headers: { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP }
      })
    } catch {
      return new Response('Not found', { status: 404 })
    }
  })
}

function isAppUrl(target: string): boolean {
  return target.startsWith(`${APP_ORIGIN}/`) || (devServerUrl !== undefined && target.startsWith(devServerUrl))
}

/** Navigation, new windows and permission prompts are denied; http(s) links open in the browser. */
function guardWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, target) => {
      if (!isAppUrl(target)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      openExternal(url)
      return { action: 'deny' }
    })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
}

/** The one way out of the app to the web: only http(s). */
export function openExternal(url: string): void {
  try {
    const { protocol: scheme } = new URL(url)
    if (scheme === 'https:' || scheme === 'http:') void shell.openExternal(url)
  } catch {
    // not a URL: ignore
  }
}

/** Saved bounds, if they still fit on a connected display (a monitor may have gone). */
function restorableBounds(saved: WindowBounds | null): Partial<WindowBounds> {
  if (!saved || saved.x === undefined || saved.y === undefined)
    return saved ? { width: saved.width, height: saved.height } : {}
  const area = screen.getDisplayMatching({ x: saved.x, y: saved.y, width: saved.width, height: saved.height }).workArea
  const visible =
    saved.x < area.x + area.width - 50 && saved.y < area.y + area.height - 50 && saved.x + saved.width > area.x + 50
  return visible ? saved : { width: saved.width, height: saved.height }
}

/** Remembers size and position (debounced), and whether the window was maximized. */
function rememberBounds(win: BrowserWindow, store: SettingsStore): void {
  let timer: NodeJS.Timeout | undefined
  const save = (): void => {
    const maximized = win.isMaximized()
    const b = maximized ? win.getNormalBounds() : win.getBounds()
    store.update((s) => {
      s.window = { x: b.x, y: b.y, width: b.width, height: b.height, maximized }
    })
  }
  const later = (): void => {
    clearTimeout(timer)
    timer = setTimeout(save, 500)
  }
  win.on('resize', later)
  win.on('move', later)
  win.on('close', () => {
    clearTimeout(timer)
    save()
  })
}

function createWindow(store: SettingsStore): BrowserWindow {
  const saved = store.get().window
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    ...restorableBounds(saved),
    minWidth: 800,
    minHeight: 560,
    title: 'Chromadesk',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false
    }
  })
  if (saved?.maximized) win.maximize()
  rememberBounds(win, store)
  win.once('ready-to-show', () => win.show())
  void win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`)
  return win
}

let ctx: AppContext | undefined
let settings: DesktopSettings | undefined

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows()
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
  })

  void app.whenReady().then(() => {
    Menu.setApplicationMenu(
      Menu.buildFromTemplate([
        ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
        { role: 'fileMenu' },
        { role: 'editMenu' },
        { role: 'viewMenu' },
        { role: 'windowMenu' }
      ])
    )
    serveRenderer()
    guardWebContents()
    const store = new SettingsStore(join(app.getPath('userData'), 'settings.json'))
    const dataDir = store.get().dataDir ?? join(app.getPath('userData'), 'data')
    settings = new DesktopSettings(store, dataDir)
    // Saved servers' tokens are sealed with the OS keychain (Keychain, DPAPI, libsecret).
    const connectionStore = new FileConnectionStore(join(app.getPath('userData'), 'connections.json'), {
      available: () => safeStorage.isEncryptionAvailable(),
      encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
      decrypt: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64'))
    })
    ctx = openAppContext({
      path: dataDir,
      modelsDir: join(app.getPath('userData'), 'models'),
      settings,
      connectionStore,
      dialogs: {
        saveFile: async (defaultName) => {
          const options = {
            defaultPath: join(app.getPath('documents'), defaultName),
            filters: [{ name: 'Chromadesk collection export', extensions: ['jsonl'] }]
          }
          const win = BrowserWindow.getFocusedWindow()
          const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options)
          return result.canceled || !result.filePath ? null : result.filePath
        }
      }
    })
    const allowed = [APP_ORIGIN, ...(devServerUrl ? [new URL(devServerUrl).origin] : [])]
    registerIpc(ipcMain, createHandlers(ctx), appOriginCheck(allowed))
    forwardEvents(ctx.events, () => BrowserWindow.getAllWindows().map((w) => w.webContents))
    void settings.attach(ctx)
    createWindow(store)
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow(store)
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  app.on('will-quit', (event) => {
    if (!ctx) return
    const closing = ctx
    ctx = undefined
    event.preventDefault()
    void (settings?.close() ?? Promise.resolve()).then(() => closeAppContext(closing)).finally(() => app.quit())
  })
}
