import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileConnectionStore, type TokenCipher } from './connection-store.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-connstore-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** A reversible stand-in for safeStorage that is visibly not plain text. */
const cipher: TokenCipher = {
  available: () => true,
  encrypt: (s) => Buffer.from(`sealed:${s}`).toString('base64'),
  decrypt: (s) => {
    const text = Buffer.from(s, 'base64').toString()
    if (!text.startsWith('sealed:')) throw new Error('not sealed here')
    return text.slice(7)
  }
}
const conn = { id: 'c1', name: 'prod', url: 'https://chroma.example', tenant: 't', database: 'd' }

describe('FileConnectionStore', () => {
  it('never writes a token in plain text and reads it back through the keychain', () => {
    const file = join(dir, 'connections.json')
    new FileConnectionStore(file, cipher).save([{ ...conn, token: 'secret-token' }])
    expect(readFileSync(file, 'utf8')).not.toContain('secret-token')
    expect(new FileConnectionStore(file, cipher).load()).toEqual([{ ...conn, token: 'secret-token' }])
  })

  it('keeps a token for the session only when no keychain is available', () => {
    const file = join(dir, 'connections.json')
    const store = new FileConnectionStore(file, { ...cipher, available: () => false })
    store.save([{ ...conn, token: 'secret-token' }])
    expect(store.load()[0]?.token).toBe('secret-token')
    expect(readFileSync(file, 'utf8')).not.toContain('secret')
    expect(new FileConnectionStore(file, cipher).load()).toEqual([conn])
  })

  it('keeps the current tenant/database and the tenants named in the app across restarts', () => {
    const file = join(dir, 'connections.json')
    const switched = { ...conn, tenant: 'acme', database: 'reports', tenants: ['t', 'acme'] }
    new FileConnectionStore(file, cipher).save([switched])
    expect(new FileConnectionStore(file, cipher).load()).toEqual([switched])
  })

  it('skips damaged entries and tokens it cannot unseal', () => {
    const file = join(dir, 'connections.json')
    writeFileSync(file, JSON.stringify([{ ...conn, sealedToken: 'Zm9yZWlnbg==' }, { id: 2 }, 'x']))
    expect(new FileConnectionStore(file, cipher).load()).toEqual([conn])
    writeFileSync(file, 'not json')
    expect(new FileConnectionStore(file, cipher).load()).toEqual([])
  })
})
