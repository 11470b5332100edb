// The friction a new user hit (issue 13): filters that say why at once, the add-record dialog, the
// connection dialog, long ids in the import dialog, the status dot in dark mode, the engine card's
// count and the sidebar's focus ring.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Locator, type Page } from './fixtures.js'
import { appTarget, freePort, shot, startApp, type RunningApp } from './helpers.js'

test.describe.configure({ mode: 'serial' })

let app: RunningApp
let collectionId: string
// A long id, as a file's chunks get (`<sha256>:<n>`) and more.
const LONG_ID = `notes/2026/field-report-${'0123456789abcdef'.repeat(4)}:17`

test.beforeAll(async () => {
  const port = String(await freePort())
  app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
  collectionId = (await app.call<{ id: string }>('collections.create', { name: 'friction', embeddingModel: null })).id
  await app.call('records.add', {
    collectionId,
    records: [
      { id: 'r1', embedding: [1, 0], document: 'abc one', metadata: { year: 2019, kind: 'memo' } },
      { id: 'r2', embedding: [0, 1], document: 'abc two', metadata: { year: 2021, kind: 'note' } },
      { id: LONG_ID, embedding: [1, 1], document: 'a long id', metadata: { year: 2024, kind: 'note' } }
    ]
  })
})
test.afterAll(async () => app?.stop())

const item = (page: Page, name: string): Locator => page.locator(`[data-testid="collection-item"][data-name="${name}"]`)
const row = (page: Page, id: string): Locator => page.locator(`[data-testid="record-row"][data-id="${id}"]`)

async function openCollection(page: Page, tab?: string): Promise<void> {
  await page.goto(app.url)
  await item(page, 'friction').click()
  await expect(page.getByTestId('collection-name')).toHaveText('friction')
  if (tab) await page.getByRole('tab', { name: tab }).click()
}

test('a filter the engine refuses says why at once; bad JSON is reported once; regex errors in plain words', async ({
  page
}) => {
  await openCollection(page)
  await expect(page.getByTestId('records-total')).toHaveText('3 records')
  // 400 ms of typing pause, then one call: the reason is there well before a retry could have run.
  await page.getByTestId('records-where').fill('{"year":{"$gt":"2020"}}')
  await expect(page.getByTestId('records-error')).toHaveText(
    'Could not read records$gt on "year" needs a number, not the text "2020"; "year" holds integers',
    { timeout: 1200 }
  )
  await expect(page.getByTestId('records-loading')).toHaveCount(0)
  await shot(page, 'friction-filter-reason.png')
  await page.getByTestId('records-where').fill('{"year":{"$gt":2020}}')
  await expect(page.getByTestId('records-total')).toHaveText('2 records match')
  await expect(page.getByTestId('records-error')).toHaveCount(0)

  // The query panel: JSON that does not parse is reported by its field alone, and the builder is not
  // "overridden" by it; running the query does not repeat it.
  await page.getByRole('tab', { name: 'Query' }).click()
  await page.getByTestId('query-mode').getByText('By vector').click()
  await page.getByTestId('query-vector').fill('[1, 0]')
  await page.getByTestId('where-json').fill('{"year": ')
  await page.getByTestId('query-run').click()
  await expect(page.getByText(/^Not valid JSON/)).toHaveCount(1)
  await expect(page.getByTestId('where-overridden')).toHaveCount(0)
  await expect(page.getByTestId('where-error')).toHaveCount(0)
  await expect(page.getByTestId('query-error')).toHaveCount(0)
  // Valid JSON the builder cannot show is still marked.
  await page.getByTestId('where-json').fill('{"year": {"$bad": 1}}')
  await expect(page.getByTestId('where-overridden')).toBeVisible()
  await page.getByTestId('where-json').fill('')
  await expect(page.getByTestId('where-overridden')).toHaveCount(0)

  // A pattern that does not compile: where it fails, in words.
  await page.getByTestId('where-document-json').fill('{"$regex": "ab(c"}')
  await page.getByTestId('query-run').click()
  await expect(page.getByTestId('query-error')).toContainText('The pattern has an unclosed group "(" at position 3')
  await page.getByTestId('where-document-json').fill('{"$regex": "abc"}')
  await page.getByTestId('query-run').click()
  await expect(page.getByTestId('query-results')).toHaveAttribute('data-count', '2')
})

