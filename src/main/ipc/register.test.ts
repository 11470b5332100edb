import type { IpcMainInvokeEvent } from 'electron'
import { describe, expect, it } from 'vitest'
import { channels } from '../../shared/contract.js'
import { handlersWith } from '../api/testing/handlers.js'
import { AppEvents } from '../api/events.js'
import { appOriginCheck, forwardEvents, registerIpc } from './register.js'

type Listener = (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>

function fakeIpc() {
  const registered = new Map<string, Listener>()
  return {
    registered,
    ipc: { handle: (channel: string, listener: Listener) => void registered.set(channel, listener) }
  }
}

const handlers = handlersWith({
  'system.status': async () => ({
    app: { name: 'Chromadesk', version: '0' },
    engine: { version: '1.0.0', heartbeat: '1', mode: 'memory', path: null, collections: 0 }
  })
})

const eventFrom = (url: string | undefined) =>
  ({ senderFrame: url === undefined ? null : { url } }) as unknown as IpcMainInvokeEvent

describe('registerIpc', () => {
  it('registers a handler for every channel of the contract', () => {
    const { ipc, registered } = fakeIpc()
    registerIpc(ipc as never, handlers, () => true)
    expect([...registered.keys()].sort()).toEqual([...channels].sort())
  })

  it('answers calls from the app origin and refuses every other sender', async () => {
    const { ipc, registered } = fakeIpc()
    registerIpc(ipc as never, handlers, appOriginCheck(['app://chromadesk']))
    const listener = registered.get('system.status')!
    expect(await listener(eventFrom('app://chromadesk/index.html'), {})).toMatchObject({ ok: true })
    for (const url of [
      'https://evil.example/',
      'app://other/index.html',
      'file:///etc/passwd',
      'not a url',
      undefined
    ]) {
      expect(await listener(eventFrom(url), {})).toMatchObject({ ok: false, error: { name: 'AuthError' } })
    }
  })

  it('validates input before the handler runs', async () => {
    const { ipc, registered } = fakeIpc()
    registerIpc(ipc as never, handlers, () => true)
    const result = await registered.get('system.status')!(eventFrom('app://chromadesk/'), { bogus: 1 })
    expect(result).toMatchObject({ ok: false, error: { name: 'InvalidArgumentError' } })
  })
})

describe('forwardEvents', () => {
  it('sends each app event to every live window and stops when unsubscribed', () => {
    const events = new AppEvents()
    const sent: [string, unknown][] = []
    const live = { isDestroyed: () => false, send: (channel: string, data: unknown) => void sent.push([channel, data]) }
    const dead = { isDestroyed: () => true, send: () => expect.fail('sent to a destroyed window') }
    const off = forwardEvents(events, () => [live, dead] as never)
    events.emit({ type: 'records-changed', collectionId: 'c1' })
    off()
    events.emit({ type: 'collections-changed' })
    expect(sent).toEqual([['chromadesk:event', { type: 'records-changed', collectionId: 'c1' }]])
  })
})
