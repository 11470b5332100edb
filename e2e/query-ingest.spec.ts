import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from './fixtures.js'
import type { CollectionSummary, RecordRow } from '../src/shared/contract.js'
import { appTarget, freePort, fullShot, SCREENSHOTS, startApp, tinyModelDir, type RunningApp } from './helpers.js'

const PAPERS = [
  { id: 'o1', topic: 'ocean', year: 2020, document: 'The ocean water is deep and blue, and many fish live there.' },
  { id: 'o2', topic: 'ocean', year: 2021, document: 'A ship sails on the sea near the island in warm water.' },
  { id: 'o3', topic: 'ocean', year: 2022, document: 'Fish swim in the river and the ocean, far from land.' },
  { id: 'o4', topic: 'ocean', year: 2023, document: 'Boats cross the sea from the north coast to the south.' },
  { id: 's1', topic: 'space', year: 2021, document: 'The moon and the sun move across the sky at night.' },
  { id: 's2', topic: 'space', year: 2022, document: 'A star is a great ball of fire far out in space.' }
]

const ALPHA = [
  '# Lighthouse keeping',
  'The lighthouse stands on a rock at the north end of the island. Every night the keeper climbs the stairs and lights the lamp so that ships can find their way home through the dark water.',
  'In winter the wind is cold and strong. Waves break on the rock and the keeper must check the lamp many times before morning. The work is hard but the light never goes out.',
  'When the sun comes up the keeper writes in the log book: the ships that passed, the weather, and anything strange seen on the sea.'
].join('\n\n')

const BETA = [
  'Garden notes',
  'Plant the seeds in early spring when the ground is soft. Water them every morning and keep the young plants out of the hot afternoon sun.',
  'By summer the garden is full of green leaves, red flowers and tall corn. Birds come to eat the seeds, so cover the beds with a light net.',
  'In autumn pick the last fruit, cut the dry stems and turn the soil for the next year.'
].join('\n\n')

const GAMMA =
  '# Dropped note\n\nThis file came in through the drop zone. It talks about a mountain road, a small town and a red car.'

