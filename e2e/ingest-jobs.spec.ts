// Ingest jobs belong to the app (issue 13): a running ingest is found again after switching
// collection and after a page reload, with its progress and Cancel, and the header's Jobs panel lists
// it; a CSV's fields map to records with typed metadata.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from './fixtures.js'
import type { CollectionSummary, RecordRow } from '../src/shared/contract.js'
import { APP_KEY_HEADER } from '../src/shared/constants.js'
import { freePort, fullShot, startApp, tinyModelDir, type RunningApp } from './helpers.js'

const WORDS = 'the water city river story music school paper mountain family number house people ocean'.split(' ')
/** Several MB of sentences: embedding it takes far longer than the test needs to look around. */
function longText(paragraphs: number): string {
  let x = 1
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648)
  return Array.from({ length: paragraphs }, () =>
    Array.from(
      { length: 12 },
      () => Array.from({ length: 9 }, () => WORDS[next() % WORDS.length]).join(' ') + '.'
    ).join(' ')
  ).join('\n\n')
}

const PETS = [
  'id,name,kind,age,vaccinated,story',
  'p1,Rex,dog,3,true,A brown dog who loves long walks by the river every morning',
  'p2,Tom,cat,5,false,A grey cat sleeping on the warm roof of the old house',
  'p3,Bob,fish,1,false,A small orange fish swimming round and round in a glass bowl'
].join('\n')

