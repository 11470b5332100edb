import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { expect, test } from './fixtures.js'
import { freePort, fullShot, startApp, tinyModelDir, type RunningApp } from './helpers.js'

// Issue #13, scripts and models: a script adds documents-only records over Chroma's REST API to a
// collection made in the UI and finds them by text (the server embeds, decision 0121); the UI then
// switches the collection to another model with a re-embed job, and the script's text queries still answer.

const NOTES = [
  { id: 'river', document: 'The river runs past the farm and into the sea.' },
  { id: 'pets', document: 'A dog and a cat play in the house all day.' },
  { id: 'school', document: 'Children read books and sing music at the school.' }
]

test.describe('scripts and models (browser mode)', () => {
  test.describe.configure({ timeout: 120_000, mode: 'serial' })
  let app: RunningApp
  let modelA: string
  let modelB: string
  let collectionId: string
  let home: string

  test.beforeAll(async () => {
    const port = String(await freePort())
    // Its own home, so the model cache the model manager writes to is this run's (~/.cache/chromadesk/models).
    home = mkdtempSync(join(tmpdir(), 'chromadesk-e2e-home-'))
    app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir], { HOME: home })
    modelA = await tinyModelDir()
    const { createTinyModel } = await import('../src/main/engine/embedding/testing/tiny-model.js')
    modelB = await createTinyModel(join(tmpdir(), 'chromadesk-e2e-models'), {
      name: 'tiny-bert-48',
      layers: 1,
      hiddenSize: 48,
      heads: 2
    })
  })
  test.afterAll(async () => {
    await app?.stop()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  /** A script's plain HTTP call to Chroma's v2 API, as curl would make it. */
  async function rest(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(
      `${app.origin}/api/v2/tenants/default_tenant/databases/default_database/collections${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
      }
    )
    return { status: res.status, json: await res.json() }
  }

  async function searchByText(text: string): Promise<string[]> {
    const r = await rest(`/${collectionId}/query`, { query_texts: [text], n_results: 1, include: ['documents'] })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    return (r.json as { ids: string[][] }).ids[0] ?? []
  }

  test('a script adds documents only to a collection made in the UI, and finds them by text', async ({ page }) => {
    await page.goto(app.url)
    await page.getByTestId('new-collection').click()
    await page.getByTestId('collection-name-input').fill('script-notes')
    await page.getByTestId('collection-model-input').fill(modelA)
    await page.getByTestId('create-collection-submit').click()
    await expect(page.getByTestId('collection-name')).toHaveText('script-notes')
    await expect(page.getByTestId('collection-model')).toContainText('tiny-bert')

    const list = (await (
      await fetch(`${app.origin}/api/v2/tenants/default_tenant/databases/default_database/collections/script-notes`)
    ).json()) as { id: string; configuration_json: { embedding_function: unknown } }
    collectionId = list.id
    const add = await rest(`/${collectionId}/add`, {
      ids: NOTES.map((n) => n.id),
      documents: NOTES.map((n) => n.document),
      metadatas: NOTES.map((n) => ({ source: 'script', length: n.document.length }))
    })
    expect(add.status, JSON.stringify(add.json)).toBe(201)
    expect(await searchByText('A dog and a cat play in the house all day.')).toEqual(['pets'])
    expect(await searchByText('The river runs past the farm and into the sea.')).toEqual(['river'])

    // The open window sees the script's records (pushed change events).
    await expect(page.getByTestId('collection-count')).toHaveText('3 records')
    await expect(page.getByTestId('collection-dimension')).toHaveText('32 dimensions')
    await fullShot(page, 'scripts-documents-only-add.png')
  })

  test('a re-embed job switches the collection to another model, and text queries still answer', async ({ page }) => {
    await page.goto(app.url)
    await page.getByTestId('collection-item').filter({ hasText: 'script-notes' }).first().click()
    await expect(page.getByTestId('collection-name')).toHaveText('script-notes')
    await page.getByTestId('reembed-collection').click()
    // The same model is refused before anything starts.
    await page.getByTestId('reembed-model').fill(modelA)
    await expect(page.getByTestId('reembed-submit')).toBeDisabled()
    await page.getByTestId('reembed-model').fill(modelB)
    await fullShot(page, 'reembed-dialog.png')
    await page.getByTestId('reembed-submit').click()
    await expect(page.getByTestId('reembed-form')).toHaveCount(0)

    await expect(page.getByTestId('collection-dimension')).toHaveText('48 dimensions', { timeout: 60_000 })
    await expect(page.getByTestId('collection-model')).toContainText('tiny-bert-48')
    await page.getByTestId('jobs-button').click()
    const job = page.getByTestId('job').filter({ hasText: 'Re-embed script-notes' })
    await expect(job).toHaveAttribute('data-job-state', 'done')
    await fullShot(page, 'reembed-done.png')

    expect(await searchByText('A dog and a cat play in the house all day.')).toEqual(['pets'])
    expect(await searchByText('Children read books and sing music at the school.')).toEqual(['school'])
    // Changing the model through modify would leave old vectors: refused with a pointer to re-embed.
    const res = await fetch(
      `${app.origin}/api/v2/tenants/default_tenant/databases/default_database/collections/${collectionId}`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          new_configuration: { embedding_function: { type: 'known', name: 'transformers', config: { model: modelA } } }
        })
      }
    )
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toMatch(/re-embed/)
  })

  test('Settings lists the models with their size and users, and adds a model folder', async ({ page }) => {
    await page.goto(app.url)
    // A model that cannot be loaded is refused at creation, and the error leads to the model manager.
    await page.getByTestId('new-collection').click()
    await page.getByTestId('collection-name-input').fill('lost-model')
    await page.getByTestId('collection-model-input').fill(join(home, 'no-such-model'))
    await page.getByTestId('create-collection-submit').click()
    await expect(page.getByTestId('create-collection-error')).toContainText('does not exist')
    await page.getByTestId('open-model-manager').click()
    const panel = page.getByTestId('models-panel')
    await expect(panel).toBeInViewport()
    await panel.scrollIntoViewIfNeeded()
    const used = panel.locator(`[data-testid="model-row"][data-model="${modelB}"]`)
    await expect(used).toContainText('script-notes')
    await expect(used.getByTestId('model-size')).toHaveText(/KB|kB|KiB/)
    // The second tiny model's folder, chosen with the folder picker: copied into the model cache.
    await panel.getByTestId('models-folder-input').setInputFiles(modelA)
    const added = panel.locator('[data-testid="model-row"][data-model$="/_local/tiny-bert"]')
    await expect(added).toBeVisible({ timeout: 30_000 })
    await fullShot(page, 'models-settings.png')
    await added.getByTestId('model-remove').click()
    await expect(added).toHaveCount(0)
  })
})
