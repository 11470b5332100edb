/**
 * Electron entry: app lifecycle, the window, the app:// protocol and the security guards.
 * The engine and the contract's handlers are plain Node code shared with the headless server; the
 * window's policy (dev-only aids, web preferences, menu, links out) and the protocol's path checks are
 * plain functions in desktop/window-policy.ts and desktop/app-protocol.ts, tested there.
 */
import './desktop/native-env.js'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, screen, session, shell } from 'electron'
import { closeAppContext, openAppContext, type AppContext } from './api/context.js'
import { createHandlers } from './api/handlers.js'
import { resumeReembeds } from './api/handlers/reembed.js'
import { APP_ORIGIN, APP_SCHEME, serveAppFile } from './desktop/app-protocol.js'
import { FileConnectionStore } from './desktop/connection-store.js'
import { DesktopSettings } from './desktop/desktop-settings.js'
import { SettingsStore, type WindowBounds } from './desktop/settings-store.js'
import {
  appOrigins,
  developmentOptions,
  isWebUrl,
  mayNavigate,
  menuTemplate,
  windowWebPreferences
} from './desktop/window-policy.js'
import { appOriginCheck, forwardEvents, registerIpc } from './ipc/register.js'
import { exportFormatOf } from '../shared/file-names.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const rendererDir = resolve(here, '../renderer')
// DevTools and the dev server's URL only in an unpackaged app.
const development = developmentOptions(app.isPackaged, process.env)
// The frames that are the app: IPC senders are checked against these, and navigation stays within them.
const isAppUrl = appOriginCheck(appOrigins(APP_ORIGIN, development.rendererUrl))

// Tests (and users who keep several profiles) point the app at another profile folder.
if (process.env.CHROMADESK_USER_DATA) app.setPath('userData', resolve(process.env.CHROMADESK_USER_DATA))

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }
])

/** The one way out of the app to the web: only http(s) URLs reach the OS. */
function openExternal(url: string): void {
  if (isWebUrl(url)) void shell.openExternal(new URL(url).href)
}

/** Navigation away from the app, redirects, webviews, new windows and permission prompts are denied. */
function guardWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    // Any frame, main or sub. Links meant for the browser open a new window, which the handler below
    // denies and hands to openExternal.
    contents.on('will-frame-navigate', (event) => {
      if (!mayNavigate(event.url, isAppUrl, development.devTools)) event.preventDefault()
    })
    contents.on('will-redirect', (event) => {
      if (!mayNavigate(event.url, isAppUrl, development.devTools)) event.preventDefault()
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
    // The taskbar's and window's icon (Linux, Windows in development); packages carry their own.
    icon: join(rendererDir, 'icon.png'),
    show: false,
    webPreferences: windowWebPreferences(join(here, '../preload/index.cjs'), development.devTools)
  })
  if (saved?.maximized) win.maximize()
  rememberBounds(win, store)
  win.once('ready-to-show', () => win.show())
  void win.loadURL(development.rendererUrl ?? `${APP_ORIGIN}/index.html`)
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
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, development.devTools)))
    protocol.handle(APP_SCHEME, (request) => serveAppFile(request.url, rendererDir))
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
            filters: [{ name: 'Chromadesk collection export', extensions: [exportFormatOf(defaultName)] }]
          }
          const win = BrowserWindow.getFocusedWindow()
          const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options)
          return result.canceled || !result.filePath ? null : result.filePath
        }
      }
    })
    registerIpc(ipcMain, createHandlers(ctx), isAppUrl)
    resumeReembeds(ctx) // re-embeddings the last run left unfinished (decision 0122)
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
