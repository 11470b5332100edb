// Index health: a deliberately damaged index (a snapshot whose vectors were altered with its checksums
// recomputed, as a bug would leave it) is reported by Verify and repaired by Rebuild; Compact after a
// collection's delete shows the bytes it freed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alterSnapshotVectors } from '../src/main/engine/testing/damage-index.js'
import type { CollectionSummary, JobStatus } from '../src/shared/contract.js'
import { expect, test, type Page } from './fixtures.js'
import { freePort, shot, startApp, type RunningApp } from './helpers.js'

test.describe.configure({ mode: 'serial' })

const DIM = 16
let dataDir: string
let app: RunningApp
let port: string

const start = (): Promise<RunningApp> => startApp('out/main/serve.js', () => ['--port', port, '--path', dataDir])

async function addRecords(collectionId: string, n: number): Promise<void> {
  for (let s = 0; s < n; s += 1000) {
    const records = Array.from({ length: Math.min(1000, n - s) }, (_, i) => ({
      id: `r${s + i}`,
      embedding: Array.from({ length: DIM }, (_, j) => Math.sin((s + i) * 13 + j)),
      document: `record ${s + i}`
    }))
    await app.call('records.add', { collectionId, records })
  }
}

async function openHealth(page: Page, name: string): Promise<void> {
  await page.goto(app.url)
  await page.locator(`[data-testid="collection-item"][data-name="${name}"]`).click()
  await page.getByTestId('health-tab').click()
  await expect(page.getByTestId('health-panel')).toBeVisible()
}

test.beforeAll(async () => {
  test.skip(test.info().project.name !== 'browser', 'damages the data directory between two server runs')
  dataDir = mkdtempSync(join(tmpdir(), 'chromadesk-e2e-health-'))
  port = String(await freePort())
  app = await start()
})
test.afterAll(async () => {
  await app?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

test('Verify reports a deliberately damaged index and Rebuild repairs it', async ({ page }) => {
  const c = await app.call<CollectionSummary>('collections.create', { name: 'health-e2e', embeddingModel: null })
  await addRecords(c.id, 2500)
  // Stopping the server writes the index snapshot; the damage goes into it while nothing runs.
  await app.stop()
  const altered = alterSnapshotVectors(dataDir, c.id, 3)
  expect(altered).toHaveLength(3)
  app = await start()

  await openHealth(page, 'health-e2e')
  await expect(page.getByTestId('health-records')).toHaveText('2,500 records')
  await page.getByTestId('health-verify').click()
  const result = page.getByTestId('verify-result')
  await expect(result).toHaveAttribute('data-healthy', 'false', { timeout: 30_000 })
  await expect(page.getByTestId('verify-stale')).toContainText('3 stale')
  await expect(page.getByTestId('verify-stale')).toContainText(`r${(altered[0] as number) - 1}`)
  await expect(page.getByTestId('verify-missing')).toContainText('0 missing')
  await shot(page, 'health-verify-damaged.png')

  await page.getByTestId('health-rebuild').click()
  await expect
    .poll(async () => (await app.call<JobStatus[]>('jobs.list', {})).find((j) => j.kind === 'rebuild')?.state, {
      timeout: 60_000
    })
    .toBe('done')
  await expect(page.getByTestId('health-verify')).toBeEnabled()
  await page.getByTestId('health-verify').click()
  await expect(result).toHaveAttribute('data-healthy', 'true', { timeout: 30_000 })
  await expect(result).toContainText('2,500 records compared')
  await expect(page.getByTestId('health-snapshot')).not.toHaveText('none yet')
  await shot(page, 'health-verify-healthy.png')
  // Queries answer from the rebuilt index.
  const hits = await app.call<{ id: string }[]>('records.query', {
    collectionId: c.id,
    embedding: Array.from({ length: DIM }, (_, j) => Math.sin(7 * 13 + j)),
    nResults: 1
  })
  expect(hits[0]?.id).toBe('r7')
})

test('Compact after deleting a collection shows the bytes freed', async ({ page }) => {
  const doomed = await app.call<CollectionSummary>('collections.create', { name: 'to-delete', embeddingModel: null })
  await addRecords(doomed.id, 4000)
  await app.call('collections.delete', { id: doomed.id })
  await page.goto(app.url)
  await expect(page.getByTestId('engine-status')).toBeVisible()
  await page.getByTestId('compact-button').click()
  const freed = page.getByTestId('compact-result')
  await expect(freed).toBeVisible({ timeout: 60_000 })
  await expect(freed).toContainText(/Freed \d/)
  expect(Number(await freed.getAttribute('data-freed'))).toBeGreaterThan(4000 * DIM * 4)
  await shot(page, 'health-compact.png')
  // Every record of the other collection is still there.
  const kept = await app.call<CollectionSummary[]>('collections.list', {})
  expect(kept.map((k) => [k.name, k.count])).toEqual([['health-e2e', 2500]])
})
