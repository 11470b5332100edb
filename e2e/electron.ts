// Whether the desktop app itself can be driven here, through Playwright's Electron launcher, and why
// not when it cannot. On machines without Electron's binary (such as CI here) the Electron variants
// of the e2e tests are reported as not run, with this reason.
import { existsSync, mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron, type ElectronApplication, type Page } from '@playwright/test'
import { electronNativeReady } from '../scripts/electron-native.mjs'
import { ROOT } from './helpers.js'

const require = createRequire(import.meta.url)

export function electronUnavailable(): string | null {
  try {
    require.resolve('electron/package.json')
  } catch {
    return 'the electron package is not installed'
  }
  let binary: unknown
  try {
    // The package's entry throws when its binary was never downloaded.
    binary = require('electron')
  } catch {
    binary = undefined
  }
  if (typeof binary !== 'string' || !existsSync(binary)) {
    return "Electron's binary is not installed (npm installs skip its download; `npm start` fetches it)"
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'there is no display (run under xvfb-run)'
  }
  if (!electronNativeReady()) {
    return 'the native modules have no Electron build (run `node scripts/electron-native.mjs`)'
  }
  return null
}

export interface DesktopApp {
  app: ElectronApplication
  window: Page
  profile: string
  close: () => Promise<void>
}

/** Launches the built app (out/main) with a fresh profile folder and waits for its window. */
export async function launchDesktop(): Promise<DesktopApp> {
  const profile = mkdtempSync(join(tmpdir(), 'chromadesk-electron-'))
  const app = await _electron.launch({ args: [ROOT], env: { ...process.env, CHROMADESK_USER_DATA: profile } })
  const window = await app.firstWindow()
  await window.locator('[data-loaded="true"]').waitFor()
  return { app, window, profile, close: () => app.close() }
}
