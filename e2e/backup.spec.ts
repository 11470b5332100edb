import { readFileSync, writeFileSync } from 'node:fs'
import { expect, test, type Page } from './fixtures.js'
import { freePort, shot, startApp, type RunningApp } from './helpers.js'

// Back up several collections from the UI (a download), delete them, restore from the UI into the
// now empty default database, and compare every record; then a damaged backup is refused.
test.describe.configure({ mode: 'serial' })

let app: RunningApp
let backupFile: string

test.beforeAll(async () => {
  const port = String(await freePort())
  app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
})
test.afterAll(async () => app?.stop())

interface Row {
  id: string
  document: string | null
  metadata: Record<string, unknown> | null
  embedding?: number[] | null
}

const NAMES = ['backup-alpha', 'backup-beta', 'backup-gamma']

function recordsFor(c: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${c}-r${i}`,
    document: i % 4 === 3 ? null : `document ${i} of ${NAMES[c]} ✓`,
    embedding: [i / 7, -1.5e-7 * (i + 1), 3.25, Math.fround(0.1 * (c + 1))],
    metadata:
      i % 5 === 4
        ? null
        : { n: i, ratio: i + 0.5, flag: i % 2 === 0, tag: `t${i % 3}`, nums: [1, 2, i], floats: [1, 2.5] }
  }))
}

async function snapshot(): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {}
  const list = await app.call<{ id: string; name: string }[]>('collections.list', {})
  for (const c of list.filter((c) => NAMES.includes(c.name))) {
    const ids = recordsFor(NAMES.indexOf(c.name), 40).map((r) => r.id)
    const rows = await app.call<Row[]>('records.get', { collectionId: c.id, ids, embeddings: true })
    out[c.name] = rows.sort((a, b) => (a.id < b.id ? -1 : 1))
  }
  return out
}

async function openBackupSection(page: Page): Promise<void> {
  await page.goto(app.url)
  await page.getByTestId('settings-button').click()
  await expect(page.getByTestId('backup-restore')).toBeVisible()
}

test('backs up, deletes, restores: every record compares equal', async ({ page }, info) => {
  for (const [c, name] of NAMES.entries()) {
    const col = await app.call<{ id: string }>('collections.create', {
      name,
      metadata: { owner: 'e2e', index: c },
      space: c === 1 ? 'ip' : 'cosine',
      embeddingModel: null
    })
    await app.call('records.add', { collectionId: col.id, records: recordsFor(c, 40) })
  }
  const before = await snapshot()
  expect(Object.keys(before).sort()).toEqual(NAMES)
  const summaries = await app.call<unknown[]>('collections.list', {})

  await openBackupSection(page)
  const downloading = page.waitForEvent('download')
  await page.getByTestId('backup-now').click()
  const download = await downloading
  backupFile = info.outputPath('db.chromadesk-backup')
  await download.saveAs(backupFile)
  await expect(page.getByTestId('backup-done')).toContainText('Backed up 120 records in 3 collections')
  await shot(page, 'backup-done.png')
  expect(readFileSync(backupFile).subarray(0, 40).toString()).toContain('"format":"chromadesk-backup"')

  const list = await app.call<{ id: string }[]>('collections.list', {})
  for (const c of list) await app.call('collections.delete', { id: c.id })
  expect(await app.call<unknown[]>('collections.list', {})).toEqual([])

  await page.locator('[data-testid="backup-restore"] input[type="file"]').setInputFiles(backupFile)
  await page.getByTestId('restore-start').click()
  await expect(page.getByTestId('restore-done')).toContainText(
    'Restored 120 records into default_tenant/default_database'
  )
  await shot(page, 'restore-done.png')
  expect(await snapshot()).toEqual(before)
  // Same ids (free again), names, metadata and distance spaces.
  expect(await app.call<unknown[]>('collections.list', {})).toEqual(summaries)
  // Refused now that the database holds them, naming what it holds.
  await page.getByTestId('restore-start').click()
  await expect(page.getByTestId('restore-error')).toContainText(
    'default_tenant/default_database is not empty: it holds 3 collections'
  )
})

test('refuses a damaged backup with the reason shown', async ({ page }, info) => {
  const bytes = readFileSync(backupFile)
  // A byte in the middle of the SQLite payload (index files may follow it; a restore as a database skips them).
  const end = bytes.indexOf(0x0a) + 1
  const header = JSON.parse(bytes.subarray(0, end).toString()) as { payload: { bytes: number } }
  const at = end + Math.floor(header.payload.bytes / 2)
  bytes[at] = (bytes[at] as number) ^ 0x01
  const damaged = info.outputPath('damaged.chromadesk-backup')
  writeFileSync(damaged, bytes)
  await openBackupSection(page)
  await page.locator('[data-testid="backup-restore"] input[type="file"]').setInputFiles(damaged)
  await page.getByTestId('restore-database').fill('from_damaged')
  await page.getByTestId('restore-start').click()
  await expect(page.getByTestId('restore-error')).toContainText(
    'damaged.chromadesk-backup is damaged: its data does not match the checksum in its header'
  )
  await shot(page, 'restore-damaged.png')
  const dbs = await app.call<unknown>('collections.list', {})
  expect(dbs).toHaveLength(3)
})
