/**
 * Electron entry: app lifecycle, the window, the app:// protocol and the security guards.
 * The engine and the contract's handlers are plain Node code shared with the headless server.
 */
import { readFile } from 'node:fs/promises'
import { join, normalize, relative, resolve, extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, ipcMain, Menu, protocol, session, shell } from 'electron'
import { closeAppContext, openAppContext, type AppContext } from './api/context.js'
import { createHandlers } from './api/handlers.js'
import { appOriginCheck, registerIpc } from './ipc/register.js'

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

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
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
  win.once('ready-to-show', () => win.show())
  void win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`)
  return win
}

let ctx: AppContext | undefined

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
    ctx = openAppContext({
      path: join(app.getPath('userData'), 'data'),
      modelsDir: join(app.getPath('userData'), 'models')
    })
    const allowed = [APP_ORIGIN, ...(devServerUrl ? [new URL(devServerUrl).origin] : [])]
    registerIpc(ipcMain, createHandlers(ctx), appOriginCheck(allowed))
    createWindow()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow()
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
    void closeAppContext(closing).finally(() => app.quit())
  })
}
