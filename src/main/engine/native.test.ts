import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadNative } from './native.js'

const saved = process.env.CHROMADESK_NATIVE_DIR
afterEach(() => {
  if (saved === undefined) delete process.env.CHROMADESK_NATIVE_DIR
  else process.env.CHROMADESK_NATIVE_DIR = saved
})

describe('loadNative', () => {
  it('loads the installed build by default', () => {
    delete process.env.CHROMADESK_NATIVE_DIR
    const hnswlib = loadNative<{ HierarchicalNSW: unknown }>('hnswlib-node')
    expect(typeof hnswlib.HierarchicalNSW).toBe('function')
  })

  it('loads the build kept under CHROMADESK_NATIVE_DIR when set (the Electron-ABI one)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromadesk-native-'))
    try {
      const pkg = join(dir, 'node_modules', 'better-sqlite3')
      mkdirSync(pkg, { recursive: true })
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'better-sqlite3', main: 'index.js' }))
      writeFileSync(join(pkg, 'index.js'), "module.exports = { build: 'electron' }")
      process.env.CHROMADESK_NATIVE_DIR = dir
      expect(loadNative('better-sqlite3')).toEqual({ build: 'electron' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
