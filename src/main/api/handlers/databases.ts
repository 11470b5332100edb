// Tenants and databases of a connection, and which one its calls act on (decisions 0070-0074).
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'

export function databaseHandlers(
  ctx: AppContext
): Pick<
  Handlers,
  'tenants.list' | 'tenants.create' | 'databases.list' | 'databases.create' | 'databases.delete' | 'databases.use'
> {
  const { connections, events } = ctx
  // Every window drops what it shows of the connection: lists of connections, databases, collections.
  const changed = (): void => {
    events.emit({ type: 'connections-changed' })
    events.emit({ type: 'collections-changed' })
  }
  return {
    'tenants.list': ({ connection }) => connections.tenants(connection),
    'tenants.create': async ({ connection, name }) => {
      await connections.createTenant(connection, name)
      events.emit({ type: 'connections-changed' })
      return { created: name }
    },
    'databases.list': ({ connection, tenant }) => connections.databases(connection, tenant),
    'databases.create': async ({ connection, tenant, name }) => {
      const created = await connections.createDatabase(connection, name, tenant)
      events.emit({ type: 'connections-changed' })
      return created
    },
    'databases.delete': async ({ connection, tenant, name }) => {
      const deleted = await connections.deleteDatabase(connection, name, tenant)
      changed()
      return deleted
    },
    'databases.use': async ({ connection, tenant, database }) => {
      const info = await connections.use(connection, { tenant, database })
      changed()
      return info
    }
  }
}
