// A records table longer than a browser can lay out in one scroll space (decision 0114): past 250,000
// rows it is shown a segment at a time, and the rows after the first segment are reachable.
import { expect, test } from './fixtures.js'
import type { CollectionSummary, RecordRow } from '../src/shared/contract.js'
import { freePort, fullShot, startApp, type RunningApp } from './helpers.js'

const RECORDS = 250_040
const BATCH = 1_000 // records.add's most per call
const id = (i: number): string => `row-${String(i).padStart(6, '0')}`

test.describe('a records table past one segment (browser mode)', () => {
  test.describe.configure({ timeout: 180_000 })
  let app: RunningApp
  let collection: CollectionSummary

  test.beforeAll(async () => {
    test.setTimeout(180_000)
    const port = String(await freePort())
    app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
    collection = await app.call<CollectionSummary>('collections.create', { name: 'long', embeddingModel: null })
    const add = (start: number) =>
      app.call('records.add', {
        collectionId: collection.id,
        records: Array.from({ length: Math.min(BATCH, RECORDS - start) }, (_, j) => ({
          id: id(start + j),
          embedding: [Math.sin(start + j), Math.cos(start + j)],
          document: `Record ${start + j}`
        }))
      })
    // A few calls in flight at a time (so the rows' order may not be the ids' order: the test asks the
    // app which record is at a position).
    for (let start = 0; start < RECORDS; start += 4 * BATCH) {
      await Promise.all(
        [0, 1, 2, 3]
          .map((k) => start + k * BATCH)
          .filter((s) => s < RECORDS)
          .map(add)
      )
    }
  })
  test.afterAll(async () => {
    await app?.stop()
  })

  /** The id of the record at `position` in the table's order, as the app's own page call gives it. */
  const idAt = async (position: number): Promise<string> => {
    const page = await app.call<{ rows: { id: string }[] }>('records.page', {
      collectionId: collection.id,
      offset: position,
      limit: 1
    })
    return page.rows[0]!.id
  }

  test('shows the rows past 250,000 on the next segment, in order', async ({ page }) => {
    await page.goto(app.url)
    await page.getByTestId('collection-item').filter({ hasText: 'long' }).first().click()
    const segment = page.getByTestId('record-table-segment')
    await expect(segment).toHaveText('Rows 1–250,000 of 250,040', { timeout: 60_000 })
    await expect(page.getByTestId('record-row').first()).toHaveAttribute('data-id', await idAt(0))

    // The second segment starts where the first ended and holds the last 40 rows.
    await page.getByTestId('record-table-segments').getByRole('button', { name: '2', exact: true }).click()
    await expect(segment).toHaveText('Rows 250,001–250,040 of 250,040')
    await expect(page.getByTestId('record-row').first()).toHaveAttribute('data-id', await idAt(250_000))
    const table = page.getByTestId('record-table')
    await table.evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect(page.getByTestId('record-row').last()).toHaveAttribute('data-id', await idAt(RECORDS - 1))
    await fullShot(page, 'records-second-segment.png')

    // And back: the first segment's last row is the 250,000th.
    await page.getByTestId('record-table-segments').getByRole('button', { name: '1', exact: true }).click()
    await expect(segment).toHaveText('Rows 1–250,000 of 250,040')
    await table.evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect(page.getByTestId('record-row').last()).toHaveAttribute('data-id', await idAt(249_999))

    // On the second segment when the rows past 250,000 are deleted: one segment, no bar; when records
    // come back, the table stays where it fell back to (the first segment), not where it was.
    await page.getByTestId('record-table-segments').getByRole('button', { name: '2', exact: true }).click()
    await expect(segment).toHaveText('Rows 250,001–250,040 of 250,040')
    const tail = await app.call<{ rows: RecordRow[] }>('records.page', {
      collectionId: collection.id,
      offset: 250_000,
      limit: 40
    })
    await app.call('records.delete', { collectionId: collection.id, ids: tail.rows.map((r) => r.id) })
    await expect(table).toHaveAttribute('data-total', '250000')
    await expect(segment).toHaveCount(0)
    await app.call('records.add', {
      collectionId: collection.id,
      records: tail.rows.map((r) => ({ id: r.id, embedding: [0, 1], document: r.document }))
    })
    await expect(table).toHaveAttribute('data-total', '250040')
    await expect(segment).toHaveText('Rows 1–250,000 of 250,040')
  })
})
