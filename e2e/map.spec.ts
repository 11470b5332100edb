// The Map tab (issue #15): a collection of a few thousand records with a category key is laid out,
// coloured by the key with its legend, a lasso picks points and the table lists exactly those, the
// selection exports exactly those records, and text, hybrid and vector queries draw their hits with lines
// to the query point.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { APP_KEY_HEADER, MAP_PATH } from '../src/shared/constants.js'
import { decodeMapLayout } from '../src/shared/map-layout.js'
import { INITIAL_CAMERA, normalise, pointsInPolygon } from '../src/shared/map-geometry.js'
import { expect, test } from './fixtures.js'
import type { CollectionSummary, JobStatus, RecordRow } from '../src/shared/contract.js'
import { downloadBy, freePort, fullShot, startApp, tinyModelDir, type RunningApp } from './helpers.js'

const TOPICS: Record<string, string[]> = {
  ocean: ['ocean', 'sea', 'ship', 'wave', 'fish', 'harbour', 'tide', 'sail'],
  space: ['star', 'moon', 'planet', 'orbit', 'rocket', 'comet', 'galaxy', 'sky'],
  garden: ['seed', 'flower', 'soil', 'leaf', 'root', 'garden', 'rain', 'bloom'],
  city: ['street', 'bus', 'tower', 'market', 'bridge', 'traffic', 'square', 'cafe']
}
const RECORDS = 3000

/** The ids of the layout's points inside a lasso drawn through `path` (page pixels) over the canvas `box`. */
async function lassoed(
  app: RunningApp,
  collectionId: string,
  box: { x: number; y: number; width: number; height: number },
  path: (readonly [number, number])[]
): Promise<Set<string>> {
  const key = new URLSearchParams(new URL(app.url).hash.slice(1)).get('key') ?? ''
  const response = await fetch(`${app.origin}${MAP_PATH}/${collectionId}`, { headers: { [APP_KEY_HEADER]: key } })
  const layout = decodeMapLayout(new Uint8Array(await response.arrayBuffer()))
  const { x, y } = normalise(layout.coords)
  const polygon = path.map(([px, py]) => [px - box.x, py - box.y] as [number, number])
  const hits = pointsInPolygon(INITIAL_CAMERA, box.width, box.height, x, y, polygon)
  return new Set(hits.map((i) => layout.header.ids[i]!))
}

