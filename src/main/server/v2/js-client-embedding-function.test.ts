// The official JS client (3.0.3 and 3.5.0) against collections the app made (decision 0120): the default
// model's stored function is Chroma's own `default`, which both clients rebuild as their
// DefaultEmbeddingFunction without a warning; another model's is one 3.5.0 passes over silently.
// The clients' TypeScript sources are imported (as the vendored official suite does) so that their
// `import('@chroma-core/default-embed')` reaches the project's stand-in for that package (decision 0124).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { CollectionSummary } from '../../../shared/contract.js'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { createHandlers } from '../../api/handlers.js'
import { contractCaller } from '../../api/testing/handlers.js'
import { startOurServer, type RunningServer } from './test-server.js'
import { DefaultEmbeddingFunction } from './official-suite/default-embed.js'

vi.mock('@chroma-core/default-embed', () => import('./official-suite/default-embed.js'))

/** A client package's TypeScript sources (a path the type checker does not follow; the dist types describe them). */
const sources = (pkg: string): string => `../../../../node_modules/${pkg}/src/index.ts`
const { ChromaClient: Client303 } = (await import(/* @vite-ignore */ sources('chromadb'))) as typeof import('chromadb')
const { ChromaClient: Client350 } = (await import(
  /* @vite-ignore */ sources('chromadb-v3-5-0')
)) as typeof import('chromadb-v3-5-0')

let models: string
let server: RunningServer
let warn: MockInstance
let error: MockInstance

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'js-client-ef-'))
  const tiny = await createTinyModel(models)
  server = await startOurServer()
  const { call } = contractCaller(() => createHandlers(server.ctx))
  await call<CollectionSummary>('collections.create', { name: 'ui-default' })
  await call<CollectionSummary>('collections.create', { name: 'ui-tiny', embeddingModel: tiny })
})
afterAll(async () => {
  await server.stop()
  rmSync(models, { recursive: true, force: true })
})
beforeEach(() => {
  warn = vi.spyOn(console, 'warn')
  error = vi.spyOn(console, 'error')
})
afterEach(() => vi.restoreAllMocks())

const clients = {
  '3.0.3': () => new Client303({ host: server.host, port: server.port }),
  '3.5.0': () => new Client350({ host: server.host, port: server.port })
}

describe.each(Object.entries(clients))('chromadb %s', (version, client) => {
  it('getCollection resolves the default model as the DefaultEmbeddingFunction, without warnings', async () => {
    const stored = server.ctx.client.db.getCollection(
      { tenant: 'default_tenant', database: 'default_database' },
      'ui-default'
    )
    expect(stored.configuration_json.embedding_function).toEqual({ type: 'known', name: 'default', config: {} })
    // 3.0.3 looks the name up among functions registered so far; the package registers `default` when
    // a collection is created without a function, as scripts written for it do first.
    if (version === '3.0.3') await client().getOrCreateCollection({ name: 'scratch' })
    const c = await client().getCollection({ name: 'ui-default' })
    expect(c.embeddingFunction).toBeInstanceOf(DefaultEmbeddingFunction)
    expect(warn).not.toHaveBeenCalled()
    expect(error).not.toHaveBeenCalled()
  })

  if (version === '3.5.0') {
    it("another model's function is passed over without a warning; add with embeddings works", async () => {
      const c = await client().getCollection({ name: 'ui-tiny' })
      expect(c.embeddingFunction).toBeUndefined()
      await c.add({ ids: ['a'], embeddings: [new Array(32).fill(0.5)], documents: ['the sea'] })
      expect(await c.count()).toBe(1)
      expect(warn).not.toHaveBeenCalled()
      expect(error).not.toHaveBeenCalled()
    })
  }
})
