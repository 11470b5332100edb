/**
 * The `chromadesk` package for scripts: the embedded engine (`EphemeralClient`, `PersistentClient`)
 * and everything it exports. Electron's entry is separate (package.json `main`).
 */
export * from './main/engine/index.js'
// The HTTP client of the 0.3 JavaScript API, for our server or any Chroma server. Named explicitly:
// it has its own Collection and error classes.
export { ChromaClient } from './client/index.js'
