import { DuckDBInstance } from '@duckdb/node-api'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from './fixtures.js'
import { appTarget, downloadBy, freePort, SCREENSHOTS, startApp, type RunningApp } from './helpers.js'

interface Row {
  id: string
  document: string | null
  metadata: Record<string, unknown> | null
  embedding?: number[] | null
}

// A collection exported to Parquet from the UI (browser download), read by DuckDB, imported back
// through the UI under another name, and compared record by record.
test.describe('Parquet export and import', () => {
  let app: RunningApp
  const ids = Array.from({ length: 300 }, (_, i) => `m-${i}`)

  test.beforeAll(async () => {
    const port = String(await freePort())
    app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
    const { id } = await app.call<{ id: string }>('collections.create', {
      name: 'measurements',
      embeddingModel: null,
      metadata: { source: 'e2e' }
    })
    const records = ids.map((rid, i) => ({
      id: rid,
      embedding: [i % 4 === 0 ? -0 : Math.sin(i), Math.cos(i) * 1e-3, i / 300, 1.4e-45],
      document: i % 5 === 0 ? null : `Reading ${i}: ${'ü'.repeat(i % 3)}`,
      metadata:
        i % 7 === 0
          ? null
          : { site: i % 2 ? 'north' : 'south', n: i, t: i + 0.5, ok: i % 3 === 0, tags: ['a', `t${i}`] }
    }))
    await app.call('records.add', { collectionId: id, records })
  })
  test.afterAll(async () => {
    await app?.stop()
  })

  test('exports Parquet from the UI, DuckDB reads it, the UI imports it back equal', async ({ page }) => {
    test.skip(appTarget() === 'electron', 'export in the desktop app goes through the native save dialog')
    await page.goto(app.url)
    await page.getByTestId('collection-item').filter({ hasText: 'measurements' }).click()
    await page.getByTestId('export-collection').click()
    await expect(page.getByTestId('export-parquet')).toBeVisible()
    await page.screenshot({ path: join(SCREENSHOTS, 'parquet-export-menu.png') })
    const file = await downloadBy(
      page,
      'export-parquet',
      'measurements.parquet',
      join(app.dataDir, 'measurements.parquet')
    )
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('PAR1')

    // An independent reader sees every record, in order, with a float list of 4 per record.
    const instance = await DuckDBInstance.create(':memory:')
    const conn = await instance.connect()
    try {
      const quoted = `'${file.replaceAll("'", "''")}'`
      const rows = (
        await conn.runAndReadAll(
          `select id, len(embedding) as dim, metadata->>'$.site' as site from read_parquet(${quoted}, file_row_number = true) order by file_row_number`
        )
      ).getRowObjectsJson()
      expect(rows.map((r) => r.id)).toEqual(ids)
      expect(new Set(rows.map((r) => r.dim))).toEqual(new Set(['4']))
      expect(rows[1]).toMatchObject({ site: 'north' })
    } finally {
      conn.closeSync()
      instance.closeSync()
    }

    await page.getByTestId('import-collection').click()
    const dialog = page.getByTestId('import-dialog')
    await page.locator('input[type="file"][accept*="parquet"]').setInputFiles(file)
    await dialog.getByLabel('Into collection').fill('measurements-restored')
    await page.screenshot({ path: join(SCREENSHOTS, 'parquet-import-dialog.png') })
    await dialog.getByRole('button', { name: 'Import' }).click()
    const restored = page.getByTestId('collection-item').filter({ hasText: 'measurements-restored' })
    await expect(restored).toContainText('300')
    await restored.click()
    await expect(page.getByTestId('records-total')).toHaveAttribute('data-total', '300')
    await page.screenshot({ path: join(SCREENSHOTS, 'parquet-imported.png') })

    const list = await app.call<{ id: string; name: string }[]>('collections.list', {})
    const idOf = (name: string): string => list.find((c) => c.name === name)?.id as string
    const read = (name: string) => app.call<Row[]>('records.get', { collectionId: idOf(name), ids, embeddings: true })
    const [before, after] = await Promise.all([read('measurements'), read('measurements-restored')])
    expect(after).toHaveLength(300)
    expect(after).toEqual(before)
  })
})
