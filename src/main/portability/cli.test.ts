// The command line as a real process (`node --import tsx src/main/cli/cli.ts ...`): export, import,
// copy between directories, errors and exit codes.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PersistentClient } from '../engine/index.js'
import { LocalConnection } from './local.js'
import { batchOf, expectSameRecords, makeRecords, readAll } from './testing.js'
import type { CollectionEndpoint } from './types.js'

const CLI = resolve('src/main/cli/cli.ts')
let root: string

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const records = makeRecords(1500, 12, 5)

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'portability-cli-'))
  const conn = LocalConnection.open(join(root, 'src'))
  const col = await conn.create({
    name: 'notes',
    metadata: { kind: 'notes' },
    configuration: { hnsw: null, embedding_function: { type: 'known', name: 'default', config: {} } },
    dimension: null
  })
  await col.add(batchOf(records))
  await conn.close()
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('cli', () => {
  it('prints usage for --help and exits 2 on a usage error', () => {
    const help = cli('--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('import-chroma-dir --path DIR --chroma-dir CHROMA_DIR')
    const bad = cli('export', '--path', join(root, 'src'))
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--collection is required')
    expect(cli('frobnicate').stderr).toContain('Unknown command "frobnicate"')
    const missing = cli('export', '--path', join(root, 'nope'), '--collection', 'x', '--out', join(root, 'x.jsonl'))
    expect(missing.status).toBe(1)
    expect(missing.stderr).toBe(`Error: No Chromadesk data directory at ${join(root, 'nope')}\n`)
  })

  it('exports, imports and copies, with progress on stderr and one result line on stdout', async () => {
    const file = join(root, 'notes.jsonl')
    const exp = cli(
      'export',
      '--path',
      join(root, 'src'),
      '--collection',
      'notes',
      '--out',
      file,
      '--batch-size',
      '500'
    )
    expect(exp.stderr).toContain('export: 1500/1500 (100%)')
    expect(exp.status, exp.stderr).toBe(0)
    expect(exp.stdout.trim().split('\n')).toHaveLength(1)
    expect(exp.stdout).toMatch(/^exported 1500 records of "notes" to .*notes\.jsonl \(jsonl, \d+ bytes\)\n$/)

    const imp = cli('import', '--path', join(root, 'dst'), '--file', file, '--json')
    expect(imp.status, imp.stderr).toBe(0)
    expect(JSON.parse(imp.stdout)).toMatchObject({ collection: 'notes', created: true, imported: 1500 })

    const again = cli('import', '--path', join(root, 'dst'), '--file', file)
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/^Error: 1500 of the 1500 ids .* already exist in "notes"/)
    const skip = cli('import', '--path', join(root, 'dst'), '--file', file, '--on-conflict', 'skip')
    expect(skip.stdout).toBe('imported 0 of 1500 records into existing collection "notes", skipped 1500 existing ids\n')

    const copy = cli(
      'copy',
      '--from',
      join(root, 'dst'),
      '--to',
      join(root, 'third'),
      '--collection',
      'notes',
      '--as',
      'notes-2'
    )
    expect(copy.status, copy.stderr).toBe(0)
    expect(copy.stdout).toMatch(
      /^copied 1500 records of "notes" from .*dst to "notes-2" at .*third in [\d.]+ s \(\d+\/s\)\n$/
    )

    for (const [dir, name] of [
      ['dst', 'notes'],
      ['third', 'notes-2']
    ] as const) {
      const conn = LocalConnection.open(join(root, dir))
      try {
        const col = (await conn.open(name)) as CollectionEndpoint
        expectSameRecords(await readAll(col), records)
        expect(col.spec.metadata).toEqual({ kind: 'notes' })
      } finally {
        await conn.close()
      }
    }
  })

  it('exports Parquet for --format parquet or an --out ending in .parquet, and imports it', async () => {
    const file = join(root, 'notes.parquet')
    const exp = cli('export', '--path', join(root, 'src'), '--collection', 'notes', '--out', file)
    expect(exp.status, exp.stderr).toBe(0)
    expect(exp.stdout).toMatch(/^exported 1500 records of "notes" to .*notes\.parquet \(parquet, \d+ bytes\)\n$/)
    const named = join(root, 'notes.data')
    const flag = cli(
      'export',
      '--path',
      join(root, 'src'),
      '--collection',
      'notes',
      '--out',
      named,
      '--format',
      'parquet'
    )
    expect(flag.status, flag.stderr).toBe(0)
    expect(readFileSync(named).subarray(0, 4).toString()).toBe('PAR1')
    const bad = cli('export', '--path', join(root, 'src'), '--collection', 'notes', '--out', named, '--format', 'csv')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('Invalid --format: csv (jsonl or parquet)')

    const imp = cli('import', '--path', join(root, 'pq'), '--file', named, '--json')
    expect(imp.status, imp.stderr).toBe(0)
    expect(JSON.parse(imp.stdout)).toMatchObject({ collection: 'notes', created: true, imported: 1500 })
    const conn = LocalConnection.open(join(root, 'pq'))
    try {
      expectSameRecords(await readAll((await conn.open('notes')) as CollectionEndpoint), records)
    } finally {
      await conn.close()
    }
  })

  it('backs up and restores a data directory, whole or as a database, and lists both in its help', async () => {
    const help = cli('--help').stdout
    expect(help).toContain('backup --path DIR --out FILE')
    expect(help).toContain('restore --file FILE --path DIR --database NAME [--tenant T] [--from TENANT/DB]')
    const file = join(root, 'src.backup')
    const b = cli('backup', '--path', join(root, 'src'), '--out', file, '--json')
    expect(b.status, b.stderr).toBe(0)
    expect(b.stderr).toMatch(/backup snapshot: \d+\/\d+ \(100%\)/)
    expect(JSON.parse(b.stdout)).toMatchObject({ records: 1500, collections: 1, databases: 1, tenants: 1 })
    const whole = cli('restore', '--file', file, '--path', join(root, 'restored'))
    expect(whole.status, whole.stderr).toBe(0)
    expect(whole.stdout).toMatch(/^restored 1500 records in 1 collection\(s\) into .*restored/)
    const busy = cli('restore', '--file', file, '--path', join(root, 'restored'))
    expect(busy.status).toBe(1)
    expect(busy.stderr).toMatch(/^Error: .*restored is not empty \(/)
    const asDb = cli('restore', '--file', file, '--path', join(root, 'restored'), '--database', 'second', '--json')
    expect(asDb.status, asDb.stderr).toBe(0)
    const report = JSON.parse(asDb.stdout) as { records: number; collections: { previousId?: string }[] }
    expect(report.records).toBe(1500)
    expect(report.collections[0]?.previousId).toBeDefined()
    for (const database of ['default_database', 'second']) {
      const conn = new LocalConnection(
        new PersistentClient({ path: join(root, 'restored'), database }),
        'restored',
        true
      )
      try {
        expectSameRecords(await readAll((await conn.open('notes')) as CollectionEndpoint), records)
      } finally {
        await conn.close()
      }
    }
  })

  it('exits 1 with a clear message for a file of another format', () => {
    const other = join(root, 'other.csv')
    writeFileSync(other, 'id,text\n1,hello\n')
    const r = cli('import', '--path', join(root, 'dst2'), '--file', other)
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(
      'Error: Not a Chromadesk export file (the first line is not JSON); expected a JSONL or Parquet file written by `export`\n'
    )
    expect(r.stdout).toBe('')
  })
})
