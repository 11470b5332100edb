// `npm start`: the desktop app when an Electron binary can run here; otherwise one line saying why,
// then the same UI in browser mode (the headless server). Extra arguments go to the server.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ensureBuild } from './ensure-build.mjs'
import { buildElectronNative, electronNativeReady } from './electron-native.mjs'

const require = createRequire(import.meta.url)
const root = new URL('..', import.meta.url).pathname

/** Path of a runnable Electron binary, or the reason there is none. */
function findElectron() {
  if (process.env.CHROMADESK_BROWSER_MODE) return { reason: 'CHROMADESK_BROWSER_MODE is set' }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'there is no display (DISPLAY is not set)' }
  }
  const resolveBinary = () => {
    try {
      const path = require('electron')
      return typeof path === 'string' && existsSync(path) ? path : undefined
    } catch {
      return undefined
    }
  }
  let binary = resolveBinary()
  if (!binary) {
    // npm does not run Electron's download script at install (see docs/decisions); fetch it now, once.
    const installer = require.resolve('electron/install.js')
    const result = spawnSync(process.execPath, [installer], { stdio: 'ignore', timeout: 120_000 })
    binary = result.status === 0 ? resolveBinary() : undefined
    if (!binary) return { reason: "Electron's binary is not installed and could not be downloaded" }
  }
  return { binary }
}

/**
 * better-sqlite3 and hnswlib-node are compiled for Node; Electron loads only builds made for its own
 * ABI, kept apart in .electron-native/ (docs/decisions/0011). Built once per Electron version; without
 * them the window could not open the database, so browser mode is the honest fallback.
 */
async function ensureElectronNative() {
  if (electronNativeReady()) return {}
  console.log('Building the native modules for Electron (once per Electron version)...')
  try {
    await buildElectronNative()
    return {}
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err)
    return { reason: `the native modules could not be built for Electron (${message})` }
  }
}

ensureBuild()
let electron = findElectron()
if (electron.binary) {
  const native = await ensureElectronNative()
  if (native.reason) electron = native
}
if (electron.binary) {
  const child = spawn(electron.binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  console.log(`No desktop window: ${electron.reason}. Serving the same UI in browser mode instead.`)
  const child = spawn(process.execPath, [`${root}out/main/serve.js`, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code) => process.exit(code ?? 0))
}
