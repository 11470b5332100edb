// Decision 0117: asynchronous writes take one turn of the event loop each, so input that arrived
// while they were queued (a query on a socket) is handled between them, not after all of them.
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { WriteTurns } from './write-turns.js'

let server: Server | null = null
let client: Socket | null = null
afterEach(() => {
  client?.destroy()
  server?.close()
})

/** Holds the thread like a write's SQLite work does. */
function busy(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

it('serves input that arrived during a write before the writes queued after it', async () => {
  const order: string[] = []
  let received!: () => void
  const arrived = new Promise<void>((r) => (received = r))
  server = createServer((socket) =>
    socket.on('data', () => {
      order.push('query')
      received()
    })
  )
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  client = connect(port, '127.0.0.1')
  await new Promise<void>((r) => client?.on('connect', r))
  await new Promise((r) => setTimeout(r, 50)) // the server side has accepted

  const turns = new WriteTurns()
  const writes = [1, 2, 3].map((n) =>
    turns.next(turns.place()).then(() => {
      // The first write's work: meanwhile a query arrives.
      if (n === 1) client?.write('query')
      busy(20)
      order.push(`write ${n}`)
    })
  )
  expect(turns.queued).toBe(3)
  await Promise.all([...writes, arrived])
  expect(order).toEqual(['write 1', 'query', 'write 2', 'write 3'])
  expect(turns.queued).toBe(0)
})

it('keeps the writes in the order they asked', async () => {
  const turns = new WriteTurns()
  const order: number[] = []
  await Promise.all([1, 2, 3, 4].map((n) => turns.next(turns.place()).then(() => order.push(n))))
  expect(order).toEqual([1, 2, 3, 4])
})

it('gives a write that must wait again its old place in line', async () => {
  const turns = new WriteTurns()
  const order: string[] = []
  const [a, b, c] = [turns.place(), turns.place(), turns.place()]
  await Promise.all([turns.next(a).then(() => order.push('a')), turns.next(b).then(() => order.push('b'))])
  // 'a' and 'b' had their turns but found no room; 'c' asks meanwhile; they come back, 'b' first.
  await Promise.all([
    turns.next(c).then(() => order.push('c')),
    turns.next(b).then(() => order.push('b again')),
    turns.next(a).then(() => order.push('a again'))
  ])
  expect(order).toEqual(['a', 'b', 'a again', 'b again', 'c'])
})
