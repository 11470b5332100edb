// Builds better-sqlite3 and hnswlib-node for Electron's ABI into .electron-native/node_modules, beside
// (not over) the Node builds that tests and the headless server use (docs/decisions/0011). The
// Electron main process loads them from there through CHROMADESK_NATIVE_DIR (src/main/engine/native.ts).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { nativeTuneFlags } from './tune-native.mjs'

const require = createRequire(import.meta.url)
const root = new URL('..', import.meta.url).pathname
export const NATIVE_DIR = join(root, '.electron-native')
const MODULES = ['better-sqlite3', 'hnswlib-node']
const marker = join(NATIVE_DIR, 'ready')

export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
}

/** Is there a build for this Electron version? */
export function electronNativeReady(version = electronVersion()) {
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === version
}

/** Copies the two packages and compiles them against Electron's headers (downloaded by node-gyp, once). */
export async function buildElectronNative(version = electronVersion()) {
  const { rebuild } = await import('@electron/rebuild')
  rmSync(NATIVE_DIR, { recursive: true, force: true })
  mkdirSync(join(NATIVE_DIR, 'node_modules'), { recursive: true })
  const dependencies = {}
  for (const name of MODULES) {
    const source = join(root, 'node_modules', name)
    cpSync(source, join(NATIVE_DIR, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (path) => !path.includes(`${name}/build/`)
    })
    dependencies[name] = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version
  }
  writeFileSync(
    join(NATIVE_DIR, 'package.json'),
    JSON.stringify({ name: 'chromadesk-electron-native', private: true, dependencies })
  )
  // Tuned for this CPU like the Node build (docs/decisions/0021); node-gyp's make reads CXXFLAGS.
  const flags = nativeTuneFlags()
  if (flags) process.env.CXXFLAGS = [process.env.CXXFLAGS, flags].filter(Boolean).join(' ')
  await rebuild({
    buildPath: NATIVE_DIR,
    electronVersion: version,
    onlyModules: MODULES,
    force: true,
    buildFromSource: true
  })
  writeFileSync(marker, `${version}\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = electronVersion()
  console.log(`Building ${MODULES.join(' and ')} for Electron ${version} into ${NATIVE_DIR}`)
  await buildElectronNative(version)
  console.log('Done.')
}
