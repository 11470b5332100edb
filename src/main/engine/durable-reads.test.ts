// What the asynchronous readers wait for (decisions 0110 and 0118): a query answers at once when the
// records it shows are durable, even while an add's fsync is in flight; it waits when it shows a
// record of that add, or while any other change is pending; count and get always wait.
import fs, { mkdtempSync, rmSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { ChromaDatabase } from './database.js'
import { ResourceExhaustedError } from './errors.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
const realAsync = fs.fdatasync
let dir: string
let db: ChromaDatabase
/** The group commit's WAL syncs, held until released. */
let held: (() => void)[] = []
let writes: Promise<unknown>[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chromadesk-dr-'))
  held = []
  writes = []
  fs.fdatasync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    held.push(() => realAsync(fd, cb))
  }) as typeof fs.fdatasync
  syncBuiltinESMExports()
  db = new ChromaDatabase({ path: dir, indexWorker: false })
})
afterEach(async () => {
  fs.fdatasync = realAsync
  syncBuiltinESMExports()
  for (const release of held.splice(0)) release()
  await Promise.allSettled(writes)
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

/** Settles with 'answered' if `p` settles within a few turns of the event loop, else 'waiting'. */
async function state(p: Promise<unknown>): Promise<'answered' | 'waiting'> {
  let done = false
  void p.then(
    () => (done = true),
    () => (done = true)
  )
  for (let i = 0; i < 5 && !done; i++) await turn()
  return done ? 'answered' : 'waiting'
}

/** A collection with two durable records far apart, and a started write whose fsync is held. */
async function withPending(write: (id: string) => Promise<unknown>): Promise<string> {
  const c = db.createCollection(scope, { name: 'reads' })
  db.add(c.id, {
    ids: ['old-a', 'old-b'],
    embeddings: [
      [1, 0],
      [0, 1]
    ]
  }) // synchronous: durable
  writes.push(write(c.id))
  for (let i = 0; i < 10 && held.length === 0; i++) await turn()
  expect(held.length).toBe(1) // committed, its fsync in flight
  return c.id
}

const near = (v: number[]) => ({ query_embeddings: [v], n_results: 1, include: ['distances' as const] })

it('answers a query at once when it shows none of an add still syncing, and waits when it shows one', async () => {
  const id = await withPending((id) => db.addWhenRoom(id, { ids: ['new'], embeddings: [[-1, 0]] }))
  const old = db.queryWhenAnswerable(id, near([0.9, 0.1]))
  expect(await state(old)).toBe('answered')
  expect((await old).ids).toEqual([['old-a']])
  const fresh = db.queryWhenAnswerable(id, near([-1, 0]))
  expect(await state(fresh)).toBe('waiting') // its answer shows 'new', not on disk yet
  // count and get are held whatever they show.
  expect(await state(db.readDurable(() => db.count(id)))).toBe('waiting')
  expect(await state(db.readDurable(() => db.get(id, { ids: ['old-a'] })))).toBe('waiting')
  for (const release of held.splice(0)) release()
  expect((await fresh).ids).toEqual([['new']])
})

it('holds every query while a change other than an add is syncing', async () => {
  const id = await withPending((id) =>
    db.writeWhenRoom(id, () => db.update(id, { ids: ['old-b'], metadatas: [{ moved: true }] }))
  )
  // It shows only 'old-a', but the pending write is not an append: it waits.
  const held0 = db.queryWhenAnswerable(id, near([0.9, 0.1]))
  expect(await state(held0)).toBe('waiting')
  for (const release of held.splice(0)) release()
  expect((await held0).ids).toEqual([['old-a']])
})

it('holds an error that a pending commit may have caused like an answer', async () => {
  const c = db.createCollection(scope, { name: 'fresh' })
  writes.push(db.addWhenRoom(c.id, { ids: ['a'], embeddings: [[1, 0]] })) // sets the dimension to 2
  for (let i = 0; i < 10 && held.length === 0; i++) await turn()
  const refused = db.queryWhenAnswerable(c.id, near([1, 0, 0]))
  expect(await state(refused)).toBe('waiting') // the dimension it is refused for is not on disk yet
  for (const release of held.splice(0)) release()
  await expect(refused).rejects.toThrow(/dimension of 2/)
})

it('runs an asynchronous write on a later turn of the event loop (decision 0117)', async () => {
  const c = db.createCollection(scope, { name: 'turns' })
  let ran = false
  const write = db.writeWhenRoom(c.id, () => (ran = true))
  writes.push(write)
  for (let i = 0; i < 20; i++) await Promise.resolve() // every microtask of this turn
  expect(ran).toBe(false)
  for (let i = 0; i < 10 && !ran; i++) await turn()
  expect(ran).toBe(true)
})

it('gives the event loop turns while it retries a read refused as busy', async () => {
  let refusals = 0
  let otherWorkRan = false
  const read = db.readWhenAnswerable(() => {
    if (refusals++ < 5) throw new ResourceExhaustedError('the index worker is busy')
    return otherWorkRan
  })
  setImmediate(() => (otherWorkRan = true))
  // Without a worker there is nothing to wait for: the retries must still not hold the thread.
  expect(await read).toBe(true)
  expect(refusals).toBe(6)
})