test.describe('ingest jobs (browser mode)', () => {
  test.describe.configure({ timeout: 180_000 })
  let app: RunningApp
  let filesDir: string
  let library: CollectionSummary
  let pets: CollectionSummary
  let other: CollectionSummary

  test.beforeAll(async () => {
    const port = String(await freePort())
    app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
    const model = await tinyModelDir()
    library = await app.call<CollectionSummary>('collections.create', { name: 'library', embeddingModel: model })
    other = await app.call<CollectionSummary>('collections.create', { name: 'other', embeddingModel: model })
    pets = await app.call<CollectionSummary>('collections.create', { name: 'pets', embeddingModel: model })
    filesDir = mkdtempSync(join(tmpdir(), 'chromadesk-e2e-jobs-'))
    writeFileSync(join(filesDir, 'big.txt'), longText(12_000))
    writeFileSync(join(filesDir, 'pets.csv'), PETS)
    // Over the preview's 256 KiB head: "item_id" is unique in the head, repeated further on.
    const codes = Array.from(
      { length: 4000 },
      (_, i) => `c${i < 3500 ? i : i - 3500},title ${i},${'story words '.repeat(6)}${i}`
    )
    writeFileSync(join(filesDir, 'codes.csv'), ['item_id,title,story', ...codes].join('\n'))
  })
  test.afterAll(async () => {
    await app?.stop()
    if (filesDir) rmSync(filesDir, { recursive: true, force: true })
  })

  async function openTab(page: Page, name: string, tab: 'Records' | 'Add documents'): Promise<void> {
    await page.getByTestId('collection-item').filter({ hasText: name }).first().click()
    await expect(page.getByTestId('collection-name')).toHaveText(name)
    await page.getByRole('tab', { name: tab }).click()
  }

  test('a running ingest survives switching collection and reloading; Jobs panel and Cancel', async ({ page }) => {
    await page.goto(app.url)
    await openTab(page, 'library', 'Add documents')
    await page.getByTestId('ingest-file-input').setInputFiles(join(filesDir, 'big.txt'))
    await expect(page.locator('[data-testid="ingest-file"][data-name="big.txt"]')).toHaveAttribute(
      'data-state',
      'uploaded',
      { timeout: 120_000 }
    )
    // Small chunks: tens of thousands to embed, so the job is still running while the test looks around.
    await page.getByTestId('ingest-chunk-size').fill('30')
    await page.getByTestId('ingest-overlap').fill('0')
    await page.getByTestId('ingest-start').click()
    const job = page.getByTestId('ingest-job')
    await expect(job).toHaveAttribute('data-running', 'true')

    // Another collection, then back: the job is still shown, running, with Cancel.
    await openTab(page, 'other', 'Add documents')
    await expect(page.getByTestId('ingest-dropzone')).toBeVisible()
    await openTab(page, 'library', 'Add documents')
    await expect(job).toHaveAttribute('data-running', 'true')
    await expect(page.getByTestId('ingest-cancel')).toBeVisible()

    // A reload forgets everything the page held: the main side's job list brings the job back.
    await page.reload()
    await openTab(page, 'library', 'Add documents')
    await expect(job).toHaveAttribute('data-running', 'true', { timeout: 15_000 })
    await expect(page.locator('[data-testid="ingest-file-progress"][data-name="big.txt"]')).toHaveAttribute(
      'data-state',
      'working'
    )

    // The header's Jobs panel lists it from anywhere, with its phase and Cancel.
    await openTab(page, 'other', 'Records')
    await page.getByTestId('jobs-button').click()
    const row = page.locator('[data-testid="job"][data-job-kind="ingest"][data-job-state="running"]')
    await expect(row).toContainText('Add big.txt to library')
    // Its phase in words, with the file's name and the amounts in their unit.
    await expect(row).toContainText(
      /(reading big\.txt \(file 1\/1\)|chunking big\.txt: [\d,]+ chunks): [\d.]+ [KM]?i?B of [\d.]+ MiB|embedding and writing big\.txt \(file 1\/1\): [\d,]+ chunks of [\d,]+ chunks/
    )
    await expect(row.getByRole('button', { name: 'Cancel' })).toBeVisible()
    await fullShot(page, 'ingest-jobs-panel.png')
    await page.keyboard.press('Escape')

    await openTab(page, 'library', 'Add documents')
    await page.getByTestId('ingest-cancel').click()
    await expect(page.getByTestId('ingest-summary')).toContainText('cancelled', { timeout: 10_000 })
    await fullShot(page, 'ingest-jobs-cancelled.png')
    await page.getByTestId('jobs-button').click()
    await expect(page.locator('[data-testid="job"][data-job-kind="ingest"]').first()).toHaveAttribute(
      'data-job-state',
      'cancelled'
    )
    // Cancelled before any write of the file: nothing half-written.
    expect(await app.call<number>('records.count', { collectionId: library.id })).toBe(0)
  })

  test('the Jobs panel names copy and import jobs in words, with their outcome', async ({ page }) => {
    const notes = await app.call<CollectionSummary>('collections.create', {
      name: 'notes',
      embeddingModel: await tinyModelDir()
    })
    await app.call('records.add', {
      collectionId: notes.id,
      records: ['a river by the city', 'a song of the sea', 'the school on the hill'].map((document, i) => ({
        id: `n${i}`,
        document
      }))
    })
    const copy = await app.call<{ jobId: string }>('collections.copy', {
      collectionId: notes.id,
      target: 'local',
      name: 'notes-copy'
    })
    // The export the browser downloads, imported back under another name.
    const key = new URLSearchParams(new URL(app.url).hash.slice(1)).get('key') ?? ''
    const exported = await (
      await fetch(`${app.origin}/app/export/${notes.id}`, { headers: { [APP_KEY_HEADER]: key } })
    ).text()
    const { uploadId } = await app.call<{ uploadId: string }>('ingest.upload', {
      files: [{ name: 'notes.jsonl', data: Buffer.from(exported).toString('base64') }]
    })
    await app.call('collections.import', { uploadId, file: 'notes.jsonl', name: 'notes-imported' })

    await page.goto(app.url)
    await page.getByTestId('jobs-button').click()
    const copied = page.locator(`[data-testid="job"][data-job-kind="copy"]`).filter({ hasText: 'notes-copy' })
    await expect(copied).toHaveAttribute('data-job-state', 'done', { timeout: 30_000 })
    await expect(copied).toContainText('Copy notes to notes-copy')
    await expect(copied).toContainText(/Finished in \d+\.\d s/)
    const imported = page.locator(`[data-testid="job"][data-job-kind="import"]`).first()
    await expect(imported).toHaveAttribute('data-job-state', 'done')
    await expect(imported).toContainText('Import notes.jsonl')
    await expect(imported).toContainText(/Finished in \d+\.\d s/)
    // The cancelled ingest of the first test keeps its readable title and says it was cancelled.
    const ingest = page.locator('[data-testid="job"][data-job-kind="ingest"]').filter({ hasText: 'big.txt' })
    await expect(ingest).toHaveAttribute('data-job-state', 'cancelled')
    await expect(ingest).toContainText('Add big.txt to library')
    await fullShot(page, 'jobs-panel-labels.png')
    expect(copy.jobId).not.toBe('')
  })

  test("the mapping on screen is the one used, edited or not: an id unique only in the preview's head is refused", async ({
    page
  }) => {
    await page.goto(app.url)
    await openTab(page, 'other', 'Add documents')
    await page.getByTestId('ingest-file-input').setInputFiles(join(filesDir, 'codes.csv'))
    await expect(page.getByTestId('ingest-mapping')).toBeVisible({ timeout: 30_000 })
    await expect(page.getByTestId('ingest-mapping-id')).toHaveValue('item_id (string)')
    // Started without touching the mapping: the whole file's own guess would drop the id and ingest
    // 4,000 records under made-up ids; the mapping shown names "item_id", which repeats.
    await page.getByTestId('ingest-start').click()
    await expect(page.getByTestId('ingest-summary-failed')).toContainText('1', { timeout: 60_000 })
    await expect(page.getByTestId('ingest-panel')).toContainText('the id field "item_id" must hold a different')
    expect(await app.call<number>('records.count', { collectionId: other.id })).toBe(0)
  })

  test('a file the preview showed keeps its mapping after the preview moves to another file', async ({ page }) => {
    const mixed = await app.call<CollectionSummary>('collections.create', {
      name: 'mixed',
      embeddingModel: await tinyModelDir()
    })
    await page.goto(app.url)
    await openTab(page, 'mixed', 'Add documents')
    await page.getByTestId('ingest-file-input').setInputFiles([join(filesDir, 'codes.csv'), join(filesDir, 'pets.csv')])
    await expect(page.getByTestId('ingest-mapping-id')).toHaveValue('item_id (string)', { timeout: 30_000 })
    // The preview moves on to pets.csv: codes.csv's mapping was shown, and is still the one used.
    await page.getByTestId('ingest-preview-file').click()
    await page.getByRole('option', { name: 'pets.csv', exact: true }).click()
    await expect(page.getByTestId('ingest-mapping-id')).toHaveValue(/^id /, { timeout: 30_000 })
    await page.getByTestId('ingest-start').click()
    await expect(page.getByTestId('ingest-summary-failed')).toContainText('1', { timeout: 60_000 })
    await expect(page.getByTestId('ingest-panel')).toContainText('the id field "item_id" must hold a different')
    // pets.csv alone is ingested: codes.csv was refused, not taken under made-up ids.
    expect(await app.call<number>('records.count', { collectionId: mixed.id })).toBe(3)
  })

  test('a CSV maps to records: document, id and typed metadata fields chosen in the preview', async ({ page }) => {
    await page.goto(app.url)
    await openTab(page, 'pets', 'Add documents')
    await page.getByTestId('ingest-file-input').setInputFiles(join(filesDir, 'pets.csv'))
    const mapping = page.getByTestId('ingest-mapping')
    await expect(mapping).toBeVisible({ timeout: 30_000 })
    // The guess: the longest text is the document, the unique "id" the id, the rest metadata.
    await expect(page.getByTestId('ingest-mapping-document')).toHaveValue('')
    await expect(mapping).toContainText('story (string)')
    await expect(page.getByTestId('ingest-mapping-id')).toHaveValue('id (string)')
    await expect(page.getByTestId('ingest-chunk').first()).toContainText('A brown dog')
    await expect(page.getByTestId('ingest-chunk-id').first()).toHaveText('id p1')
    await expect(page.getByTestId('ingest-chunk-metadata').first()).toContainText('age: 3')
    // Leave "kind" out of the metadata: the preview follows.
    await mapping.locator('.mantine-Pill-root', { hasText: 'kind (string)' }).locator('.mantine-Pill-remove').click()
    await expect(page.getByTestId('ingest-chunk-metadata').first()).not.toContainText('kind', { timeout: 15_000 })
    await fullShot(page, 'ingest-csv-mapping.png')
    await page.getByTestId('ingest-start').click()
    await expect(page.getByTestId('ingest-summary-ingested')).toHaveText('1', { timeout: 60_000 })
    const rows = await app.call<RecordRow[]>('records.get', { collectionId: pets.id, ids: ['p1', 'p2', 'p3'] })
    expect(rows.map((r) => r.document)).toEqual([
      'A brown dog who loves long walks by the river every morning',
      'A grey cat sleeping on the warm roof of the old house',
      'A small orange fish swimming round and round in a glass bowl'
    ])
    expect(rows[0]?.metadata).toMatchObject({ name: 'Rex', age: 3, vaccinated: true, source: 'pets.csv', row: 1 })
    expect(rows[0]?.metadata).not.toHaveProperty('kind')
    expect(await app.call<number>('records.count', { collectionId: pets.id, where: { age: { $gte: 3 } } })).toBe(2)

    // "Similar" on a record row runs the query in the Query tab.
    await page.getByRole('tab', { name: 'Records' }).click()
    const tom = page.locator('[data-testid="record-row"][data-id="p2"]')
    await tom.getByTestId('record-row-similar').click()
    const results = page.getByTestId('query-results')
    await expect(results.getByTestId('record-row').first()).toHaveAttribute('data-id', 'p2')
    await expect(results.getByTestId('record-cell-distance').first()).toHaveText('0.0000')
    // The similar-record picker finds a record by the words of its document.
    await page.getByTestId('query-similar-id').fill('orange fish')
    await page.getByTestId('record-picker-option').filter({ hasText: 'orange fish' }).click()
    await expect(page.getByTestId('query-similar-id')).toHaveValue('p3')
    await page.getByTestId('query-run').click()
    await expect(results.getByTestId('record-row').first()).toHaveAttribute('data-id', 'p3')
    await fullShot(page, 'ingest-similar-picker.png')
  })
})
