import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LinuxPackager, type AfterPackContext } from 'electron-builder'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import config, { NATIVE_FILES, nativeTargetProblem } from './electron-builder.config.js'
import { PACKAGE_DIR } from './electron-native.mjs'

// Electron marks its fuse wire with this sentinel, followed by the wire's version, its length and one
// byte per fuse: '0' off, '1' on (electron/electron: build/fuses/build.py).
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'

/** A stand-in for Electron's binary: filler, the sentinel and a fuse wire, more filler. */
function fakeElectron(wire: string): Buffer {
  return Buffer.concat([
    Buffer.alloc(4096, 0x7f),
    Buffer.from(SENTINEL),
    Buffer.from([1, wire.length]),
    Buffer.from(wire),
    Buffer.alloc(4096, 0x7f)
  ])
}

function readWire(binary: Buffer): string {
  const at = binary.indexOf(SENTINEL)
  expect(at).toBeGreaterThanOrEqual(0)
  const start = at + SENTINEL.length
  expect(binary[start]).toBe(1)
  const length = binary.readUInt8(start + 1)
  return binary.subarray(start + 2, start + 2 + length).toString()
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-fuses-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('Electron fuses', () => {
  it("are flipped in the binary by electron-builder's own fuse step, from our configuration", async () => {
    // Electron's defaults for the eight fuses electron-builder knows, in wire order (RunAsNode,
    // EnableCookieEncryption, EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments,
    // EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar, LoadBrowserProcessSpecificV8Snapshot,
    // GrantFileProtocolExtraPrivileges), plus a ninth that newer Electron has and must stay as it is.
    const before = fakeElectron('101100011')
    const binary = join(dir, 'chromadesk')
    writeFileSync(binary, before)

    // What electron-builder runs after packing a Linux app (PlatformPackager.doAddElectronFuses), on a
    // packager that carries only our configuration and the executable's name.
    type FuseStep = {
      doAddElectronFuses(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName'>): Promise<void>
    }
    const packager = Object.assign(Object.create(LinuxPackager.prototype) as FuseStep, {
      info: { config },
      executableName: 'chromadesk'
    })
    await packager.doAddElectronFuses({ appOutDir: dir, electronPlatformName: 'linux' })

    const after = readFileSync(binary)
    expect(readWire(after)).toBe('010011001')
    // Nothing but the wire changed.
    expect(after.length).toBe(before.length)
    const wireAt = before.indexOf(SENTINEL) + SENTINEL.length + 2
    expect(after.subarray(0, wireAt).equals(before.subarray(0, wireAt))).toBe(true)
    expect(after.subarray(wireAt + 9).equals(before.subarray(wireAt + 9))).toBe(true)
  })
})

describe('packaging configuration', () => {
  it("never rebuilds node_modules in place and ships the portable Electron build as the app's .electron-native", () => {
    expect(config.npmRebuild).toBe(false)
    expect(config.asar).toBe(true)
    expect(config.files).toContainEqual({ from: PACKAGE_DIR, to: '.', filter: NATIVE_FILES })
    expect(config.asarUnpack).toEqual(['**/*.node'])
    expect(typeof config.beforePack).toBe('function')
  })
})

describe('nativeTargetProblem', () => {
  it('accepts only the packaging machine platform and CPU', () => {
    const host = { platform: 'linux', arch: 'x64' }
    expect(nativeTargetProblem({ platform: 'linux', arch: 'x64' }, host)).toBeNull()
    expect(nativeTargetProblem({ platform: 'linux', arch: 'arm64' }, host)).toMatch(
      /cannot package for linux-arm64 on linux-x64/
    )
    expect(nativeTargetProblem({ platform: 'win32', arch: 'x64' }, host)).toMatch(/cannot package for win32-x64/)
    expect(
      nativeTargetProblem({ platform: 'darwin', arch: 'universal' }, { platform: 'darwin', arch: 'arm64' })
    ).not.toBeNull()
  })

  it('defaults to this machine', () => {
    expect(nativeTargetProblem({ platform: process.platform, arch: process.arch })).toBeNull()
  })
})

describe('the app icon', () => {
  it('every platform packages the 512 px PNG the window uses, drawn from the favicon artwork', () => {
    const icons = [config.linux?.icon, config.mac?.icon, config.win?.icon]
    expect(new Set(icons)).toEqual(new Set(['src/renderer/public/icon.png']))
    const png = readFileSync(icons[0] as string)
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    // IHDR: width and height, big-endian, at bytes 16 and 20. electron-builder wants 512 or more.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512])
    expect(readFileSync('src/renderer/public/icon.svg', 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 32 32"/)
    expect(readFileSync('src/renderer/index.html', 'utf8')).toContain(
      '<link rel="icon" type="image/svg+xml" href="./icon.svg" />'
    )
  })
})
