import type { CollectionSummary, JobStatus } from '../src/shared/contract.js'
import { expect, test, type Locator, type Page } from './fixtures.js'
import { freePort, shot, startApp, type RunningApp } from './helpers.js'

// Clone with new settings from the UI: an l2 collection cloned to cosine; a query in the clone shows
// cosine distances of the same vectors.
test.describe.configure({ mode: 'serial' })

let app: RunningApp

// Vectors of very different lengths and directions: l2 and cosine distances differ clearly.
const records = [
  { id: 'a', embedding: [1, 0, 0, 0] },
  { id: 'b', embedding: [10, 1, 0, 0] },
  { id: 'c', embedding: [0.2, 0.1, 0, 0] },
  { id: 'd', embedding: [0, 3, 1, 0] },
  { id: 'e', embedding: [-2, 0, 0, 1] },
  { id: 'f', embedding: [0.5, 0.5, 0.5, 0.5] }
]
const queryVector = [2, 1, 0, 0]

function cosineDistance(a: number[], b: number[]): number {
  const dot = a.reduce((s, x, i) => s + x * (b[i] as number), 0)
  const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
  return 1 - dot / (norm(a) * norm(b))
}
const l2Squared = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + (x - (b[i] as number)) ** 2, 0)

test.beforeAll(async () => {
  const port = String(await freePort())
  app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
  const source = await app.call<CollectionSummary>('collections.create', { name: 'vectors', embeddingModel: null })
  await app.call('records.add', {
    collectionId: source.id,
    records: records.map((r) => ({ ...r, document: `record ${r.id}` }))
  })
})
test.afterAll(async () => app?.stop())

const item = (page: Page, name: string): Locator => page.locator(`[data-testid="collection-item"][data-name="${name}"]`)

test('clones an l2 collection to cosine from the UI; a query in the clone shows cosine distances', async ({ page }) => {
  await page.goto(app.url)
  await item(page, 'vectors').click()
  await expect(page.getByTestId('collection-space')).toHaveText('space: l2')
  await page.getByTestId('clone-collection').click()

  // Prefilled with the source's settings.
  await expect(page.getByTestId('clone-name')).toHaveValue('vectors-copy')
  await expect(page.getByTestId('clone-ef_construction')).toHaveValue('100')
  await expect(page.getByTestId('clone-max_neighbors')).toHaveValue('16')
  await expect(page.getByTestId('clone-ef_search')).toHaveValue('100')
  await expect(page.getByTestId('clone-model')).toHaveValue('')
  await expect(page.getByTestId('clone-summary')).toContainText('Embeddings are copied as they are (6 records)')

  // A name the engine refuses is said in the dialog, nothing starts.
  await page.getByTestId('clone-name').fill('vectors')
  await page.getByTestId('clone-submit').click()
  await expect(page.getByTestId('clone-error')).toContainText('"vectors" already exists')

  await page.getByTestId('clone-name').fill('vectors-cosine')
  await page.getByTestId('clone-space').getByText('Cosine').click()
  await page.getByTestId('clone-ef_search').fill('50')
  // Naming a model would re-embed: the dialog says so (and the model is left empty again).
  await page.getByTestId('clone-model').fill('Xenova/all-MiniLM-L6-v2')
  await expect(page.getByTestId('clone-summary')).toContainText(
    '6 documents will be re-embedded with Xenova/all-MiniLM-L6-v2'
  )
  await page.getByTestId('clone-model').fill('')
  await expect(page.getByTestId('clone-summary')).toContainText('Embeddings are copied as they are')
  await shot(page, 'clone-dialog.png')
  await page.getByTestId('clone-submit').click()
  await expect(page.getByTestId('clone-form')).toHaveCount(0)

  // The job shows in the Jobs panel and the clone appears in the sidebar when done.
  await page.getByTestId('jobs-button').click()
  const job = page.locator('[data-testid="job"][data-job-kind="clone"]')
  await expect(job).toHaveAttribute('data-job-state', 'done')
  await expect(job).toContainText('Clone vectors as vectors-cosine')
  await shot(page, 'clone-job.png')
  await page.keyboard.press('Escape')
  await item(page, 'vectors-cosine').click()
  await expect(page.getByTestId('collection-name')).toHaveText('vectors-cosine')
  await expect(page.getByTestId('collection-space')).toHaveText('space: cosine')
  await expect(page.getByTestId('collection-count')).toHaveText('6 records')

  // Query by vector in the clone: the distances are cosine distances of the same vectors.
  await page.getByRole('tab', { name: 'Query' }).click()
  await page.getByTestId('query-mode').getByText('By vector').click()
  await page.getByTestId('query-vector').fill(JSON.stringify(queryVector))
  await page.getByTestId('query-n-results').fill('6')
  await page.getByTestId('query-run').click()
  const results = page.getByTestId('query-results')
  await expect(results).toHaveAttribute('data-count', '6')
  const ids = await results.getByTestId('record-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
  const shown = (await results.getByTestId('record-cell-distance').allTextContents()).map(Number)
  const expected = records
    .map((r) => ({
      id: r.id,
      cosine: cosineDistance(queryVector, r.embedding),
      l2: l2Squared(queryVector, r.embedding)
    }))
    .sort((x, y) => x.cosine - y.cosine)
  expect(ids).toEqual(expected.map((e) => e.id))
  shown.forEach((d, i) => expect(d).toBeCloseTo(expected[i]?.cosine as number, 3))
  // And they are not the source's l2 distances.
  expect(shown.some((d, i) => Math.abs(d - (expected[i]?.l2 as number)) > 0.1)).toBe(true)
  await results.scrollIntoViewIfNeeded()
  await shot(page, 'clone-cosine-query.png')

  // The source is untouched; the clone kept the other settings and took the new ef_search.
  const all = await app.call<CollectionSummary[]>('collections.list', {})
  const source = all.find((c) => c.name === 'vectors')
  const clone = all.find((c) => c.name === 'vectors-cosine')
  expect(source).toMatchObject({ space: 'l2', count: 6 })
  expect(clone?.configuration.hnsw).toMatchObject({ space: 'cosine', ef_search: 50, ef_construction: 100 })
  const jobs = await app.call<JobStatus[]>('jobs.list', {})
  expect(jobs.filter((j) => j.kind === 'clone')).toHaveLength(1)
})
