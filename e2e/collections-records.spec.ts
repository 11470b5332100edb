import { expect, test, type Locator, type Page } from './fixtures.js'
import { freePort, shot, startApp, tinyModelDir, type RunningApp } from './helpers.js'

// One server and data dir for the whole file: each test continues from the state the last one left.
test.describe.configure({ mode: 'serial' })

let app: RunningApp
let modelDir: string

test.beforeAll(async () => {
  modelDir = await tinyModelDir()
  const port = String(await freePort())
  app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
})
test.afterAll(async () => app?.stop())

const item = (page: Page, name: string): Locator => page.locator(`[data-testid="collection-item"][data-name="${name}"]`)
const row = (page: Page, id: string): Locator => page.locator(`[data-testid="record-row"][data-id="${id}"]`)

async function openCollection(page: Page, name: string): Promise<void> {
  await page.goto(app.url)
  await item(page, name).click()
  await expect(page.getByTestId('collection-name')).toHaveText(name)
}

/** The position of a metadata key in the editor (the engine may return keys in any order). */
async function keyIndex(page: Page, key: string, prefix = 'metadata'): Promise<number> {
  for (let n = 0; n < 20; n++) {
    const input = page.getByTestId(`${prefix}-key-${n}`)
    if ((await input.count()) === 0) break
    if ((await input.inputValue()) === key) return n
  }
  throw new Error(`metadata key ${key} not in the editor`)
}

test('creates a collection through the UI, refusing invalid names', async ({ page }) => {
  await page.goto(app.url)
  await expect(page.getByTestId('collections-empty')).toBeVisible()
  await page.getByTestId('new-collection').click()
  const name = page.getByTestId('collection-name-input')
  const rule = page.getByText('3-512 characters: letters, digits, . _ -; starts and ends with a letter or digit')
  for (const bad of ['ab', 'bad name!', '-starts-with-dash']) {
    await name.fill(bad)
    await expect(rule).toBeVisible()
    await expect(page.getByTestId('create-collection-submit')).toBeDisabled()
  }
  await name.fill('two..periods')
  await expect(page.getByText('No two periods in a row (..)')).toBeVisible()
  await name.fill('e2e-docs')
  await expect(rule).toHaveCount(0)
  await page.getByText('Cosine', { exact: true }).click()
  await page.getByTestId('collection-model-input').fill(modelDir)
  await page.getByTestId('collection-metadata-add').click()
  await page.getByTestId('collection-metadata-key-0').fill('team')
  await page.getByTestId('collection-metadata-value-0').fill('search')
  await shot(page, 'create-collection.png')
  await page.getByTestId('create-collection-submit').click()

  await expect(item(page, 'e2e-docs')).toHaveAttribute('data-selected', 'true')
  await expect(page.getByTestId('collection-name')).toHaveText('e2e-docs')
  await expect(page.getByTestId('collection-space')).toHaveText('space: cosine')
  await expect(page.getByTestId('collection-model')).toContainText('tiny-bert')
  await expect(page.getByTestId('collection-metadata')).toContainText('team: search')
  await expect(page.getByTestId('collection-count')).toHaveText('0 records')
  await expect(page.getByTestId('records-empty')).toBeVisible()

  // A name that passes the rule but that the engine refuses: its own message is shown, input kept.
  await page.getByTestId('new-collection').click()
  await page.getByTestId('collection-name-input').fill('e2e-docs')
  await page.getByTestId('collection-model-mode-none').check()
  await page.getByTestId('create-collection-submit').click()
  await expect(page.getByTestId('create-collection-error')).toContainText('Collection [e2e-docs] already exists')
  await expect(page.getByTestId('collection-name-input')).toHaveValue('e2e-docs')
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('create-collection-form')).toHaveCount(0)
  await expect(page.getByTestId('collection-item')).toHaveCount(1)
})

