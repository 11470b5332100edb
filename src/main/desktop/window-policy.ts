// What the desktop window may do, decided in plain functions the Electron entry (src/main/index.ts)
// applies: development aids only in an unpackaged app, the renderer's web preferences, the menu, and
// which URLs may leave the app for the user's browser.
import type { MenuItemConstructorOptions, WebPreferences } from 'electron'

/** Is this an http(s) URL? The only kind the app hands to the OS to open (shell.openExternal). */
export function isWebUrl(raw: string): boolean {
  try {
    const { protocol } = new URL(raw)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}

function isLoopbackHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw)
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  } catch {
    return false
  }
}

export interface DevelopmentOptions {
  /** electron-vite's dev server (ELECTRON_RENDERER_URL), loaded instead of app://; undefined when not honoured. */
  rendererUrl: string | undefined
  /** May DevTools open? */
  devTools: boolean
}

/**
 * Development aids, honoured only when the app is not packaged (`npm run dev`, `npm start` from a
 * checkout): the dev server's URL, if it is http on this machine, and DevTools. A packaged app ignores
 * ELECTRON_RENDERER_URL (its origin would also be trusted for IPC) and cannot open DevTools.
 */
export function developmentOptions(isPackaged: boolean, env: NodeJS.ProcessEnv): DevelopmentOptions {
  if (isPackaged) return { rendererUrl: undefined, devTools: false }
  const url = env.ELECTRON_RENDERER_URL
  return { rendererUrl: url !== undefined && isLoopbackHttpUrl(url) ? url : undefined, devTools: true }
}

/** The origins whose frames are the app: for IPC sender checks and allowed navigation. */
export function appOrigins(appOrigin: string, rendererUrl: string | undefined): string[] {
  return rendererUrl === undefined ? [appOrigin] : [appOrigin, new URL(rendererUrl).origin]
}

/**
 * May a frame navigate to `url`? Only within the app's origins (`isAppUrl`, the IPC sender check) and,
 * where DevTools are allowed, within DevTools' own pages (their frames are guarded too, and a web page
 * cannot navigate to devtools://).
 */
export function mayNavigate(url: string, isAppUrl: (url: string) => boolean, devTools: boolean): boolean {
  return isAppUrl(url) || (devTools && url.startsWith('devtools://'))
}

/** The renderer's preferences (docs: the security checklist): sandboxed, isolated, no Node. */
export function windowWebPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webviewTag: false,
    spellcheck: false,
    devTools
  }
}

/**
 * The application menu. The View menu is Electron's default one (role viewMenu), spelled out so that
 * "Toggle Developer Tools" and its shortcut can be left out where DevTools are not allowed.
 */
export function menuTemplate(platform: NodeJS.Platform, devTools: boolean): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    { role: 'forceReload' },
    ...(devTools ? [{ role: 'toggleDevTools' } as const] : []),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' }
  ]
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' }
  ]
}
