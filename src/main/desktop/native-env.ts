// Imported first by the Electron entry, before any engine module loads a native addon: points the
// engine at the Electron-ABI builds in .electron-native/ (scripts/electron-native.mjs, decision 0011).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { app } from 'electron'

const dir = join(app.getAppPath(), '.electron-native')
if (!process.env.CHROMADESK_NATIVE_DIR && existsSync(join(dir, 'ready'))) process.env.CHROMADESK_NATIVE_DIR = dir