test('adds a record by the form, then edits its metadata in the drawer', async ({ page }) => {
  await openCollection(page, 'e2e-docs')
  await page.getByTestId('add-record').click()

  // Checked before sending.
  await page.getByTestId('add-record-submit').click()
  await expect(page.getByText('Give the record an id')).toBeVisible()
  await expect(page.getByText('Give a document, an embedding, or both')).toBeVisible()
  await page.getByTestId('add-record-embedding').fill('[1, "x"]')
  await expect(page.getByText('Every value of the embedding must be a finite number')).toBeVisible()

  // A valid record: a document the tiny model embeds, and typed metadata.
  await page.getByTestId('add-record-embedding').fill('')
  await page.getByTestId('add-record-id').fill('doc-1')
  await page.getByTestId('add-record-document').fill('The quick brown fox jumps over the lazy dog')
  await page.getByTestId('metadata-add').click()
  await page.getByTestId('metadata-key-0').fill('genre')
  await page.getByTestId('metadata-value-0').fill('animals')
  await page.getByTestId('metadata-add').click()
  await page.getByTestId('metadata-key-1').fill('year')
  await page.getByTestId('metadata-type-1').click()
  await page.getByRole('option', { name: 'int', exact: true }).click()
  await page.getByTestId('metadata-value-1').fill('2024')
  await page.getByTestId('add-record-submit').click()
  // The first document loads the model in the embedding worker: allow for a slow, busy machine.
  await expect(page.getByTestId('add-record-form')).toHaveCount(0, { timeout: 30_000 })

  const doc1 = row(page, 'doc-1')
  await expect(doc1).toBeVisible()
  await expect(doc1.getByTestId('record-cell-document')).toHaveText('The quick brown fox jumps over the lazy dog')
  await expect(doc1.getByTestId('record-cell-metadata')).toContainText('genre: animals')
  await expect(doc1.getByTestId('record-cell-metadata')).toContainText('year: 2024')
  await expect(page.getByTestId('collection-count')).toHaveText('1 record')
  await expect(page.getByTestId('collection-dimension')).toHaveText('32 dimensions')
  await expect(page.getByTestId('records-total')).toHaveText('1 record')

  // The engine's message shows inline and the input stays.
  await page.getByTestId('add-record').click()
  await page.getByTestId('add-record-id').fill('wrong-dim')
  await page.getByTestId('add-record-embedding').fill('[0.1, 0.2, 0.3]')
  await page.getByTestId('add-record-submit').click()
  await expect(page.getByTestId('add-record-error')).toContainText('dimension of 32, got 3')
  await expect(page.getByTestId('add-record-id')).toHaveValue('wrong-dim')
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(row(page, 'wrong-dim')).toHaveCount(0)
  await shot(page, 'records-table.png')

  // The drawer: full document, metadata form, embedding preview.
  await doc1.click()
  const drawer = page.getByTestId('record-drawer')
  await expect(drawer).toHaveAttribute('data-state', 'ready')
  await expect(page.getByTestId('record-document')).toHaveValue('The quick brown fox jumps over the lazy dog')
  await expect(page.getByTestId('record-embedding-dimension')).toHaveText('32')
  const norm = Number(await page.getByTestId('record-embedding-norm').textContent())
  expect(norm).toBeGreaterThan(0)
  await expect(page.getByTestId(`metadata-value-${await keyIndex(page, 'genre')}`)).toHaveValue('animals')
  await expect(page.getByTestId(`metadata-value-${await keyIndex(page, 'year')}`)).toHaveValue('2024')

  await page.getByTestId(`metadata-value-${await keyIndex(page, 'genre')}`).fill('wildlife')
  await page.getByTestId(`metadata-remove-${await keyIndex(page, 'year')}`).click()
  await page.getByTestId('metadata-add').click()
  await page.getByTestId('metadata-key-1').fill('$rating')
  await page.getByTestId('metadata-type-1').click()
  await page.getByRole('option', { name: 'float', exact: true }).click()
  await page.getByTestId('metadata-value-1').fill('4.5')
  await page.getByTestId('record-save').click()
  // The engine refuses the key; the edits stay for the user to fix.
  await expect(page.getByTestId('record-save-error')).toContainText("Metadata key cannot start with '#' or '$'")
  await expect(page.getByTestId('metadata-key-1')).toHaveValue('$rating')
  await page.getByTestId('metadata-key-1').fill('rating')
  await page.getByTestId('record-save').click()
  await expect(page.getByText('Record saved')).toBeVisible()
  await expect(page.getByTestId('record-save-error')).toHaveCount(0)
  await shot(page, 'record-drawer.png')
  await page.keyboard.press('Escape')
  await expect(drawer).toHaveCount(0)

  await expect(doc1.getByTestId('record-cell-metadata')).toContainText('genre: wildlife')
  await expect(doc1.getByTestId('record-cell-metadata')).toContainText('rating: 4.5')
  await expect(doc1.getByTestId('record-cell-metadata')).not.toContainText('year')

  // Reopened after a reload, the stored values come back.
  await page.reload()
  await item(page, 'e2e-docs').click()
  await row(page, 'doc-1').click()
  await expect(page.getByTestId('record-drawer')).toHaveAttribute('data-state', 'ready')
  await expect(page.getByTestId(`metadata-value-${await keyIndex(page, 'genre')}`)).toHaveValue('wildlife')
  await expect(page.getByTestId(`metadata-value-${await keyIndex(page, 'rating')}`)).toHaveValue('4.5')
  await expect(page.getByTestId('metadata-key-2')).toHaveCount(0)
})

