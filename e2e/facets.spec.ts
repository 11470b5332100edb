import { expect, test, type Locator, type Page } from './fixtures.js'
import { freePort, shot, startApp, type RunningApp } from './helpers.js'

// The facet panel beside the records table: a key's top values with counts and its number range; a
// click on a value filters the table, a second click clears it.
test.describe.configure({ mode: 'serial' })

let app: RunningApp
const FRUITS = ['apple', 'apple', 'apple', 'apple', 'pear', 'pear', 'plum']

test.beforeAll(async () => {
  const port = String(await freePort())
  app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
  const c = await app.call<{ id: string }>('collections.create', { name: 'facet-fruit', embeddingModel: null })
  await app.call('records.add', {
    collectionId: c.id,
    records: FRUITS.map((fruit, i) => ({
      id: `f${i}`,
      embedding: [i, 1, 0],
      document: `a ${fruit}`,
      metadata: { fruit, weight: 100 + i * 10, ripe: i % 2 === 0 }
    }))
  })
})
test.afterAll(async () => app?.stop())

const value = (page: Page, v: string): Locator => page.locator(`[data-testid="facet-value"][data-value="${v}"]`)

async function pickKey(page: Page, key: string): Promise<void> {
  await page.getByTestId('facet-key').click()
  await page.getByRole('option', { name: key, exact: true }).click()
}

test('shows a key’s values with counts and filters the table by a click', async ({ page }) => {
  await page.goto(app.url)
  await page.locator('[data-testid="collection-item"][data-name="facet-fruit"]').click()
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '7')
  await expect(page.getByTestId('facet-panel')).toBeVisible()

  await pickKey(page, 'fruit')
  await expect(page.getByTestId('facet-summary')).toHaveText('7 records · 3 distinct')
  const values = page.getByTestId('facet-value')
  await expect(values).toHaveCount(3)
  await expect(values.nth(0)).toHaveAttribute('data-value', 'apple')
  await expect(value(page, 'apple').getByTestId('facet-count')).toHaveText('4')
  await expect(value(page, 'pear').getByTestId('facet-count')).toHaveText('2')
  await expect(value(page, 'plum').getByTestId('facet-count')).toHaveText('1')
  await shot(page, 'facets-values.png')

  await value(page, 'pear').click()
  await expect(page.getByTestId('records-where')).toHaveValue('{"fruit":"pear"}')
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '2')
  await expect(page.locator('[data-testid="record-row"]')).toHaveCount(2)
  await expect(value(page, 'pear')).toHaveAttribute('data-active', 'true')
  // The facets follow the table's filter.
  await expect(page.getByTestId('facet-value')).toHaveCount(1)
  await shot(page, 'facets-filtered.png')

  await value(page, 'pear').click()
  await expect(page.getByTestId('records-where')).toHaveValue('')
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '7')
  await expect(page.getByTestId('facet-value')).toHaveCount(3)
})

test('a number key shows its range; a facet click joins a typed filter with $and', async ({ page }) => {
  await page.goto(app.url)
  await page.locator('[data-testid="collection-item"][data-name="facet-fruit"]').click()
  await pickKey(page, 'weight')
  await expect(page.getByTestId('facet-range')).toHaveText('min 100 · max 160')

  await page.getByTestId('records-where').fill('{"fruit": "apple"}')
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '4')
  await expect(page.getByTestId('facet-range')).toHaveText('min 100 · max 130')

  await pickKey(page, 'ripe')
  await expect(value(page, 'true').getByTestId('facet-count')).toHaveText('2')
  await value(page, 'true').click()
  await expect(page.getByTestId('records-where')).toHaveValue('{"$and":[{"fruit":"apple"},{"ripe":true}]}')
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '2')
  await shot(page, 'facets-and.png')
  await value(page, 'true').click()
  await expect(page.getByTestId('records-where')).toHaveValue('{"fruit":"apple"}')
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '4')
})

test('forks a collection from its header as a job; the fork has the records and its own facets', async ({ page }) => {
  await page.goto(app.url)
  await page.locator('[data-testid="collection-item"][data-name="facet-fruit"]').click()
  await page.getByTestId('fork-collection').click()
  await page.getByTestId('fork-name').fill('x')
  await expect(page.getByTestId('fork-submit')).toBeDisabled()
  await page.getByTestId('fork-name').fill('facet-fruit')
  await page.getByTestId('fork-submit').click()
  await expect(page.getByTestId('fork-error')).toContainText('Collection [facet-fruit] already exists')
  await page.getByTestId('fork-name').fill('facet-fruit-fork')
  await shot(page, 'fork-dialog.png')
  await page.getByTestId('fork-submit').click()
  await expect(page.getByTestId('fork-form')).toHaveCount(0)

  await page.getByTestId('jobs-button').click()
  const job = page.locator('[data-testid="job"][data-job-kind="fork"]')
  await expect(job).toHaveAttribute('data-job-state', 'done')
  await page.keyboard.press('Escape')

  const fork = page.locator('[data-testid="collection-item"][data-name="facet-fruit-fork"]')
  await fork.click()
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '7')
  await pickKey(page, 'fruit')
  await expect(value(page, 'apple').getByTestId('facet-count')).toHaveText('4')
  await shot(page, 'fork-done.png')
})