test('add record: "Add another" keeps the dialog, a new error replaces the old, empty values are refused', async ({
  page
}) => {
  await openCollection(page)
  await page.getByTestId('add-record').click()
  const form = page.getByTestId('add-record-form')
  await page.getByTestId('add-record-id').fill('r1')
  await page.getByTestId('add-record-embedding').fill('[0.5, 0.5]')
  await page.getByTestId('metadata-add').click()
  await page.getByTestId('metadata-key-0').fill('note')
  // An empty value is refused, not saved as "".
  await page.getByTestId('add-record-another').click()
  await expect(form.getByText('Empty value: type one, or remove this entry')).toBeVisible()
  await page.getByTestId('metadata-value-0').fill('kept')
  // The engine's refusal (the id is taken) shows; the next attempt replaces it.
  await page.getByTestId('add-record-another').click()
  await expect(page.getByTestId('add-record-error')).toContainText('A record with id "r1" already exists')
  await page.getByTestId('add-record-id').fill('')
  await page.getByTestId('add-record-another').click()
  await expect(form.getByText('Give the record an id')).toBeVisible()
  await expect(page.getByTestId('add-record-error')).toHaveCount(0)

  await page.getByTestId('add-record-id').fill('r4')
  await page.getByTestId('add-record-another').click()
  // Added, and the dialog stays, cleared for the next one with the focus in the id.
  await expect(row(page, 'r4')).toBeAttached()
  await expect(form).toBeVisible()
  await expect(page.getByTestId('add-record-id')).toHaveValue('')
  await expect(page.getByTestId('add-record-id')).toBeFocused()
  await expect(page.getByTestId('add-record-embedding')).toHaveValue('')
  await expect(page.getByTestId('metadata-key-0')).toHaveCount(0)
  await expect(form.getByText('Give the record an id')).toHaveCount(0)
  await shot(page, 'friction-add-another.png')
  await page.getByTestId('add-record-id').fill('r5')
  await page.getByTestId('add-record-embedding').fill('[0.2, 0.8]')
  await page.getByTestId('add-record-submit').click()
  await expect(form).toHaveCount(0)
  await expect(page.getByTestId('records-total')).toHaveText('5 records')
  const r4 = await app.call<{ metadata: Record<string, unknown> }[]>('records.get', { collectionId, ids: ['r4'] })
  expect(r4[0]?.metadata).toEqual({ note: 'kept' })
})

test('connection dialog: one error at a time, none stale under "Ready"; this app\'s own server is named', async ({
  page
}) => {
  await page.goto(app.url)
  await page.getByTestId('connection-picker').click()
  await page.getByRole('option', { name: /Add a Chroma server/ }).click()
  const dialog = page.getByTestId('add-connection')
  await dialog.getByTestId('connection-url').fill(`127.0.0.1:${await freePort()}`)
  await dialog.getByTestId('connection-test').click()
  await expect(dialog.getByTestId('connection-check')).toContainText('Cannot reach')
  // Connect fails the same way: its error replaces the check's, not beside it.
  await dialog.getByTestId('connection-save').click()
  await expect(dialog.getByTestId('connection-error')).toContainText('Cannot reach')
  await expect(dialog.getByText(/Cannot reach/)).toHaveCount(1)
  await expect(dialog.getByTestId('connection-check')).toHaveCount(0)

  // This app's own server (without a scheme, by another name for the same host).
  await dialog.getByTestId('connection-url').fill(app.origin.replace('http://127.0.0.1', 'localhost'))
  await expect(dialog.getByTestId('connection-error')).toHaveCount(0)
  await dialog.getByTestId('connection-test').click()
  await expect(dialog.getByTestId('connection-own-server')).toContainText('already here')
  await expect(dialog.getByTestId('connection-check')).toBeVisible()
  await expect(dialog.getByText(/Cannot reach/)).toHaveCount(0)
  await shot(page, 'friction-connection-own-server.png')
  // The databases the check found stay suggestions while the Database field is typed in.
  const databaseField = dialog.getByTestId('connection-database')
  await databaseField.fill('default_d')
  await expect(page.getByRole('option', { name: 'default_database' })).toBeVisible()
  await page.getByRole('option', { name: 'default_database' }).click()
  await expect(databaseField).toHaveValue('default_database')
})

