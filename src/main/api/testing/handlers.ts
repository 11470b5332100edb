import { expect } from 'vitest'
import { channels, type CallResult, type Channel } from '../../../shared/contract.js'
import { dispatch, type Handlers } from '../dispatch.js'

/** Handlers for adapter tests: the given ones, and every other channel failing loudly if called. */
export function handlersWith(overrides: Partial<Handlers>): Handlers {
  const all = Object.fromEntries(
    channels.map((c: Channel) => [
      c,
      async () => {
        throw new Error(`${c} is not part of this test`)
      }
    ])
  )
  return { ...all, ...overrides } as Handlers
}

/** Calls through dispatch as an adapter does: `call` returns the value, `refused` the user's message. */
export function contractCaller(handlers: () => Handlers) {
  return {
    async call<T>(channel: string, input: unknown): Promise<T> {
      const r = (await dispatch(handlers(), channel, input)) as CallResult<T>
      if (!r.ok) throw new Error(r.error.message)
      return r.value
    },
    async refused(channel: string, input: unknown): Promise<string> {
      const r = await dispatch(handlers(), channel, input)
      if (r.ok) throw new Error(`${channel} should have failed`)
      expect(r.error.status).not.toBe(500) // a declared status: the message is for the user
      return r.error.message
    }
  }
}
