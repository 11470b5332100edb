// Imported first by the Electron entry, before any engine module loads a native addon: points the
// engine at the Electron-ABI builds in .electron-native/ (scripts/electron-native.mjs, decision 0011).
// A packaged app always uses the builds it carries: CHROMADESK_NATIVE_DIR from the environment would
// load code from anywhere, which is what the packaged app's fuses (no NODE_OPTIONS) exist to prevent.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { app } from 'electron'

const dir = join(app.getAppPath(), '.electron-native')
if (app.isPackaged) process.env.CHROMADESK_NATIVE_DIR = dir
else if (!process.env.CHROMADESK_NATIVE_DIR && existsSync(join(dir, 'ready'))) process.env.CHROMADESK_NATIVE_DIR = dir