test('import dialog: a long id in the message wraps whole, nothing cut off', async ({ page }) => {
  test.skip(appTarget() === 'electron', 'export in the desktop app goes through the native save dialog')
  await openCollection(page)
  const downloading = page.waitForEvent('download')
  await page.getByTestId('export-collection').click()
  await page.getByTestId('export-jsonl').click()
  const path = join(app.dataDir, 'friction.jsonl')
  await (await downloading).saveAs(path)
  expect(readFileSync(path, 'utf8')).toContain(LONG_ID)

  await page.getByTestId('import-collection').click()
  const dialog = page.getByTestId('import-dialog')
  await page.locator('input[type="file"][accept*="jsonl"]').setInputFiles(path)
  await dialog.getByRole('button', { name: 'Import' }).click()
  const error = dialog.getByTestId('import-error')
  await expect(error).toContainText(JSON.stringify(LONG_ID))
  // No part of the alert is wider than its box: the id wraps instead of running out of sight.
  const overflowing = await error.evaluate((el) =>
    [el, ...Array.from(el.querySelectorAll('*'))]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.className)
  )
  expect(overflowing).toEqual([])
  const [box, dialogBox] = [await error.boundingBox(), await dialog.boundingBox()]
  expect(box!.x + box!.width).toBeLessThanOrEqual(dialogBox!.x + dialogBox!.width + 1)
  await shot(page, 'friction-import-long-id.png')
})

/** Relative luminance (WCAG) of a computed `rgb(...)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

test('the status dot stands out in dark mode; the engine card counts collections with the sidebar', async ({
  page
}) => {
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.goto(app.url)
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark')
  const dot = page.getByTestId('status-dot')
  await expect(dot).toHaveAttribute('data-state', 'ok')
  const [dotColour, headerColour] = await Promise.all([
    dot.evaluate((el) => getComputedStyle(el).backgroundColor),
    page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor)
  ])
  const [light, dark] = [luminance(dotColour), luminance(headerColour)].sort((a, b) => b - a) as [number, number]
  // WCAG's 3:1 for graphical objects.
  expect((light + 0.05) / (dark + 0.05)).toBeGreaterThanOrEqual(3)
  await shot(page, 'friction-dark-mode.png')

  const count = page.getByTestId('engine-collections')
  await expect(count).toHaveText('1')
  await expect(page.getByTestId('collection-item')).toHaveCount(1)
  // A collection made elsewhere (a script): the card follows the sidebar, not the 5 s heartbeat.
  const second = await app.call<{ id: string }>('collections.create', { name: 'second', embeddingModel: null })
  await expect(page.getByTestId('collection-item')).toHaveCount(2)
  await expect(count).toHaveText('2', { timeout: 1000 })
  await app.call('collections.delete', { id: second.id })
  await expect(page.getByTestId('collection-item')).toHaveCount(1)
  await expect(count).toHaveText('1', { timeout: 1000 })
})

test('the keyboard focus ring of a sidebar item is drawn whole, inside the scrolling list', async ({ page }) => {
  await page.goto(app.url)
  const first = item(page, 'friction')
  await page.keyboard.press('Tab') // keyboard modality: focus rings show
  await first.focus()
  const ring = await first.evaluate((el) => {
    const s = getComputedStyle(el)
    const r = el.getBoundingClientRect()
    let clip: Element | null = el.parentElement
    while (clip && getComputedStyle(clip).overflowX === 'visible') clip = clip.parentElement
    const c = (clip as Element).getBoundingClientRect()
    const reach = parseFloat(s.outlineWidth) + parseFloat(s.outlineOffset)
    return { style: s.outlineStyle, reach, inside: r.left - reach >= c.left && r.right + reach <= c.right }
  })
  expect(ring.style).not.toBe('none')
  expect(ring).toMatchObject({ inside: true })
  await shot(page, 'friction-sidebar-focus.png')
})
