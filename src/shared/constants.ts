// The contract's plain values, importable without the schemas (and zod) behind them.
import type { Channel } from './contract.js'

/** Prefix of the HTTP adapter's routes on the local server. */
export const RPC_PATH = '/app/rpc'

/** Server-sent events stream of the HTTP adapter. */
export const EVENTS_PATH = '/app/events'

/** Browser mode's export download: GET `${EXPORT_PATH}/<collectionId>?connection=<id>`. */
export const EXPORT_PATH = '/app/export'

/**
 * Calls that travel over IPC only: the desktop app's settings hold the REST port's token and the data
 * directory, so no HTTP surface ever answers them.
 */
export const IPC_ONLY_CHANNELS: ReadonlySet<Channel> = new Set([
  'settings.get',
  'settings.setServer',
  'settings.setDataDir',
  // Bytes: over HTTP the layout is MAP_PATH's octet stream, not JSON.
  'collections.mapLayout'
])

/** Header that carries the app key of a browser-mode server run (the contract's HTTP credential). */
export const APP_KEY_HEADER = 'x-chromadesk-key'

/** Error name of a refused or missing app key (the UI then asks for the start link). */
export const APP_KEY_ERROR = 'AppKeyError'

/** The built-in local database's connection id. */
export const LOCAL_CONNECTION = 'local'

/** Calls that act on one connection's data and take its id as `connection`. */
export function isConnectionScoped(channel: Channel): boolean {
  return (
    /^(collections|records|databases|tenants)\./.test(channel) ||
    channel === 'ingest.preview' ||
    channel === 'ingest.start'
  )
}

/** Browser mode's backup download, once the backup job is done: GET `${BACKUP_PATH}/<jobId>`. */
export const BACKUP_PATH = '/app/backup'

/**
 * The map's layout bytes in browser mode: GET `${MAP_PATH}/<collectionId>?connection=<id>`
 * (application/octet-stream; collections.mapLayout is the IPC way).
 */
export const MAP_PATH = '/app/map'

/**
 * Sent by the app's own connections to a Chroma server: another Chromadesk then answers collections
 * with their stored embedding function (the model named) instead of the form shown to Chroma's
 * clients (decision 0140), so the app embeds with that model as it does for its own collections.
 */
export const STORED_FUNCTION_HEADER = 'x-chromadesk-stored-function'
