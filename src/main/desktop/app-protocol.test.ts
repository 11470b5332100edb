import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CSP, resolveAppFile, serveAppFile } from './app-protocol.js'

let root: string
let rendererDir: string
beforeAll(() => {
  // A renderer folder with a secret beside it (outside), which no app:// URL may reach.
  root = mkdtempSync(join(tmpdir(), 'chromadesk-protocol-'))
  rendererDir = join(root, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Chromadesk</title>')
  writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(join(rendererDir, 'assets', 'a b.css'), 'body{}')
  writeFileSync(join(root, 'secret.txt'), 'secret')
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('resolveAppFile', () => {
  it('maps the app origin onto the renderer folder, / being index.html', () => {
    expect(resolveAppFile('app://chromadesk/', rendererDir)).toBe(join(rendererDir, 'index.html'))
    expect(resolveAppFile('app://chromadesk', rendererDir)).toBe(join(rendererDir, 'index.html'))
    expect(resolveAppFile('app://chromadesk/index.html', rendererDir)).toBe(join(rendererDir, 'index.html'))
    expect(resolveAppFile('app://chromadesk/assets/index-abc.js?v=1#top', rendererDir)).toBe(
      join(rendererDir, 'assets', 'index-abc.js')
    )
    expect(resolveAppFile('app://chromadesk/assets/a%20b.css', rendererDir)).toBe(
      join(rendererDir, 'assets', 'a b.css')
    )
    // Chromium lower-cases the host of a standard scheme; Node's URL does not.
    expect(resolveAppFile('app://ChromaDesk/index.html', rendererDir)).toBe(join(rendererDir, 'index.html'))
  })

  it.each([
    ['malformed percent-encoding', 'app://chromadesk/%E0%A4%A'],
    ['a lone percent sign', 'app://chromadesk/assets/%'],
    ['an encoded slash', 'app://chromadesk/..%2f..%2fsecret.txt'],
    ['an encoded slash (lower case)', 'app://chromadesk/assets%2findex-abc.js'],
    ['an encoded backslash', 'app://chromadesk/..%5c..%5csecret.txt'],
    ['a literal backslash', 'app://chromadesk/..\\secret.txt'],
    ['an encoded NUL', 'app://chromadesk/index.html%00.png'],
    ['an empty segment', 'app://chromadesk//etc/passwd'],
    ['a trailing slash', 'app://chromadesk/assets/'],
    ['another host', 'app://evil/index.html'],
    ['a port', 'app://chromadesk:8080/index.html'],
    ['another scheme', 'file:///etc/passwd'],
    ['an http URL', 'http://chromadesk/index.html'],
    ['not a URL', 'index.html']
  ])('refuses %s', (_what, url) => {
    expect(resolveAppFile(url, rendererDir)).toBeNull()
  })

  it('never leaves the renderer folder: dot segments are resolved by the URL parser within the app', () => {
    // WHATWG URL parsing removes ../ (plain or as %2e%2e) before we see the path, stopping at the root.
    expect(resolveAppFile('app://chromadesk/../secret.txt', rendererDir)).toBe(join(rendererDir, 'secret.txt'))
    expect(resolveAppFile('app://chromadesk/assets/%2e%2e/%2e%2e/secret.txt', rendererDir)).toBe(
      join(rendererDir, 'secret.txt')
    )
    // Decoded once: a double-encoded %2e%2e is a literal name inside the folder.
    expect(resolveAppFile('app://chromadesk/%252e%252e/secret.txt', rendererDir)).toBe(
      join(rendererDir, '%2e%2e', 'secret.txt')
    )
  })
})

describe('serveAppFile', () => {
  it('answers a file with its content type and the CSP', async () => {
    const response = await serveAppFile('app://chromadesk/assets/index-abc.js', rendererDir)
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('text/javascript')
    expect(response.headers.get('Content-Security-Policy')).toBe(CSP)
    expect(await response.text()).toBe('console.log(1)')
    const index = await serveAppFile('app://chromadesk/', rendererDir)
    expect(index.headers.get('Content-Type')).toBe('text/html')
    expect(await index.text()).toContain('<title>Chromadesk</title>')
  })

  it('answers 404, without throwing, for a malformed URL, an escape attempt, a missing file or a folder', async () => {
    for (const url of [
      'app://chromadesk/%E0%A4%A',
      'app://chromadesk/..%2fsecret.txt',
      'app://chromadesk/..%5csecret.txt',
      'app://chromadesk/%00',
      'app://other/index.html',
      'app://chromadesk/missing.js',
      'app://chromadesk/assets'
    ]) {
      const response = await serveAppFile(url, rendererDir)
      expect(response.status, url).toBe(404)
      expect(await response.text()).toBe('Not found')
    }
  })
})