test.describe('query, ingest and settings panels (browser mode)', () => {
  // Embedding and ingest run on two shared cores here; leave room above the 60 s default.
  test.describe.configure({ timeout: 120_000 })
  let app: RunningApp
  let filesDir: string
  let papers: CollectionSummary

  test.beforeAll(async () => {
    const port = String(await freePort())
    app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
    const model = await tinyModelDir()
    papers = await app.call<CollectionSummary>('collections.create', { name: 'papers', embeddingModel: model })
    await app.call('records.add', {
      collectionId: papers.id,
      records: PAPERS.map(({ id, topic, year, document }) => ({ id, document, metadata: { topic, year } }))
    })
    await app.call('collections.create', { name: 'notes', embeddingModel: model })
    filesDir = mkdtempSync(join(tmpdir(), 'chromadesk-e2e-files-'))
    writeFileSync(join(filesDir, 'alpha.md'), ALPHA)
    writeFileSync(join(filesDir, 'beta.txt'), BETA)
    writeFileSync(join(filesDir, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
    mkdirSync(join(filesDir, 'docs', 'sub'), { recursive: true })
    writeFileSync(join(filesDir, 'docs', 'intro.md'), '# Intro\n\nA folder of notes about the river and the town.')
    writeFileSync(join(filesDir, 'docs', 'sub', 'deep.txt'), 'A note two folders down, about a quiet forest.')
    writeFileSync(join(filesDir, 'docs', 'data.bin'), Buffer.from([0, 1, 2, 3]))
  })
  test.afterAll(async () => {
    await app?.stop()
    if (filesDir) rmSync(filesDir, { recursive: true, force: true })
  })

  /** Loads the UI and selects a collection through the sidebar, then a tab. */
  async function openCollection(page: Page, name: string, tab: 'Records' | 'Query' | 'Add documents'): Promise<void> {
    await page.goto(app.url)
    await page.getByTestId('collection-item').filter({ hasText: name }).first().click()
    await expect(page.getByTestId('collection-name')).toHaveText(name)
    await page.getByRole('tab', { name: tab }).click()
  }

  test('drag-in: files and a drop are uploaded, previewed as chunks, ingested and listed as records', async ({
    page
  }) => {
    await openCollection(page, 'notes', 'Add documents')
    await expect(page.getByTestId('ingest-dropzone')).toBeVisible()
    await page
      .getByTestId('ingest-file-input')
      .setInputFiles([join(filesDir, 'alpha.md'), join(filesDir, 'beta.txt'), join(filesDir, 'photo.png')])
    const fileRow = (name: string) => page.locator(`[data-testid="ingest-file"][data-name="${name}"]`)
    await expect(fileRow('alpha.md')).toHaveAttribute('data-state', 'uploaded')
    await expect(fileRow('beta.txt')).toHaveAttribute('data-state', 'uploaded')
    await expect(fileRow('photo.png')).toHaveAttribute('data-state', 'unsupported')
    await expect(fileRow('photo.png')).toContainText('skipped')

    // A real drop: react-dropzone reads the DataTransfer of the drop event.
    const dataTransfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer()
      dt.items.add(new File([text], 'gamma.md', { type: 'text/markdown' }))
      return dt
    }, GAMMA)
    const zone = page.getByTestId('ingest-dropzone')
    await zone.dispatchEvent('dragenter', { dataTransfer })
    await zone.dispatchEvent('drop', { dataTransfer })
    await expect(fileRow('gamma.md')).toHaveAttribute('data-state', 'uploaded')

    // The preview shows the first uploaded file's chunks, as text, with token counts.
    const preview = page.getByTestId('ingest-preview')
    await expect(preview).toContainText('alpha.md')
    const chunks = page.getByTestId('ingest-chunk')
    await expect(chunks.first()).toContainText('lighthouse stands on a rock')
    await expect(chunks.first()).toContainText(/\d+ tokens/)
    const totalAt200 = Number(await preview.getAttribute('data-total'))
    expect(totalAt200).toBeGreaterThanOrEqual(1)
    // Smaller chunks: more of them, none over the size.
    await page.getByTestId('ingest-chunk-size').fill('40')
    await page.getByTestId('ingest-overlap').fill('5')
    await expect.poll(async () => Number(await preview.getAttribute('data-total'))).toBeGreaterThan(totalAt200)
    for (const tokens of await chunks.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-tokens'))))) {
      expect(tokens).toBeLessThanOrEqual(40)
    }
    const alphaChunks = Number(await preview.getAttribute('data-total'))
    await page.getByTestId('ingest-preview-file').click()
    await page.getByRole('option', { name: 'beta.txt' }).click()
    await expect(preview).toContainText('beta.txt')
    await expect(chunks.first()).toContainText('Garden notes')
    await fullShot(page, 'ingest-preview.png')

    await page.getByTestId('ingest-start').click()
    const progress = (name: string) => page.locator(`[data-testid="ingest-file-progress"][data-name="${name}"]`)
    for (const name of ['alpha.md', 'beta.txt', 'gamma.md']) {
      await expect(progress(name)).toHaveAttribute('data-state', 'written', { timeout: 30_000 })
    }
    await expect(progress('photo.png')).toHaveCount(0)
    const summary = page.getByTestId('ingest-summary')
    await expect(summary).toBeVisible()
    await expect(page.getByTestId('ingest-summary-ingested')).toHaveText('3')
    await expect(page.getByTestId('ingest-summary-failed')).toHaveText('0')
    const written = Number(await page.getByTestId('ingest-summary-chunks').textContent())
    expect(written).toBeGreaterThan(alphaChunks)
    await expect(progress('alpha.md')).toContainText(`${alphaChunks} chunks written`)
    await fullShot(page, 'ingest-progress.png')

    await page.getByTestId('ingest-show-records').click()
    await expect(page.getByRole('tab', { name: 'Records' })).toHaveAttribute('aria-selected', 'true')
    await expect(page.getByTestId('collection-count')).toHaveAttribute('data-count', String(written))
    await expect(page.getByTestId('record-cell-document').filter({ hasText: 'lighthouse stands' })).toHaveCount(1)
    await expect(page.getByTestId('record-cell-document').filter({ hasText: 'mountain road' })).toHaveCount(1)

    // Back on the tab, the finished job is still shown until "Add more files".
    await page.getByRole('tab', { name: 'Add documents' }).click()
    await expect(page.getByTestId('ingest-summary')).toBeVisible()
    await page.getByTestId('ingest-add-more').click()
    await expect(page.getByTestId('ingest-dropzone')).toBeVisible()
    await expect(page.getByTestId('ingest-file')).toHaveCount(0)
  })

  test('a chosen folder keeps its relative paths and skips unsupported files', async ({ page }) => {
    await openCollection(page, 'notes', 'Add documents')
    await page.getByTestId('ingest-folder-input').setInputFiles(join(filesDir, 'docs'))
    const fileRow = (name: string) => page.locator(`[data-testid="ingest-file"][data-name="${name}"]`)
    await expect(fileRow('docs/intro.md')).toHaveAttribute('data-state', 'uploaded')
    await expect(fileRow('docs/sub/deep.txt')).toHaveAttribute('data-state', 'uploaded')
    await expect(fileRow('docs/data.bin')).toHaveAttribute('data-state', 'unsupported')
    await expect(page.getByTestId('ingest-preview')).toContainText('docs/intro.md')
    await expect(page.getByTestId('ingest-chunk').first()).toContainText('river and the town')
    await page.getByTestId('ingest-clear').click()
    await expect(page.getByTestId('ingest-file')).toHaveCount(0)
    await expect(page.getByTestId('ingest-start')).toBeDisabled()
  })

  test('query by text shows the nearest records with distances; a result finds similar records', async ({ page }) => {
    await openCollection(page, 'papers', 'Query')
    await expect(page.getByTestId('query-idle')).toBeVisible()
    await page.getByTestId('query-text').fill('fish in the ocean water')
    await page.getByTestId('query-n-results').fill('4')
    await page.getByTestId('query-run').click()
    const results = page.getByTestId('query-results')
    await expect(results).toHaveAttribute('data-count', '4')
    const rows = results.getByTestId('record-row')
    await expect(rows).toHaveCount(4)
    const distances = (await results.getByTestId('record-cell-distance').allTextContents()).map(Number)
    expect(distances).toHaveLength(4)
    for (const d of distances) expect(Number.isFinite(d)).toBe(true)
    expect([...distances].sort((a, b) => a - b)).toEqual(distances)
    await fullShot(page, 'query-panel.png')

    // The drawer's "find similar" switches to a query by that record and runs it.
    const farthest = (await rows.last().getAttribute('data-id')) as string
    await rows.last().click()
    await expect(page.getByTestId('record-drawer')).toHaveAttribute('data-id', farthest)
    await page.getByTestId('record-find-similar').click()
    await expect(page.getByTestId('query-similar-id')).toHaveValue(farthest)
    await expect(rows.first()).toHaveAttribute('data-id', farthest)
    await expect(results.getByTestId('record-cell-distance').first()).toHaveText('0.0000')
  })

  test('query by a pasted vector with a where filter built in the builder returns only matches', async ({ page }) => {
    const [s1] = await app.call<RecordRow[]>('records.get', {
      collectionId: papers.id,
      ids: ['s1'],
      embeddings: true
    })
    const collection = await app.call<CollectionSummary>('collections.get', { id: papers.id })
    const vector = s1?.embedding ?? []
    expect(collection.dimension).toBeGreaterThan(0)
    expect(vector).toHaveLength(collection.dimension as number)

    await openCollection(page, 'papers', 'Query')
    await page.getByTestId('query-mode').getByText('By vector').click()
    // A malformed vector is caught before anything is sent.
    await page.getByTestId('query-vector').fill('[1, 2, "three"]')
    await page.getByTestId('query-run').click()
    await expect(page.getByText('Element 2 is not a number')).toBeVisible()
    await page.getByTestId('query-vector').fill(JSON.stringify(vector))

    // topic = ocean AND year >= 2021, built row by row.
    await page.getByTestId('where-add-condition').click()
    await page.getByTestId('where-key').nth(0).fill('topic')
    await page.getByTestId('where-value').nth(0).click()
    await page.getByTestId('where-value').nth(0).fill('ocean')
    await page.keyboard.press('Escape')
    await page.getByTestId('where-add-condition').click()
    await page.getByTestId('where-key').nth(1).fill('year')
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('where-type').nth(1)).toHaveValue('number')
    await page.getByTestId('where-op').nth(1).click()
    await page.getByRole('option', { name: '≥ ($gte)' }).click()
    await page.getByTestId('where-value').nth(1).fill('2021')
    await page.keyboard.press('Escape')
    const json = page.getByTestId('where-json')
    await expect
      .poll(async () => JSON.parse(await json.inputValue()))
      .toEqual({ $and: [{ topic: { $eq: 'ocean' } }, { year: { $gte: 2021 } }] })
    await page.getByTestId('query-run').click()
    const results = page.getByTestId('query-results')
    await expect(results).toHaveAttribute('data-count', '3')
    const rowIds = () =>
      results.getByTestId('record-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
    expect((await rowIds()).sort()).toEqual(['o2', 'o3', 'o4'])

    // A nested OR group: ... AND (year = 2022 OR year = 2023).
    await page.getByTestId('where-add-group').first().click()
    const nested = page.getByTestId('where-group').nth(1)
    await expect(nested).toHaveAttribute('data-join', '$or')
    await nested.getByTestId('where-add-condition').click()
    await nested.getByTestId('where-add-condition').click()
    for (const [i, year] of ['2022', '2023'].entries()) {
      await nested.getByTestId('where-key').nth(i).fill('year')
      await page.keyboard.press('Escape')
      await nested.getByTestId('where-value').nth(i).fill(year)
      await page.keyboard.press('Escape')
    }
    await expect
      .poll(async () => JSON.parse(await json.inputValue()))
      .toEqual({
        $and: [
          { topic: { $eq: 'ocean' } },
          { year: { $gte: 2021 } },
          { $or: [{ year: { $eq: 2022 } }, { year: { $eq: 2023 } }] }
        ]
      })
    await page.getByTestId('query-run').click()
    await expect(results).toHaveAttribute('data-count', '2')
    expect((await rowIds()).sort()).toEqual(['o3', 'o4'])
    await fullShot(page, 'where-builder.png')

    // JSON edits rebuild the builder when it can show them.
    await json.fill('{"year": {"$lt": 2022}}')
    await expect(page.getByTestId('where-condition')).toHaveCount(1)
    await expect(page.getByTestId('where-key')).toHaveValue('year')
    await expect(page.getByTestId('where-value')).toHaveValue('2022')
    await expect(page.getByTestId('where-overridden')).toHaveCount(0)
    await page.getByTestId('query-run').click()
    await expect(results).toHaveAttribute('data-count', '3')
    const older = await results
      .getByTestId('record-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
    expect(older.sort()).toEqual(['o1', 'o2', 's1'])
  })

  test('an invalid where shows the engine message and keeps every input', async ({ page }) => {
    await openCollection(page, 'papers', 'Query')
    await page.getByTestId('query-text').fill('stars at night')
    const json = page.getByTestId('where-json')
    await json.fill('{"$bad": 1}')
    await expect(page.getByTestId('where-overridden')).toBeVisible()
    await page.getByTestId('query-run').click()
    await expect(page.getByTestId('query-error')).toContainText('Unknown operator $bad here')
    await expect(json).toHaveValue('{"$bad": 1}')
    await expect(page.getByTestId('query-text')).toHaveValue('stars at night')
    await expect(page.getByTestId('query-results').getByTestId('record-row')).toHaveCount(0)

    // Fixing the JSON runs cleanly again.
    await json.fill('{"topic": "space"}')
    await page.getByTestId('query-run').click()
    await expect(page.getByTestId('query-error')).toHaveCount(0)
    await expect(page.getByTestId('query-results')).toHaveAttribute('data-count', '2')
  })

  test('settings show the server URL, client snippets and the color scheme', async ({ page }) => {
    test.skip(appTarget() === 'electron', "browser mode's settings; the desktop app's are its own")
    await page.goto(app.url)
    await page.getByTestId('settings-button').click()
    await expect(page.getByTestId('settings')).toBeVisible()
    await expect(page.getByTestId('settings-content')).toBeVisible()
    const origin = app.origin
    const { hostname, port } = new URL(app.origin)
    await expect(page.getByTestId('settings-server-url')).toHaveText(origin)
    await expect(page.getByTestId('settings-flags-note')).toContainText('command-line flags')
    await expect(page.getByTestId('snippet-curl')).toHaveText(`curl ${origin}/api/v2/heartbeat`)
    await page.getByRole('tab', { name: 'Python' }).click()
    await expect(page.getByTestId('snippet-python')).toContainText(
      `chromadb.HttpClient(host="${hostname}", port=${port})`
    )
    await page.getByRole('tab', { name: 'JavaScript' }).click()
    await expect(page.getByTestId('snippet-javascript')).toContainText(
      `new ChromaClient({ host: '${hostname}', port: ${port} })`
    )
    await page.getByTestId('settings-color-scheme').getByText('Dark').click()
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark')
    await page.screenshot({ path: join(SCREENSHOTS, 'settings.png') })
    await page.getByTestId('settings-color-scheme').getByText('Light').click()
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'light')

    // This server takes Chroma's API without a token; the page never holds one either way.
    await expect(page.getByTestId('settings-token-note')).toHaveText("Chroma's API takes requests without a token.")
    await expect(page.getByTestId('settings-token')).toHaveCount(0)
  })

  test('a page opened without the start link asks for it, and the pasted link opens the app', async ({ page }) => {
    test.skip(appTarget() === 'electron', "browser mode's app key; the desktop app's contract travels over IPC")
    // The key came in the link's fragment and was taken out of the address bar.
    await page.goto(app.url)
    await expect(page.getByTestId('app-name')).toHaveText('Chromadesk')
    expect(new URL(page.url()).hash).toBe('')
    // A fresh tab on the bare address has no key: it says how to get in instead of failing call by call.
    const bare = await page.context().newPage()
    await bare.goto(app.origin)
    await expect(bare.getByTestId('app-key-required')).toBeVisible()
    await bare.screenshot({ path: join(SCREENSHOTS, 'app-key-required.png') })
    await bare.getByTestId('app-key-input').fill(app.url)
    await bare.getByTestId('app-key-submit').click()
    await expect(bare.getByTestId('engine-state')).toHaveText('running')
    await bare.close()
  })
})
