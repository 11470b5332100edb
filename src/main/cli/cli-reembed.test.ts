// `reembed` on the command line as a real process: the collection switches to the new model in place;
// refusals exit 1 with the reason.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PersistentClient } from '../engine/index.js'
import { cli, notesFixture } from './testing/run-cli.js'

let root: string
let dir: string
let modelB: string

beforeAll(async () => {
  ;({ root, dir, modelB } = await notesFixture('reembed-cli-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('cli reembed', () => {
  it('switches the collection to the new model; it answers queries with it', async () => {
    const r = cli('reembed', '--path', dir, '--collection', 'notes', '--model', modelB)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^re-embedded "notes" with ${modelB}: 4 records, dimension 40 in`))
    const client = new PersistentClient({
      path: dir,
      embeddingOptions: { trust: { allows: () => true, howToAllow: '' } }
    })
    try {
      const col = await client.getCollection({ name: 'notes' })
      expect(col.configuration.embedding_function).toEqual({
        type: 'known',
        name: 'transformers',
        config: { model: modelB }
      })
      const q = await col.query({ queryTexts: ['a dog and a cat play'], nResults: 1 })
      expect(q.ids[0]).toEqual(['n1'])
    } finally {
      await client.close()
    }
    const again = cli('reembed', '--path', dir, '--collection', 'notes', '--model', modelB)
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/already embeds with/)
    const missing = cli('reembed', '--path', dir, '--collection', 'notes', '--model', join(root, 'nope'))
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/does not exist/)
  })
})
