// Tenants and databases through the contract's calls, on the built-in engine and on a real Chroma 1.0
// server: each connection's calls, copies and exports act on its current tenant/database.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { AdminClient, ChromaClient } from 'chromadb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallInput, CallOutput, Channel } from '../../../shared/contract.js'
import { startChromaServer, type ChromaServer } from '../../engine/differential/chroma-server.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import { memoryConnectionStore } from '../connections.js'
import { dispatch, type Handlers } from '../dispatch.js'
import { createHandlers } from '../handlers.js'

let root: string
let ctx: AppContext
let handlers: Handlers
const store = memoryConnectionStore()

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-databases-'))
  ctx = openAppContext({ path: path.join(root, 'data'), connectionStore: store })
  handlers = createHandlers(ctx)
})
afterAll(async () => {
  await closeAppContext(ctx)
  rmSync(root, { recursive: true, force: true })
})

async function call<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await dispatch(handlers, channel, input)
  if (!result.ok) throw new Error(`${result.error.status} ${result.error.name}: ${result.error.message}`)
  return result.value as CallOutput<C>
}

const names = (list: { name: string }[]): string[] => list.map((c) => c.name)
const local = async () => (await call('connections.list', {})).find((c) => c.id === 'local')!

describe('the built-in database', () => {
  it('lists every tenant, creates one, and refuses what Chroma refuses', async () => {
    expect(await call('tenants.list', {})).toEqual({ tenants: ['default_tenant'], complete: true })
    expect(await call('tenants.create', { name: 'acme' })).toEqual({ created: 'acme' })
    expect(await call('tenants.list', {})).toEqual({ tenants: ['acme', 'default_tenant'], complete: true })
    await expect(call('tenants.create', { name: 'acme' })).rejects.toThrow(
      '409 UniqueConstraintError: Tenant [acme] already exists'
    )
    await expect(call('tenants.create', { name: 'ab' })).rejects.toThrow(/^400 InvalidArgumentError: .*length/)
    await expect(call('databases.create', { name: 'xy' })).rejects.toThrow(/^400 InvalidArgumentError: .*length/)
  })

  it('switches databases: collections, status, copies and exports act on the current one', async () => {
    expect(await call('databases.create', { name: 'research' })).toEqual({ name: 'research', collections: 0 })
    const inDefault = await call('collections.create', { name: 'notes', embeddingModel: null })
    await call('records.add', { collectionId: inDefault.id, records: [{ id: 'n1', embedding: [1, 2] }] })

    expect(await call('databases.use', { tenant: 'default_tenant', database: 'research' })).toMatchObject({
      id: 'local',
      tenant: 'default_tenant',
      database: 'research'
    })
    expect(await local()).toMatchObject({ database: 'research' })
    expect(await call('collections.list', {})).toEqual([])
    // An id from the other database is not found here.
    await expect(call('collections.get', { id: inDefault.id })).rejects.toThrow('404 NotFoundError')
    const inResearch = await call('collections.create', { name: 'papers', embeddingModel: null })
    await call('records.add', {
      collectionId: inResearch.id,
      records: [
        { id: 'p1', embedding: [1, 0] },
        { id: 'p2', embedding: [0, 1] }
      ]
    })
    expect(names(await call('collections.list', {}))).toEqual(['papers'])
    expect((await call('system.status', {})).engine.collections).toBe(1)
    // The portability layer (copy, export, import) sees the current database too.
    expect(await ctx.connections.portable(undefined).list()).toEqual(['papers'])
    expect(await call('databases.list', {})).toEqual([
      { name: 'default_database', collections: 1 },
      { name: 'research', collections: 1 }
    ])

    await call('databases.use', { tenant: 'default_tenant', database: 'default_database' })
    expect(names(await call('collections.list', {}))).toEqual(['notes'])
    expect(await ctx.connections.portable(undefined).list()).toEqual(['notes'])
  })

  it('refuses to switch to a tenant or database that does not exist', async () => {
    await expect(call('databases.use', { tenant: 'nobody', database: 'default_database' })).rejects.toThrow(
      '404 NotFoundError: Tenant [nobody] not found'
    )
    await expect(call('databases.use', { tenant: 'default_tenant', database: 'nowhere' })).rejects.toThrow(
      '404 NotFoundError: Database [nowhere] not found in tenant [default_tenant]'
    )
    expect(await local()).toMatchObject({ tenant: 'default_tenant', database: 'default_database' })
  })

  it('creates databases in another tenant and deletes one with what it held', async () => {
    await call('databases.create', { tenant: 'acme', name: 'sales' })
    expect(await call('databases.list', { tenant: 'acme' })).toEqual([{ name: 'sales', collections: 0 }])
    await call('databases.use', { tenant: 'acme', database: 'sales' })
    await call('collections.create', { name: 'leads', embeddingModel: null })
    await call('databases.use', { tenant: 'default_tenant', database: 'default_database' })

    expect(await call('databases.delete', { name: 'research' })).toEqual({
      tenant: 'default_tenant',
      database: 'research',
      collections: [{ name: 'papers', records: 2 }]
    })
    expect(names(await call('databases.list', {}))).toEqual(['default_database'])
    await expect(call('databases.delete', { name: 'research' })).rejects.toThrow('404 NotFoundError')
    // The other tenant's database is untouched.
    expect(await call('databases.list', { tenant: 'acme' })).toEqual([{ name: 'sales', collections: 1 }])
  })

  it('deletes the current database, default_database included (Chroma 1.0 allows it), and moves off it', async () => {
    await call('databases.use', { tenant: 'acme', database: 'sales' })
    await call('databases.create', { tenant: 'acme', name: 'archive' })
    expect(await call('databases.delete', { name: 'sales' })).toMatchObject({
      tenant: 'acme',
      collections: [{ name: 'leads', records: 0 }]
    })
    // No default_database in acme: its first database.
    expect(await local()).toMatchObject({ tenant: 'acme', database: 'archive' })

    await call('databases.use', { tenant: 'default_tenant', database: 'default_database' })
    expect(await call('databases.delete', { name: 'default_database' })).toMatchObject({
      collections: [{ name: 'notes', records: 1 }]
    })
    // Nothing left in the tenant: the connection still names it, and writing there says why it fails.
    expect(await call('databases.list', {})).toEqual([])
    expect(await call('collections.list', {})).toEqual([])
    await expect(call('collections.create', { name: 'again', embeddingModel: null })).rejects.toThrow(
      '400 InvalidArgumentError: Database [default_database] does not exist'
    )
    await call('databases.create', { name: 'default_database' })
    expect(await call('collections.list', {})).toEqual([])
  })
})

