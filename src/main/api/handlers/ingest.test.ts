// Staging of dropped files (decision 0051): disk limits per upload and overall, expiry, and the
// sweep of folders left by a process that ended without cleaning up.
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../engine/index.js'
import type { AppContext } from '../context.js'
import { sweepPrivateTempDirs } from '../../engine/private-temp.js'
import { IngestManager } from './ingest.js'

let parent: string
const managers: IngestManager[] = []
beforeEach(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'chromadesk-staging-test-'))
})
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close()
  rmSync(parent, { recursive: true, force: true })
})

// upload, discard, stagedFile and sweep use neither connections nor events.
const ctx = {} as Pick<AppContext, 'connections' | 'events' | 'jobs'>
let clock = 1_000_000
function manager(limits: { perUpload: number; total: number }): IngestManager {
  const m = new IngestManager(ctx, { stagingParent: parent, limits, now: () => clock })
  managers.push(m)
  return m
}

const file = (name: string, bytes: number) => ({ name, data: Buffer.alloc(bytes, 7).toString('base64') })
/** Bytes of the staged files on disk, under the staging parent. */
function onDisk(dir = parent): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    total += entry.isDirectory() ? onDisk(full) : statSync(full).size
  }
  return total
}

describe('staged uploads', () => {
  it('refuses a call that would take one upload past its limit, and writes none of it', () => {
    const m = manager({ perUpload: 1000, total: 10_000 })
    const { uploadId } = m.upload(undefined, [file('a.txt', 600)])
    expect(() => m.upload(uploadId, [file('b.txt', 300), file('c.txt', 200)])).toThrow(InvalidArgumentError)
    expect(() => m.upload(uploadId, [file('b.txt', 300), file('c.txt', 200)])).toThrow(
      /Upload too large: 1.1 KiB, at most 1000 B can be staged per upload/
    )
    expect(() => m.stagedFile(uploadId, 'b.txt')).toThrow(NotFoundError)
    expect(m.staged).toBe(600)
    expect(onDisk()).toBe(600)
    // A name given again replaces its file: only the difference counts.
    expect(m.upload(uploadId, [file('a.txt', 900), file('b.txt', 100)]).files.sort()).toEqual(['a.txt', 'b.txt'])
    expect(m.staged).toBe(1000)
    expect(onDisk()).toBe(1000)
    // A new upload is refused before its folder is made.
    expect(() => m.upload(undefined, [file('big.bin', 1001)])).toThrow(InvalidArgumentError)
    expect(m.staged).toBe(1000)
    const [root] = readdirSync(parent)
    expect(readdirSync(path.join(parent, root as string))).toEqual([uploadId])
  })

  it('appends parts to a staged file, within the limits, in order', () => {
    const m = manager({ perUpload: 1000, total: 10_000 })
    const part = (text: string, append?: boolean) => ({
      name: 'big.bin',
      data: Buffer.from(text).toString('base64'),
      ...(append === undefined ? {} : { append })
    })
    expect(() => m.upload(undefined, [part('x', true)])).toThrow(/nothing to append to/)
    const { uploadId } = m.upload(undefined, [part('first-')])
    m.upload(uploadId, [part('second-', true), part('third', true)])
    expect(readFileSync(m.stagedFile(uploadId, 'big.bin'), 'utf8')).toBe('first-second-third')
    expect(m.staged).toBe(18)
    // A part past the limit is refused and nothing of it is written.
    expect(() => m.upload(uploadId, [part('y'.repeat(983), true)])).toThrow(/Upload too large/)
    expect(readFileSync(m.stagedFile(uploadId, 'big.bin'), 'utf8')).toBe('first-second-third')
    // Sending the name again without append starts the file over.
    m.upload(uploadId, [part('new')])
    expect(readFileSync(m.stagedFile(uploadId, 'big.bin'), 'utf8')).toBe('new')
    expect(m.staged).toBe(3)
    expect(onDisk()).toBe(3)
  })

  it('refuses uploads past the overall limit until others are gone', () => {
    const m = manager({ perUpload: 1000, total: 1900 })
    const first = m.upload(undefined, [file('a.txt', 800)]).uploadId
    m.upload(undefined, [file('b.txt', 1000)])
    expect(() => m.upload(undefined, [file('c.txt', 300)])).toThrow(ResourceExhaustedError)
    expect(() => m.upload(undefined, [file('c.txt', 300)])).toThrow(/Not enough staging space/)
    // Growing an existing upload counts too (here within its own limit).
    expect(() => m.upload(first, [file('a2.txt', 150)])).toThrow(ResourceExhaustedError)
    expect(m.staged).toBe(1800)
    expect(onDisk()).toBe(1800)
    m.discard(first)
    expect(m.staged).toBe(1000)
    expect(onDisk()).toBe(1000)
    const third = m.upload(undefined, [file('c.txt', 300)]).uploadId
    expect(m.stagedFile(third, 'c.txt')).toContain(parent)
    expect(m.staged).toBe(1300)
  })

  it('sweeps uploads untouched for an hour, releasing their space', () => {
    const m = manager({ perUpload: 1000, total: 1000 })
    const old = m.upload(undefined, [file('a.txt', 700)]).uploadId
    const staged = m.stagedFile(old, 'a.txt')
    clock += 30 * 60 * 1000
    const kept = m.upload(undefined, [file('b.txt', 300)]).uploadId
    clock += 31 * 60 * 1000 // the first is now 61 minutes old, the second 31
    m.sweep()
    expect(existsSync(staged)).toBe(false)
    expect(() => m.stagedFile(old, 'a.txt')).toThrow(NotFoundError)
    expect(m.stagedFile(kept, 'b.txt')).toContain(parent)
    expect(m.staged).toBe(300)
    // The released space is usable again.
    m.upload(undefined, [file('c.txt', 700)])
    expect(m.staged).toBe(1000)
  })

  it('removes every staged file on close', async () => {
    const m = manager({ perUpload: 1000, total: 1000 })
    m.upload(undefined, [file('notes/a.md', 10)])
    expect(readdirSync(parent)).toHaveLength(1)
    await m.close()
    expect(readdirSync(parent)).toEqual([])
    expect(m.staged).toBe(0)
  })
})

