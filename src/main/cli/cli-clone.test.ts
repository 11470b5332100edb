// `clone` on the command line as a real process: new space and parameters, a new model (re-embedded),
// refusals with their exit codes.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PersistentClient } from '../engine/index.js'
import { cli, NOTES as docs, notesFixture } from './testing/run-cli.js'

let root: string
let dir: string
let modelB: string

beforeAll(async () => {
  ;({ root, dir, modelB } = await notesFixture('clone-cli-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('cli clone', () => {
  it('clones with a new space and HNSW parameters, embeddings as stored', async () => {
    const r = cli('clone', '--path', dir, '--collection', 'notes', '--as', 'notes-cos', '--space', 'cosine')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /^cloned "notes" as "notes-cos" \(hnsw.space: l2 -> cosine\): 4 records, embeddings copied as stored, in/
    )
    expect(r.stderr).toContain('clone copying: 4/4 (100%)')
    const j = cli(
      'clone',
      '--path',
      dir,
      '--collection',
      'notes',
      '--as',
      'notes-tuned',
      '--ef-search',
      '20',
      '--max-neighbors',
      '8',
      '--ef-construction',
      '50',
      '--json'
    )
    expect(j.status, j.stderr).toBe(0)
    const report = JSON.parse(j.stdout) as { copied: number; reembedded: number; changes: string[] }
    expect(report).toMatchObject({ copied: 4, reembedded: 0 })
    expect(report.changes.sort()).toEqual([
      'hnsw.ef_construction: 100 -> 50',
      'hnsw.ef_search: 100 -> 20',
      'hnsw.max_neighbors: 16 -> 8'
    ])
  })

  it('re-embeds with --model, and the clone answers text queries with it', async () => {
    const r = cli('clone', '--path', dir, '--collection', 'notes', '--as', 'notes-40', '--model', modelB, '--json')
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ copied: 4, reembedded: 4, skipped: 0, model: modelB })
    expect(r.stderr).toContain('clone writing: 4/4 (100%)')
    // The model named on the command line is recorded as the user's choice: the app's trust loads it.
    const client: PersistentClient = new PersistentClient({
      path: dir,
      embeddingOptions: { trust: { allows: (m) => client.db.isTrustedModel(m), howToAllow: '' } }
    })
    try {
      const col = await client.getCollection({ name: 'notes-40' })
      expect(client.db.getCollectionById(col.id).dimension).toBe(40)
      const hits = await col.query({ queryTexts: [docs[2] as string], nResults: 1, include: ['distances'] })
      expect(hits.ids[0]).toEqual(['n2'])
      expect(hits.distances?.[0]?.[0]).toBeCloseTo(0, 4)
    } finally {
      await client.close()
    }
  })

  it('refuses bad options: usage errors exit 2, the engine and the checks exit 1 with their message', () => {
    const bad = cli('clone', '--path', dir, '--collection', 'notes', '--as', 'x2', '--space', 'manhattan')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('Invalid --space: manhattan (l2, cosine or ip)')
    const zero = cli('clone', '--path', dir, '--collection', 'notes', '--as', 'notes-0', '--ef-search', '0')
    expect(zero.status).toBe(1)
    expect(zero.stderr).toContain('Invalid HNSW configuration: invalid ef_search 0, must be a positive integer')
    const taken = cli('clone', '--path', dir, '--collection', 'notes', '--as', 'notes-cos', '--space', 'ip')
    expect(taken.status).toBe(1)
    expect(taken.stderr).toContain('"notes-cos" already exists')
    const missing = cli(
      'clone',
      '--path',
      dir,
      '--collection',
      'notes',
      '--as',
      'notes-m',
      '--model',
      join(root, 'nope')
    )
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/Embedding model folder ".*nope" does not exist/)
    expect(cli('--help').stdout).toContain('clone --path DIR --collection NAME --as NEW [--space l2|cosine|ip]')
  })
})