describe('a Chroma 1.0 server', () => {
  let chroma: ChromaServer
  let connection: string
  const server = () => ({ host: '127.0.0.1', port: Number(new URL(chroma.baseUrl).port), ssl: false })
  beforeAll(async () => {
    chroma = await startChromaServer(60_000)
    connection = (await call('connections.add', { name: 'Chroma 1.0', url: chroma.baseUrl })).id
  }, 90_000)
  afterAll(async () => {
    await chroma?.stop()
  })

  it('shows the tenants it knows of, creates tenants and databases, switches and deletes', async () => {
    // Chroma cannot list tenants: the current one, then the ones named here.
    expect(await call('tenants.list', { connection })).toEqual({ tenants: ['default_tenant'], complete: false })
    await call('tenants.create', { connection, name: 'team-a' })
    expect(await call('tenants.list', { connection })).toEqual({
      tenants: ['default_tenant', 'team-a'],
      complete: false
    })
    await expect(call('tenants.create', { connection, name: 'team-a' })).rejects.toThrow('409')
    await call('databases.create', { connection, tenant: 'team-a', name: 'docs' })
    expect(await call('databases.list', { connection, tenant: 'team-a' })).toEqual([{ name: 'docs', collections: 0 }])

    expect(await call('databases.use', { connection, tenant: 'team-a', database: 'docs' })).toMatchObject({
      id: connection,
      tenant: 'team-a',
      database: 'docs'
    })
    // Kept by the connection store (the desktop app's is a file).
    expect(store.load()[0]).toMatchObject({ tenant: 'team-a', database: 'docs', tenants: ['team-a'] })
    const c = await call('collections.create', { connection, name: 'guides', embeddingModel: null })
    await call('records.add', { connection, collectionId: c.id, records: [{ id: 'g1', embedding: [1, 2, 3] }] })
    expect(await ctx.connections.portable(connection).list()).toEqual(['guides'])
    // On the server, the collection is where the switch said.
    const direct = new ChromaClient({ ...server(), tenant: 'team-a', database: 'docs' })
    expect((await direct.listCollections()).map((x) => x.name)).toEqual(['guides'])
    expect(await call('databases.list', { connection })).toEqual([{ name: 'docs', collections: 1 }])

    await call('databases.use', { connection, tenant: 'default_tenant', database: 'default_database' })
    expect(await call('collections.list', { connection })).toEqual([])
    await expect(call('databases.use', { connection, tenant: 'nobody', database: 'x12' })).rejects.toThrow('404')

    expect(await call('databases.delete', { connection, tenant: 'team-a', name: 'docs' })).toEqual({
      tenant: 'team-a',
      database: 'docs',
      collections: [{ name: 'guides', records: 1 }]
    })
    const admin = new AdminClient(server())
    expect(await admin.listDatabases({ tenant: 'team-a' })).toEqual([])
  })

  it('names an existing tenant by switching to it (it is remembered)', async () => {
    const admin = new AdminClient(server())
    await admin.createTenant({ name: 'made-elsewhere' })
    await admin.createDatabase({ tenant: 'made-elsewhere', name: 'main' })
    await call('databases.use', { connection, tenant: 'made-elsewhere', database: 'main' })
    expect((await call('tenants.list', { connection })).tenants).toEqual(['default_tenant', 'made-elsewhere', 'team-a'])
  })
})
