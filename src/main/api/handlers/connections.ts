import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { checkConnection } from '../connections.js'

export function connectionHandlers(
  ctx: AppContext
): Pick<Handlers, 'connections.list' | 'connections.check' | 'connections.add' | 'connections.remove'> {
  return {
    'connections.list': async () => ctx.connections.list(),
    'connections.check': async (target) => checkConnection(target),
    'connections.add': async (input) => {
      const info = await ctx.connections.add(input)
      ctx.events.emit({ type: 'connections-changed' })
      return info
    },
    'connections.remove': async ({ id }) => {
      await ctx.connections.remove(id)
      ctx.events.emit({ type: 'connections-changed' })
      return { removed: id }
    }
  }
}