test('searches, deletes selected records and deletes by filter with a preview count', async ({ page }) => {
  const [collection] = await app.call<{ id: string; name: string }[]>('collections.list', {})
  expect(collection?.name).toBe('e2e-docs')
  const docs = [
    'apples and pears',
    'apples in autumn',
    'a note on rivers',
    'mountain weather',
    'city maps',
    'old songs'
  ]
  await app.call('records.add', {
    collectionId: collection?.id,
    records: docs.map((document, i) => ({
      id: `n-${i + 1}`,
      document,
      metadata: { group: i < 3 ? 'a' : 'b', n: i + 1 }
    }))
  })

  await openCollection(page, 'e2e-docs')
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '7')
  await expect(page.getByTestId('record-row')).toHaveCount(7)

  // '/' focuses the search box (without typing the slash).
  await page.locator('body').press('/')
  await expect(page.getByTestId('records-search')).toBeFocused()
  await page.keyboard.type('apples')
  await expect(page.getByTestId('records-search')).toHaveValue('apples')
  await expect(page.getByTestId('records-total')).toHaveText('2 records match')
  await expect(page.getByTestId('record-row')).toHaveCount(2)
  await page.getByTestId('records-search').fill('')
  await expect(page.getByTestId('record-row')).toHaveCount(7)

  // Multi-select delete.
  await row(page, 'n-1').getByTestId('record-select').check()
  await row(page, 'n-2').getByTestId('record-select').check()
  await expect(page.getByTestId('delete-selected')).toHaveText('Delete selected (2)')
  await page.getByTestId('delete-selected').click()
  await expect(page.getByTestId('delete-preview-count')).toHaveAttribute('data-count', '2')
  await page.getByTestId('delete-records-confirm').click()
  await expect(row(page, 'n-1')).toHaveCount(0)
  await expect(row(page, 'n-2')).toHaveCount(0)
  await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '5')

  // Delete by filter: the dialog counts what the filter matches before anything is deleted.
  await expect(page.getByTestId('delete-by-filter')).toBeDisabled()
  await page.getByTestId('records-where').fill('{"group": "b"}')
  await expect(page.getByTestId('records-total')).toHaveText('3 records match')
  await page.getByTestId('delete-by-filter').click()
  await expect(page.getByTestId('delete-preview-count')).toHaveText('3 records will be deleted.')
  await shot(page, 'delete-by-filter.png')
  await page.getByTestId('delete-records-confirm').click()
  await expect(page.getByTestId('records-no-match')).toBeVisible()
  await page.getByTestId('records-where').fill('')
  await expect(page.getByTestId('records-total')).toHaveText('2 records')
  await expect(page.getByTestId('record-row')).toHaveCount(2)
  await expect(row(page, 'doc-1')).toBeVisible()
  await expect(row(page, 'n-3')).toBeVisible()
  await expect(page.getByTestId('collection-count')).toHaveText('2 records')

  // A filter the engine refuses shows its message.
  await page.getByTestId('records-where').fill('{"n": {"$bogus": 1}}')
  await expect(page.getByTestId('records-error')).toBeVisible()
})

