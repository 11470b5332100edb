// One string names a connection: an http(s) URL is a Chroma server, anything else a Chromadesk
// data directory.
import { LocalConnection } from './local.js'
import { RemoteConnection, type RemoteOptions } from './remote.js'
import type { Connection } from './types.js'

export function openConnection(where: string, opts: RemoteOptions = {}): Connection {
  if (/^https?:\/\//i.test(where)) return new RemoteConnection(where, opts)
  return LocalConnection.open(where)
}
