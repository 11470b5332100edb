// Builds better-sqlite3 and hnswlib-node for Electron's ABI into .electron-native/node_modules, beside
// (not over) the Node builds that tests and the headless server use (docs/decisions/0011). The
// Electron main process loads them from there through CHROMADESK_NATIVE_DIR (src/main/engine/native.ts).
// `npm run package` makes a portable build the same way in PACKAGE_NATIVE_DIR, which the packaged app
// carries at its root as .electron-native (scripts/electron-builder.config.ts, decision 0022).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { nativeTuneFlags } from './tune-native.mjs'

const require = createRequire(import.meta.url)
const root = new URL('..', import.meta.url).pathname
export const NATIVE_DIR = join(root, '.electron-native')
export const PACKAGE_DIR = join(root, '.electron-package')
export const PACKAGE_NATIVE_DIR = join(PACKAGE_DIR, '.electron-native')
const MODULES = ['better-sqlite3', 'hnswlib-node']
const markerIn = (dir) => join(dir, 'ready')

export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
}

/** Is there a build for this Electron version in `dir`? */
export function electronNativeReady(version = electronVersion(), dir = NATIVE_DIR) {
  const marker = markerIn(dir)
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === version
}

/**
 * Copies the two packages into `dir` and compiles them against Electron's headers (downloaded by
 * node-gyp, once). `portable` leaves out this CPU's tuning (decision 0021), for binaries that travel.
 */
export async function buildElectronNative(version = electronVersion(), { dir = NATIVE_DIR, portable = false } = {}) {
  const { rebuild } = await import('@electron/rebuild')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  const dependencies = {}
  for (const name of MODULES) {
    const source = join(root, 'node_modules', name)
    cpSync(source, join(dir, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (path) => !path.includes(`${name}/build/`)
    })
    dependencies[name] = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'chromadesk-electron-native', private: true, dependencies })
  )
  // Tuned for this CPU like the Node build (docs/decisions/0021) unless portable; node-gyp's make reads
  // CXXFLAGS from the environment, which is restored afterwards.
  const flags = nativeTuneFlags(portable ? { ...process.env, CHROMADESK_PORTABLE_NATIVE: '1' } : process.env)
  const cxxflags = process.env.CXXFLAGS
  if (flags) process.env.CXXFLAGS = [cxxflags, flags].filter(Boolean).join(' ')
  try {
    await rebuild({
      buildPath: dir,
      electronVersion: version,
      onlyModules: MODULES,
      force: true,
      buildFromSource: true
    })
  } finally {
    if (cxxflags === undefined) delete process.env.CXXFLAGS
    else process.env.CXXFLAGS = cxxflags
  }
  writeFileSync(markerIn(dir), `${version}\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = electronVersion()
  console.log(`Building ${MODULES.join(' and ')} for Electron ${version} into ${NATIVE_DIR}`)
  await buildElectronNative(version)
  console.log('Done.')
}