test('renames the collection, then deletes it after confirming', async ({ page }) => {
  await app.call('collections.create', { name: 'other-collection', embeddingModel: null })
  await openCollection(page, 'e2e-docs')
  await expect(page.getByTestId('collection-item')).toHaveCount(2)
  await shot(page, 'collections-sidebar.png')

  await page.getByTestId('rename-collection').click()
  const input = page.getByTestId('rename-input')
  await input.fill('x')
  await expect(page.getByText(/3-512 characters: letters, digits/)).toBeVisible()
  await expect(page.getByTestId('rename-save')).toBeDisabled()
  await input.fill('other-collection')
  await page.getByTestId('rename-save').click()
  await expect(page.getByTestId('rename-error')).toContainText('already exists')
  await input.fill('e2e-renamed')
  await page.getByTestId('rename-save').click()
  await expect(page.getByTestId('collection-name')).toHaveText('e2e-renamed')
  await expect(item(page, 'e2e-renamed')).toHaveAttribute('data-selected', 'true')
  await expect(item(page, 'e2e-docs')).toHaveCount(0)

  // Collection metadata is replaced as a whole.
  await page.getByTestId('edit-collection-metadata').click()
  await page.getByTestId('collection-metadata-add').click()
  await page.getByTestId('collection-metadata-key-1').fill('owner')
  await page.getByTestId('collection-metadata-value-1').fill('qa')
  await page.getByTestId('collection-metadata-save').click()
  await expect(page.getByTestId('collection-metadata')).toContainText('owner: qa')
  await expect(page.getByTestId('collection-metadata')).toContainText('team: search')

  // The same screen in the dark scheme (Mantine follows the system's).
  await page.emulateMedia({ colorScheme: 'dark' })
  await expect(row(page, 'doc-1')).toBeVisible()
  await shot(page, 'records-table-dark.png')
  await page.emulateMedia({ colorScheme: 'light' })

  await page.getByTestId('delete-collection').click()
  await expect(page.getByTestId('delete-collection-message')).toHaveText(
    'Delete e2e-renamed and its 2 records? This cannot be undone.'
  )
  const confirm = page.getByTestId('delete-collection-confirm')
  await expect(confirm).toBeDisabled()
  await page.getByTestId('delete-collection-input').fill('e2e-renamed')
  await expect(confirm).toBeEnabled()
  await shot(page, 'delete-confirm.png')
  await confirm.click()
  await expect(page.getByTestId('no-collection-selected')).toBeVisible()
  await expect(item(page, 'e2e-renamed')).toHaveCount(0)
  await expect(page.getByTestId('collection-item')).toHaveCount(1)
  const left = await app.call<{ name: string }[]>('collections.list', {})
  expect(left.map((c) => c.name)).toEqual(['other-collection'])
})

test('pages through a large collection while keeping only the visible rows in the page', async ({ page }) => {
  const big = await app.call<{ id: string }>('collections.create', { name: 'big-collection', embeddingModel: null })
  const total = 20_000
  for (let start = 0; start < total; start += 1000) {
    await app.call('records.add', {
      collectionId: big.id,
      records: Array.from({ length: 1000 }, (_, i) => {
        const n = start + i
        return { id: `r-${String(n).padStart(5, '0')}`, embedding: [n, 1], document: `row ${n}`, metadata: { n } }
      })
    })
  }
  await openCollection(page, 'big-collection')
  await expect(page.getByTestId('records-total')).toHaveText('20,000 records')
  await expect(row(page, 'r-00000')).toBeVisible()
  // Virtualized: a screenful of rows in the DOM, not 20,000.
  expect(await page.getByTestId('record-row').count()).toBeLessThan(80)

  // Jump to the end: the rows there load from their own page (offset 19,800).
  const table = page.getByTestId('record-table')
  await table.evaluate((el) => el.scrollTo({ top: el.scrollHeight }))
  await expect(row(page, 'r-19999')).toBeVisible()
  await expect(row(page, 'r-19999').getByTestId('record-cell-document')).toHaveText('row 19999')
  await expect(row(page, 'r-00000')).toHaveCount(0)
  expect(await page.getByTestId('record-row').count()).toBeLessThan(80)

  // And the middle.
  await table.evaluate((el) => el.scrollTo({ top: 36 * 10_000 }))
  await expect(row(page, 'r-10000')).toBeVisible()
  await shot(page, 'records-large.png')
})