describe('starting an ingest from an upload', () => {
  it('takes the upload at once: a discard or second start meanwhile finds nothing; a failed start gives it back', async () => {
    let finish!: (err: Error) => void
    const lookup = new Promise<never>((_, reject) => (finish = reject))
    const slowCtx = {
      connections: { backend: () => ({ get: () => lookup, embedder: () => null }) }
    } as unknown as Pick<AppContext, 'connections' | 'events' | 'jobs'>
    const m = new IngestManager(slowCtx, { stagingParent: parent, limits: { perUpload: 1000, total: 1000 } })
    managers.push(m)
    const { uploadId } = m.upload(undefined, [file('a.txt', 400)])
    const starting = m.start({ uploadId, collectionId: 'c' })
    // While the collection is looked up, the upload is the start's alone.
    m.discard(uploadId)
    await expect(m.start({ uploadId, collectionId: 'c' })).rejects.toThrow(NotFoundError)
    expect(m.staged).toBe(400)
    expect(onDisk()).toBe(400)
    finish(new NotFoundError('Collection c does not exist'))
    await expect(starting).rejects.toThrow(/Collection c does not exist/)
    // The failed start gave the upload back: it can be previewed, started again or discarded once.
    expect(m.stagedFile(uploadId, 'a.txt')).toContain(parent)
    m.discard(uploadId)
    m.discard(uploadId)
    expect(m.staged).toBe(0)
    expect(onDisk()).toBe(0)
  })
})

describe('leftover private folders (staging, exports, backups, restores)', () => {
  function leftover(name: string, ageMs = 0): string {
    const dir = path.join(parent, name)
    mkdirSync(path.join(dir, 'some-upload', 'notes'), { recursive: true })
    writeFileSync(path.join(dir, 'some-upload', 'notes', 'a.md'), 'text')
    const when = new Date(Date.now() - ageMs)
    utimesSync(dir, when, when)
    return dir
  }

  it('are removed at start when their process is gone; those of running processes stay', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number // ran and exited
    leftover(`chromadesk-ingest-${gone}-AbC123`)
    // Export files, backups and restore copies of a crashed run hold a copy of the data: they go too.
    leftover(`chromadesk-backup-${gone}-AbC123`)
    leftover(`chromadesk-export-${gone}-AbC123`)
    leftover(`chromadesk-restore-${gone}-AbC123`)
    leftover(`chromadesk-backup-${process.ppid}-XyZ789`)
    leftover(`chromadesk-ingest-${process.ppid}-XyZ789`) // a running process (this test's parent)
    leftover('chromadesk-ingest-Q1w2E3', 2 * 60 * 60 * 1000) // an older version's folder, two hours old
    leftover('chromadesk-ingest-R4t5Y6', 60 * 1000) // the same, one minute old: maybe in use
    leftover('something-else', 24 * 60 * 60 * 1000)
    manager({ perUpload: 1000, total: 1000 })
    expect(readdirSync(parent).sort()).toEqual(
      [
        `chromadesk-backup-${process.ppid}-XyZ789`,
        `chromadesk-ingest-${process.ppid}-XyZ789`,
        'chromadesk-ingest-R4t5Y6',
        'something-else'
      ].sort()
    )
  })

  it('of this process are left to it', () => {
    const m = manager({ perUpload: 1000, total: 1000 })
    m.upload(undefined, [file('a.txt', 5)])
    const [own] = readdirSync(parent)
    expect(own).toMatch(new RegExp(`^chromadesk-ingest-${process.pid}-`))
    expect(sweepPrivateTempDirs(parent)).toEqual([])
    expect(readdirSync(parent)).toEqual([own])
  })
})
