import { expect, test, type Page } from './fixtures.js'
import type { CollectionSummary } from '../src/shared/contract.js'
import { freePort, shot, startApp, tinyModelDir, type RunningApp } from './helpers.js'

// Hybrid search in the query panel: a collection created with keyword search in the UI, a hybrid
// query whose weights and formula are on screen and whose hits show the fused score and both ranks;
// a stored collection given a keyword index from the panel.
test.describe.configure({ mode: 'serial', timeout: 120_000 })

const NOTES = [
  'The lighthouse keeper climbs the stairs every night to light the lamp.',
  'Ships find their way home through the dark water by the light.',
  'Plant the seeds in spring and water the garden every morning.',
  'A red car drives up the mountain road to the small town.',
  'The keeper writes the weather and the passing ships in the log book.',
  'Birds eat the seeds, so cover the garden beds with a net.'
]

let app: RunningApp
let model: string

test.beforeAll(async () => {
  const port = String(await freePort())
  app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
  model = await tinyModelDir()
  const plain = await app.call<CollectionSummary>('collections.create', { name: 'plain-notes', embeddingModel: model })
  await app.call('records.add', {
    collectionId: plain.id,
    records: NOTES.map((document, i) => ({ id: `p${i}`, document }))
  })
})
test.afterAll(async () => app?.stop())

async function openQuery(page: Page, name: string): Promise<void> {
  await page.goto(app.url)
  await page.locator(`[data-testid="collection-item"][data-name="${name}"]`).click()
  await expect(page.getByTestId('collection-name')).toHaveText(name)
  await page.getByRole('tab', { name: 'Query' }).click()
  await page.getByTestId('query-mode').getByText('Hybrid').click()
}

test('a collection created with keyword search answers hybrid queries with weights and ranks shown', async ({
  page
}) => {
  await page.goto(app.url)
  await page.getByTestId('new-collection').click()
  await page.getByTestId('collection-name-input').fill('keyword-notes')
  await page.getByTestId('collection-model-input').fill(model)
  await page.getByTestId('collection-keyword-search').check()
  await page.getByTestId('create-collection-submit').click()
  await expect(page.getByTestId('collection-name')).toHaveText('keyword-notes')
  const created = (await app.call<CollectionSummary[]>('collections.list', {})).find((c) => c.name === 'keyword-notes')
  expect(created?.keywordKey).toBe('bm25')
  await app.call('records.add', {
    collectionId: created?.id,
    records: NOTES.map((document, i) => ({ id: `k${i}`, document }))
  })

  await openQuery(page, 'keyword-notes')
  await expect(page.getByTestId('hybrid-formula')).toHaveText(
    "score = −(1 / (59 + dense place) + 1 / (59 + keyword place)); a record not among a ranking's 100 candidates takes the place after them"
  )
  await page.getByTestId('hybrid-dense-weight').fill('0.5')
  await page.getByTestId('hybrid-keyword-weight').fill('2')
  await expect(page.getByTestId('hybrid-formula')).toHaveText(
    /^score = −\(0\.5 \/ \(59 \+ dense place\) \+ 2 \/ \(59 \+ keyword place\)\)/
  )
  // The shown score is the formula over the shown places (the first row: checked below).
  await page.getByTestId('query-text').fill('lighthouse keeper')
  await page.getByTestId('query-run').click()
  const rows = page.getByTestId('record-row')
  await expect(rows).toHaveCount(6)
  // Keyword weight 2: the two notes naming the keeper lead, the one with both words first.
  await expect(rows.nth(0)).toHaveAttribute('data-id', 'k0')
  await expect(rows.nth(1)).toHaveAttribute('data-id', 'k4')
  await expect(rows.nth(0).getByTestId('record-cell-distance')).toHaveText(/^-0\.\d{4} · \d+ · 1$/)
  await expect(rows.nth(1).getByTestId('record-cell-distance')).toHaveText(/^-0\.\d{4} · \d+ · 2$/)
  const [score, dense, keyword] = (await rows.nth(0).getByTestId('record-cell-distance').innerText()).split(' · ')
  expect(Number(score)).toBeCloseTo(-(0.5 / (59 + Number(dense)) + 2 / (59 + Number(keyword))), 3)
  // Notes without either word have no keyword rank.
  await expect(
    page.locator('[data-testid="record-row"][data-id="k2"] [data-testid="record-cell-distance"]')
  ).toHaveText(/· —$/)
  await expect(rows.nth(0).getByTestId('record-cell-metadata')).toHaveText(/bm25: sparse vector, \d+ terms/)
  await page.getByTestId('query-results').scrollIntoViewIfNeeded()
  await shot(page, 'query-hybrid.png')

  // A document edited in the drawer keeps its keyword vector in step (the vector is not an editable row).
  await page.locator('[data-testid="record-row"][data-id="k3"]').click()
  await page.getByTestId('record-document').fill('A zeppelin floats over the small town.')
  await page.getByTestId('record-save').click()
  await expect(page.getByTestId('record-save')).not.toBeDisabled()
  await page.keyboard.press('Escape')
  await page.getByTestId('hybrid-dense-weight').fill('0')
  await page.getByTestId('query-text').fill('zeppelin')
  await page.getByTestId('query-run').click()
  await expect(rows).toHaveCount(1)
  await expect(rows.nth(0)).toHaveAttribute('data-id', 'k3')
})

test('a stored collection gets a keyword index from the panel, then answers hybrid queries', async ({ page }) => {
  await openQuery(page, 'plain-notes')
  await expect(page.getByTestId('hybrid-no-keyword-index')).toBeVisible()
  await shot(page, 'query-hybrid-no-index.png')
  await page.getByTestId('hybrid-enable-keyword').click()
  await expect(page.getByTestId('hybrid-formula')).toBeVisible()
  await page.getByTestId('query-text').fill('garden seeds')
  await page.getByTestId('hybrid-dense-weight').fill('0')
  await page.getByTestId('query-run').click()
  const rows = page.getByTestId('record-row')
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0).getByTestId('record-cell-distance')).toHaveText(/· — · 1$/)
  expect(new Set([await rows.nth(0).getAttribute('data-id'), await rows.nth(1).getAttribute('data-id')])).toEqual(
    new Set(['p2', 'p5'])
  )
})
