import { describe, expect, it } from 'vitest'
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

  it('returns handler errors as data with their name and message', async () => {
    class NotFoundError extends Error {
      override name = 'NotFoundError'
    }
    const failing = handlers({
      'system.status': async () => {
        throw new NotFoundError('Collection [x] does not exist')
      }
    })
    expect(await dispatch(failing, 'system.status', {})).toEqual({
      ok: false,
      error: { name: 'NotFoundError', message: 'Collection [x] does not exist' }
    })
  })
})
