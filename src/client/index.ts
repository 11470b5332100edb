/**
 * Chromadesk's HTTP client for Chroma servers (this app's server or Chroma >= 1.0): the 0.3
 * JavaScript API with positional arguments, plus the object-style arguments of newer clients.
 * Uses only global `fetch`; safe to import without the engine's native modules.
 */
export { ChromaClient, Collection } from './chroma-client.js'
export * from './errors.js'
export type * from './types.js'
