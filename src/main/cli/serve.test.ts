import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseServeArgs } from './serve.js'

describe('parseServeArgs', () => {
  it('follows chroma run defaults: ./chroma on 127.0.0.1:8000, no token, no reset', () => {
    expect(parseServeArgs([], {})).toEqual({
      path: resolve('./chroma'),
      port: 8000,
      host: '127.0.0.1',
      token: undefined,
      allowReset: false,
      allowedOrigins: [],
      allowedModels: []
    })
  })

  it('takes chroma run flags', () => {
    const config = parseServeArgs(
      ['--path', '/tmp/x', '--port', '9001', '--host', '0.0.0.0', '--token', 't', '--allow-reset'],
      {}
    )
    expect(config).toMatchObject({ path: '/tmp/x', port: 9001, host: '0.0.0.0', token: 't', allowReset: true })
  })

  it('reads the environment when flags are absent', () => {
    const config = parseServeArgs([], { CHROMADESK_PATH: '/data', CHROMADESK_PORT: '7000', CHROMADESK_TOKEN: 'secret' })
    expect(config).toMatchObject({ path: '/data', port: 7000, token: 'secret' })
  })

  it('supports an in-memory database and repeated CORS origins', () => {
    const config = parseServeArgs(['--in-memory', '--cors-origin', 'http://a:1', '--cors-origin', 'http://b:2'], {})
    expect(config.path).toBeNull()
    expect(config.allowedOrigins).toEqual(['http://a:1', 'http://b:2'])
  })

  it('takes repeated --allow-model flags as given (the app context checks them)', () => {
    const config = parseServeArgs(['--allow-model', 'BAAI/bge-small-en-v1.5', '--allow-model', './models/mine'], {})
    expect(config.allowedModels).toEqual(['BAAI/bge-small-en-v1.5', './models/mine'])
  })

  it('rejects bad ports and unknown flags', () => {
    expect(() => parseServeArgs(['--port', 'eighty'], {})).toThrow('Invalid port: eighty')
    expect(() => parseServeArgs(['--port', '70000'], {})).toThrow('Invalid port')
    expect(() => parseServeArgs(['--bogus'], {})).toThrow()
  })
})
