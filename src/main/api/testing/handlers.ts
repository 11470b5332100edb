import { channels, type Channel } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'

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
