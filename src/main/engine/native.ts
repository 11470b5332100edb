// The two native modules (better-sqlite3, hnswlib-node) are loaded through here. Node (tests, the
// headless server, the library) uses the builds installed in node_modules. Electron's main process
// has another ABI and points CHROMADESK_NATIVE_DIR at builds made for it, kept apart in
// .electron-native/node_modules so the Node builds stay usable (docs/decisions/0011).
import { createRequire } from 'node:module'
import { join } from 'node:path'

export type NativeModuleName = 'better-sqlite3' | 'hnswlib-node'

export function loadNative<T>(name: NativeModuleName): T {
  const dir = process.env.CHROMADESK_NATIVE_DIR
  const require = createRequire(dir ? join(dir, 'resolve-from-here.js') : import.meta.url)
  return require(name) as T
}
