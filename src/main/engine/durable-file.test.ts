import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { replaceFileDurably } from './durable-file.js'

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>()
  return { ...actual, fsyncSync: vi.fn(actual.fsyncSync) }
})

describe('replaceFileDurably', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chromadesk-durable-'))
  afterEach(() => vi.mocked(fs.fsyncSync).mockClear())

  it('syncs the new content and the directory before the write counts as done', () => {
    const file = join(dir, 'nested', 'settings.json')
    replaceFileDurably(file, '{"a":1}', 0o600)
    replaceFileDurably(file, '{"a":2}', 0o600)
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}')
    // Per write: the temp file's data, then the directory entry of the rename.
    expect(vi.mocked(fs.fsyncSync)).toHaveBeenCalledTimes(process.platform === 'win32' ? 2 : 4)
    expect(readdirSync(join(dir, 'nested'))).toEqual(['settings.json'])
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    rmSync(dir, { recursive: true, force: true })
  })
})
