import { describe, expect, it, vi } from 'vitest'
import { NotFoundError } from '../engine/index.js'
import { dispatch, type Handlers } from './dispatch.js'
import { handlersWith } from './testing/handlers.js'

const status = {
  app: { name: 'Chromadesk', version: '1.2.3' },
  engine: { version: '1.0.0', heartbeat: '1', mode: 'memory' as const, path: null, collections: 0 }
}

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return handlersWith({ 'system.status': async () => status, ...overrides })
}

describe('dispatch', () => {
  it('runs the handler of a known channel with validated input', async () => {
    expect(await dispatch(handlers(), 'system.status', {})).toEqual({ ok: true, value: status })
  })

  it('treats a missing input as an empty object', async () => {
    expect(await dispatch(handlers(), 'system.status', undefined)).toEqual({ ok: true, value: status })
  })

  it('refuses unknown channels, including inherited property names', async () => {
    for (const name of ['nope', 'toString', '__proto__', 42]) {
      const result = await dispatch(handlers(), name, {})
      expect(result).toMatchObject({ ok: false, error: { name: 'NotFoundError' } })
    }
  })

  it('refuses input that does not match the schema, naming the channel', async () => {
    const result = await dispatch(handlers(), 'system.status', { unexpected: true })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.name).toBe('InvalidArgumentError')
      expect(result.error.message).toContain('Invalid input for system.status')
    }
  })

  it('returns errors that declare a status as data with their name, message and status', async () => {
    const failing = handlers({
      'system.status': async () => {
        throw new NotFoundError('Collection [x] does not exist')
      }
    })
    expect(await dispatch(failing, 'system.status', {})).toEqual({
      ok: false,
      error: { name: 'NotFoundError', message: 'Collection [x] does not exist', status: 404 }
    })
  })

  it('answers an unexpected failure with a generic message naming the request, and logs the detail', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const failing = handlers({
      'system.status': async () => {
        throw new Error('SQLITE_IOERR: /private/path/chromadesk.sqlite3')
      }
    })
    const result = await dispatch(failing, 'system.status', {}, { requestId: 'req-42' })
    expect(result).toEqual({
      ok: false,
      error: {
        name: 'InternalError',
        message: "Internal error (request req-42); the server's log has the details",
        status: 500
      }
    })
    expect(logged).toHaveBeenCalledWith(
      '[req-42] system.status:',
      expect.objectContaining({ message: expect.stringContaining('SQLITE_IOERR') })
    )
    // The desktop window (IPC) is the app itself: it gets the failure's own message.
    const revealed = await dispatch(failing, 'system.status', {}, { requestId: 'req-43', revealUnexpected: true })
    expect(revealed).toMatchObject({
      ok: false,
      error: { status: 500, message: expect.stringContaining('SQLITE_IOERR') }
    })
    logged.mockRestore()
  })
})
