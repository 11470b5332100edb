import { describe, expect, it } from 'vitest'
import { endpointOf, MASK, maskToken, snippets } from './snippets'

describe('client snippets', () => {
  it('reads host and port from the server URL', () => {
    expect(endpointOf('http://127.0.0.1:8000/')).toEqual({
      url: 'http://127.0.0.1:8000',
      host: '127.0.0.1',
      port: 8000,
      ssl: false
    })
    expect(endpointOf('https://example.org')).toMatchObject({ port: 443, ssl: true })
  })
  it('puts the token in the Authorization header of each client', () => {
    const [curl, py, js] = snippets(endpointOf('http://localhost:9000'), 'tok')
    expect(curl?.code).toBe('curl -H "Authorization: Bearer tok" http://localhost:9000/api/v2/heartbeat')
    expect(py?.code).toContain(
      'chromadb.HttpClient(host="localhost", port=9000, headers={"Authorization": "Bearer tok"})'
    )
    expect(js?.code).toContain(
      "new ChromaClient({ host: 'localhost', port: 9000, headers: { Authorization: 'Bearer tok' } })"
    )
  })
  it('leaves the header out without a token, and masks it for display', () => {
    const [curl, py] = snippets(endpointOf('http://localhost:9000'), null)
    expect(curl?.code).toBe('curl http://localhost:9000/api/v2/heartbeat')
    expect(py?.code).not.toContain('headers')
    expect(maskToken('abc')).toBe(MASK)
    expect(maskToken('')).toBe('')
  })
})