/** A short document of its topic's words (a seeded pick, the same every run). */
function documentFor(i: number, words: string[]): string {
  return Array.from({ length: 6 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ')
}

test.describe('the Map tab (browser mode)', () => {
  test.describe.configure({ timeout: 180_000 })
  let app: RunningApp
  let collection: CollectionSummary

  test.beforeAll(async () => {
    test.setTimeout(180_000)
    const port = String(await freePort())
    app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
    collection = await app.call<CollectionSummary>('collections.create', {
      name: 'atlas',
      embeddingModel: await tinyModelDir()
    })
    const topics = Object.keys(TOPICS)
    for (let start = 0; start < RECORDS; start += 1000) {
      await app.call('records.add', {
        collectionId: collection.id,
        records: Array.from({ length: 1000 }, (_, j) => {
          const i = start + j
          const topic = topics[i % topics.length] as string
          return {
            id: `r${i}`,
            document: documentFor(i, TOPICS[topic] as string[]),
            metadata: { topic, rank: i % 100 }
          }
        })
      })
    }
  })
  test.beforeAll(async () => {
    // Keyword search on (an app job): the map then offers the hybrid query.
    const job = await app.call<JobStatus>('collections.enableKeywordSearch', { id: collection.id })
    for (let i = 0; i < 300; i++) {
      const status = await app.call<JobStatus>('jobs.status', { jobId: job.jobId })
      if (status.state !== 'running') break
      await new Promise((r) => setTimeout(r, 200))
    }
  })
  test.afterAll(async () => {
    await app?.stop()
  })

  test('renders every record, colours by category, lasso fills the table, a query draws its hits', async ({ page }) => {
    await page.setViewportSize({ width: 1400, height: 1000 })
    await page.goto(app.url)
    await page.getByTestId('collection-item').filter({ hasText: 'atlas' }).first().click()
    await page.getByTestId('map-tab').click()

    // PCA first, then UMAP; every record is a point (no sampling at this size).
    const status = page.getByTestId('map-status')
    await expect(status).toHaveAttribute('data-points', String(RECORDS), { timeout: 60_000 })
    await expect(status).toHaveAttribute('data-stage', 'umap', { timeout: 120_000 })

    // Colour by the category key: the legend lists the four topics.
    await page.getByTestId('map-colour-by').click()
    await page.getByRole('option', { name: 'topic' }).click()
    const legend = page.getByTestId('map-legend-item')
    await expect(legend).toHaveCount(4)
    await expect(page.getByTestId('map-legend')).toContainText('ocean')
    await fullShot(page, 'map.png')

    // A lasso around the left half of the map: the table lists exactly the selected records.
    await page.getByTestId('map-mode').getByText('Lasso').click()
    const box = (await page.getByTestId('map-canvas').boundingBox())!
    // Whole pixels: the canvas then sees exactly these positions, and the test can redo the lasso's maths.
    const at = (fx: number, fy: number) =>
      [Math.round(box.x + box.width * fx), Math.round(box.y + box.height * fy)] as const
    const path = [at(0.02, 0.02), at(0.5, 0.02), at(0.5, 0.98), at(0.02, 0.98), at(0.02, 0.03)]
    await page.mouse.move(...path[0]!)
    await page.mouse.down()
    for (const [x, y] of path.slice(1)) await page.mouse.move(x, y, { steps: 12 })
    await page.mouse.up()
    await expect(status).toContainText('selected')
    const selectedText = (await status.textContent()) ?? ''
    const selected = Number(/([\d,]+) selected/.exec(selectedText)?.[1]?.replace(/,/g, ''))
    expect(selected).toBeGreaterThan(0)
    expect(selected).toBeLessThan(RECORDS)
    await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', String(selected))
    await fullShot(page, 'map-lasso.png')

    // Export the selection: the downloaded file holds exactly the records inside the lasso, as the
    // test finds them itself from the layout's bytes and the lasso's path (the same geometry).
    const inside = await lassoed(app, collection.id, box, path)
    expect(inside.size).toBe(selected)
    await page.getByTestId('export-selection').click()
    const file = await downloadBy(page, 'export-jsonl', 'atlas.jsonl', join(app.dataDir, 'selection.jsonl'))
    const exported = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .flatMap((line) => {
        const row = JSON.parse(line) as { id?: string }
        return row.id === undefined ? [] : [row.id]
      })
    expect(exported).toHaveLength(selected)
    expect(new Set(exported)).toEqual(inside)

    // A text query: its top 10 become the selection, drawn with lines to the query point.
    await page.getByTestId('map-query').fill('ocean sea ship')
    await page.getByTestId('map-query-run').click()
    await expect(page.getByTestId('map-query-overlay')).toHaveAttribute('data-hits', '10')
    await expect(page.getByTestId('map-query-overlay').locator('line')).toHaveCount(10)
    await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '10')
    await expect(page.getByTestId('record-row').first()).toContainText(/ocean|sea|ship/)
    await fullShot(page, 'map-query.png')

    // A hybrid query (meaning and keywords, fused): its hits drawn the same way.
    await page.getByTestId('map-query-kind').getByText('Hybrid').click()
    await page.getByTestId('map-query').fill('galaxy comet')
    await page.getByTestId('map-query-run').click()
    await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '10')
    await expect(page.getByTestId('map-query-overlay').locator('line')).toHaveCount(10)
    await expect(page.getByTestId('record-row').first()).toContainText(/galaxy|comet/)
    await fullShot(page, 'map-hybrid.png')

    // The fusion's weights, as on the Query tab: both at 0 is refused where it is typed; keywords only
    // gives the keyword ranking's hits, exactly as the app's own call gives them.
    await page.getByTestId('map-hybrid-weights').click()
    await page.getByTestId('hybrid-dense-weight').fill('0')
    await page.getByTestId('hybrid-keyword-weight').fill('0')
    await page.getByTestId('map-query-run').click()
    await expect(page.getByText('One weight must be above 0')).toBeVisible()
    await page.getByTestId('hybrid-keyword-weight').fill('1')
    await expect(page.getByTestId('hybrid-formula')).toContainText('score = −(0 / (59 + dense place) + 1 / (59')
    await fullShot(page, 'map-hybrid-weights.png')
    await page.getByTestId('map-query').fill('ocean reef')
    await page.getByTestId('map-query-run').click()
    const keywordsOnly = await app.call<RecordRow[]>('records.hybrid', {
      collectionId: collection.id,
      text: 'ocean reef',
      nResults: 10,
      denseWeight: 0,
      keywordWeight: 1,
      rrfK: 60
    })
    await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', String(keywordsOnly.length))
    await expect(page.getByTestId('map-query-overlay').locator('line')).toHaveCount(keywordsOnly.length)
    // The weights reach the query: both rankings at 1 pick other records for this text.
    const fused = await app.call<RecordRow[]>('records.hybrid', {
      collectionId: collection.id,
      text: 'ocean reef',
      nResults: 10,
      denseWeight: 1,
      keywordWeight: 1,
      rrfK: 60
    })
    expect(new Set(fused.map((r) => r.id))).not.toEqual(new Set(keywordsOnly.map((r) => r.id)))
    // The table shows exactly the keyword ranking's hits (polled: the previous query's ten rows are
    // on screen until this one's arrive).
    const rows = page.getByTestId('record-row')
    await expect
      .poll(async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort())
      .toEqual(keywordsOnly.map((r) => r.id).sort())

    // A vector query: a record's own embedding finds records with its very document (its twins: same words).
    const [r7] = await app.call<RecordRow[]>('records.get', {
      collectionId: collection.id,
      ids: ['r7'],
      embeddings: true
    })
    await page.getByTestId('map-query-kind').getByText('Vector').click()
    await page.getByTestId('map-query-vector').fill(JSON.stringify(r7!.embedding))
    await page.getByTestId('map-query-run').click()
    await expect(page.getByTestId('map-query-overlay')).toHaveAttribute('data-hits', '10')
    await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '10')
    await expect(page.getByTestId('record-row').first()).toContainText(r7!.document!)
    await fullShot(page, 'map-vector.png')
  })
})
