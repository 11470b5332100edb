import { contextBridge, ipcRenderer } from 'electron'
import type { Bridge } from '../shared/bridge.js'

// Only a typed invoke crosses the bridge: no raw ipcRenderer, no event objects. The main side
// validates the channel and the input.
const bridge: Bridge = {
  invoke: (channel, input) => ipcRenderer.invoke(channel, input)
}

contextBridge.exposeInMainWorld('chromadesk', bridge)
