// The published surface: `import { EphemeralClient, PersistentClient, ChromaClient } from "chromadesk"`
// resolves through package.json `exports` to the built library (run after `npm run build`).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'

test('the engine is importable by package name and works in memory', async () => {
  const { EphemeralClient } = await import('chromadesk')
  const client = new EphemeralClient()
  const collection = await client.createCollection({ name: 'package-check' })
  await collection.add({
    ids: ['a', 'b'],
    embeddings: [
      [1, 0],
      [0, 1]
    ],
    documents: ['first', 'second']
  })
  const result = await collection.query({ queryEmbeddings: [[0.9, 0.1]], nResults: 1 })
  assert.deepEqual(result.ids, [['a']])
  assert.deepEqual(result.documents, [['first']])
  await client.close()
})

test('a persistent client keeps records across reopen, with positional arguments', async () => {
  const { PersistentClient } = await import('chromadesk')
  const path = mkdtempSync(join(tmpdir(), 'chromadesk-package-'))
  try {
    const first = new PersistentClient({ path })
    const collection = await first.createCollection('kept')
    await collection.add(['x'], [[1, 2, 3]], [{ tag: 'one' }], ['doc'])
    await first.close()
    const second = new PersistentClient({ path })
    const reopened = await second.getCollection('kept')
    const got = await reopened.get({ ids: ['x'], include: ['metadatas', 'documents'] })
    assert.deepEqual(got.metadatas, [{ tag: 'one' }])
    assert.deepEqual(got.documents, ['doc'])
    await second.close()
  } finally {
    rmSync(path, { recursive: true, force: true })
  }
})

test('the HTTP client is exported by the package and by chromadesk/client', async () => {
  const root = await import('chromadesk')
  const sub = await import('chromadesk/client')
  assert.equal(typeof root.ChromaClient, 'function')
  assert.equal(root.ChromaClient, sub.ChromaClient)
})
