// A connection's current database can change while a call waits (another window switches it during a
// save dialog or a server round trip): a call acts on the database it started in, start to end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CallInput, CallOutput, Channel } from '../../../shared/contract.js'
import { closeAppContext, openAppContext, type AppContext } from '../context.js'
import { dispatch, type Handlers } from '../dispatch.js'
import { createHandlers } from '../handlers.js'

let root: string
let ctx: AppContext
let handlers: Handlers
/** What the save dialog does while it is open (another window's calls). */
let whileDialogOpen: () => Promise<void>
let notesId: string

async function call<C extends Channel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await dispatch(handlers, channel, input)
  if (!result.ok) throw new Error(`${result.error.status} ${result.error.name}: ${result.error.message}`)
  return result.value as CallOutput<C>
}

const useDatabase = (database: string) => call('databases.use', { tenant: 'default_tenant', database })

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'chromadesk-scope-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

beforeEach(async () => {
  whileDialogOpen = async () => undefined
  ctx = openAppContext({
    path: null,
    dialogs: {
      saveFile: async () => {
        await whileDialogOpen()
        return path.join(root, 'chosen.jsonl')
      }
    }
  })
  handlers = createHandlers(ctx)
  // Two databases, each with a collection called "notes"; the one in default_database holds "a".
  const notes = await call('collections.create', { name: 'notes', embeddingModel: null })
  notesId = notes.id
  await call('records.add', { collectionId: notesId, records: [{ id: 'a', embedding: [1, 2] }] })
  await call('databases.create', { name: 'other' })
  await useDatabase('other')
  const other = await call('collections.create', { name: 'notes', embeddingModel: null })
  await call('records.add', {
    collectionId: other.id,
    records: [
      { id: 'x', embedding: [1, 0] },
      { id: 'y', embedding: [0, 1] }
    ]
  })
  await useDatabase('default_database')
})
afterEach(async () => {
  vi.restoreAllMocks()
  await closeAppContext(ctx)
})

const idsIn = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1, -1)
    .map((line) => (JSON.parse(line) as { id: string }).id)

describe('a switch of database while a call runs', () => {
  it('export through the save dialog writes the collection that was chosen, not a namesake', async () => {
    whileDialogOpen = async () => void (await useDatabase('other'))
    const result = await call('collections.export', { collectionId: notesId })
    expect(result).toMatchObject({ collection: 'notes', records: 1 })
    expect(idsIn(path.join(root, 'chosen.jsonl'))).toEqual(['a'])
  })

  it('copy copies the collection that was chosen, not a namesake', async () => {
    const backend = ctx.connections.backend(undefined)
    const get = backend.get.bind(backend)
    // The switch lands while the source is being looked up (a server answers in its own time).
    vi.spyOn(backend, 'get').mockImplementation(async (id) => {
      const found = await get(id)
      await useDatabase('other')
      return found
    })
    const started = await call('collections.copy', { collectionId: notesId, target: 'local', name: 'notes-copy' })
    let status = started
    for (let i = 0; i < 200 && status.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 10))
      status = await call('copy.status', { jobId: started.jobId })
    }
    expect(status).toMatchObject({ state: 'done', copied: 1, total: 1 })
  })
})
