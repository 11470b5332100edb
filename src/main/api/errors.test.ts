import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ChromaConnectionError, ChromaNotFoundError, ChromaUnauthorizedError } from 'chromadb'
import { startOurServer, type RunningServer } from '../server/v2/test-server.js'
import { RemoteBackend } from './backends/remote.js'
import { declaredStatus, describeError } from './errors.js'
import { NotFoundError, UnexpectedError } from '../engine/index.js'

describe('declaredStatus', () => {
  it("takes our errors' own status, the chromadb client's by class, and none for anything else", () => {
    expect(declaredStatus(new NotFoundError('x'))).toBe(404)
    expect(declaredStatus(new ChromaUnauthorizedError('no token'))).toBe(401)
    expect(declaredStatus(new ChromaNotFoundError('gone'))).toBe(404)
    expect(declaredStatus(new ChromaConnectionError('refused'))).toBe(502)
    expect(declaredStatus(new Error('SQLITE_BUSY'))).toBeUndefined()
    expect(declaredStatus(new UnexpectedError(new Error('SQLITE_BUSY')))).toBeUndefined()
    expect(declaredStatus('a string')).toBeUndefined()
  })

  it('never puts the detail of an unexpected failure in its message, unless asked to reveal it', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const failure = new UnexpectedError(new Error('SQLITE_FULL: /home/someone/chromadesk.sqlite3'))
    expect(failure.message).not.toContain('SQLITE')
    expect(describeError(failure, 'test', 'r1').message).not.toContain('SQLITE')
    expect(describeError(failure, 'test', 'r2', true).message).toContain('SQLITE_FULL')
    logged.mockRestore()
  })
})

describe('a remote Chroma server refusing the app', () => {
  let remote: RunningServer

  beforeAll(async () => {
    remote = await startOurServer({ token: 'remote-token-0123456789' })
  })
  afterAll(async () => remote.stop())

  it("answers with the remote's own refusal and status (the official client's error), not a generic 500", async () => {
    const backend = new RemoteBackend({ url: remote.baseUrl })
    const failure = await backend.list().then(
      () => undefined,
      (err: unknown) => err
    )
    expect(failure).toBeInstanceOf(Error)
    const described = describeError(failure, 'collections.list')
    expect(described.status).toBe(401)
    expect(described.message).not.toMatch(/Internal error/)
    await backend.close()
  })
})
