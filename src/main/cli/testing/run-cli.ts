// The command line run as a real process (through tsx, from the sources), for the CLI's tests.
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createTinyModel } from '../../engine/embedding/testing/tiny-model.js'
import { PersistentClient } from '../../engine/index.js'

const CLI = resolve('src/main/cli/cli.ts')

export function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The documents of the fixture's "notes", ids n0..n3. */
export const NOTES = ['the river runs to the sea', 'a dog and a cat play', 'the farm grows food', 'music in the school']

/**
 * A data directory (under a new temp folder `root`) holding the collection "notes" of four documents
 * embedded with a tiny model; `modelB` is a second tiny model of another dimension (40).
 */
export async function notesFixture(prefix: string): Promise<{ root: string; dir: string; modelB: string }> {
  const root = mkdtempSync(join(tmpdir(), prefix))
  const modelA = await createTinyModel(join(root, 'models'))
  const modelB = await createTinyModel(join(root, 'models'), {
    name: 'tiny-bert-40',
    layers: 1,
    hiddenSize: 40,
    heads: 2
  })
  const dir = join(root, 'data')
  const client = new PersistentClient({
    path: dir,
    embeddingOptions: { trust: { allows: () => true, howToAllow: '' } }
  })
  const col = await client.createCollection({
    name: 'notes',
    configuration: { embedding_function: { type: 'known', name: 'transformers', config: { model: modelA } } }
  })
  await col.add({ ids: NOTES.map((_, i) => `n${i}`), documents: NOTES })
  await client.close()
  return { root, dir, modelB }
}
