import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { EVENT_CHANNEL, type Bridge } from '../shared/bridge.js'
import type { AppEvent } from '../shared/contract.js'

// Only a typed invoke and an event subscription cross the bridge: no raw ipcRenderer, and listeners
// get the event's data, never Electron's event object. Main validates the channel and the input.
export const bridge: Bridge = {
  invoke: (channel, input) => ipcRenderer.invoke(channel, input),
  onEvent: (listener) => {
    const forward = (_event: IpcRendererEvent, data: AppEvent): void => listener(data)
    ipcRenderer.on(EVENT_CHANNEL, forward)
    return () => void ipcRenderer.off(EVENT_CHANNEL, forward)
  }
}

contextBridge.exposeInMainWorld('chromadesk', bridge)
