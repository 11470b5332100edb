import { expect, test, type Locator, type Page } from './fixtures.js'
import { freePort, shot, startApp, type RunningApp } from './helpers.js'

// One server and data dir for the whole file: each test continues from the state the last one left.
test.describe.configure({ mode: 'serial' })

let app: RunningApp

test.beforeAll(async () => {
  const port = String(await freePort())
  app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
})
test.afterAll(async () => app?.stop())

const item = (page: Page, name: string): Locator => page.locator(`[data-testid="collection-item"][data-name="${name}"]`)
const switcher = (page: Page): Locator => page.getByTestId('database-switcher')

/** Picks a database in the switcher and waits until the whole UI works on it. */
async function switchTo(page: Page, tenant: string, database: string): Promise<void> {
  await switcher(page).click()
  // Database names are unique across this file's tenants; the tenant is checked after the switch.
  await page.getByRole('option', { name: new RegExp(`^${database} `) }).click()
  await expect(switcher(page)).toHaveAttribute('data-value', `${tenant}/${database}`)
}

test('creates a database from the UI, checking names as they are typed', async ({ page }) => {
  await page.goto(app.url)
  await expect(switcher(page)).toHaveAttribute('data-value', 'default_tenant/default_database')
  await page.getByTestId('database-menu').click()
  await page.getByTestId('new-database').click()
  const name = page.getByTestId('database-name')
  await name.fill('ab')
  await expect(page.getByText('A database name has at least 3 characters.')).toBeVisible()
  await expect(page.getByTestId('create-database-submit')).toBeDisabled()
  await name.fill('default_database')
  await expect(page.getByText('A database named default_database already exists.')).toBeVisible()
  await name.fill('research')
  await shot(page, 'create-database.png')
  await page.getByTestId('create-database-submit').click()
  await expect(page.getByTestId('create-database')).toHaveCount(0)
  // Created, not switched to.
  await expect(switcher(page)).toHaveAttribute('data-value', 'default_tenant/default_database')
})

test('a collection created in the new database is not in the default one', async ({ page }) => {
  await page.goto(app.url)
  await switchTo(page, 'default_tenant', 'research')
  await expect(page.getByTestId('collections-empty')).toBeVisible()
  await page.getByTestId('new-collection').click()
  await page.getByTestId('collection-name-input').fill('papers')
  await page.getByTestId('collection-model-mode-none').check()
  await page.getByTestId('create-collection-submit').click()
  await expect(item(page, 'papers')).toHaveAttribute('data-selected', 'true')
  const [c] = await app.call<{ id: string }[]>('collections.list', {})
  await app.call('records.add', {
    collectionId: c!.id,
    records: [
      { id: 'p1', embedding: [1, 0] },
      { id: 'p2', embedding: [0, 1] }
    ]
  })
  await expect(item(page, 'papers').getByTestId('collection-item-count')).toHaveText('2')
  await switcher(page).click()
  await expect(page.getByRole('option', { name: /research/ })).toContainText('1 collection')
  await shot(page, 'database-switcher.png')
  await page.keyboard.press('Escape')

  await switchTo(page, 'default_tenant', 'default_database')
  await expect(page.getByTestId('collections-empty')).toBeVisible()
  await expect(item(page, 'papers')).toHaveCount(0)
  // After a reload the switch holds: main keeps the current database.
  await page.reload()
  await expect(switcher(page)).toHaveAttribute('data-value', 'default_tenant/default_database')
  await expect(page.getByTestId('collections-empty')).toBeVisible()
})

test('a switch in another window leaves the collection this one had open', async ({ page, context }) => {
  await page.goto(app.url)
  await switchTo(page, 'default_tenant', 'research')
  await item(page, 'papers').click()
  await expect(page.getByTestId('collection-name')).toHaveText('papers')
  const other = await context.newPage()
  await other.goto(app.url)
  await switchTo(other, 'default_tenant', 'default_database')
  // The first window follows: no collection of the old database stays open (its calls would fail).
  await expect(switcher(page)).toHaveAttribute('data-value', 'default_tenant/default_database')
  await expect(page.getByTestId('no-collection-selected')).toBeVisible()
  await expect(page.getByTestId('collection-header')).toHaveCount(0)
  await other.close()
})

test('deletes the database after a confirmation that names what it holds', async ({ page }) => {
  await page.goto(app.url)
  await switchTo(page, 'default_tenant', 'research')
  await expect(item(page, 'papers')).toBeVisible()
  await page.getByTestId('delete-database').click()
  await expect(page.getByTestId('delete-database-message')).toContainText(
    'Delete database research of tenant default_tenant'
  )
  await expect(page.getByTestId('delete-database-collection')).toHaveText(['papers: 2 records'])
  const confirm = page.getByTestId('delete-database-confirm')
  await expect(confirm).toBeDisabled()
  await page.getByTestId('delete-database-input').fill('researc')
  await expect(confirm).toBeDisabled()
  await page.getByTestId('delete-database-input').fill('research')
  await shot(page, 'delete-database.png')
  await confirm.click()

  await expect(page.getByTestId('delete-database-dialog')).toHaveCount(0)
  await expect(switcher(page)).toHaveAttribute('data-value', 'default_tenant/default_database')
  await expect(page.getByTestId('collections-empty')).toBeVisible()
  await switcher(page).click()
  await expect(page.getByRole('option', { name: /research/ })).toHaveCount(0)
  await page.keyboard.press('Escape')
  expect(await app.call<{ name: string }[]>('databases.list', {})).toEqual([
    { name: 'default_database', collections: 0 }
  ])
})

test('creates a tenant with its first database, switches to it, then deletes that database', async ({ page }) => {
  await page.goto(app.url)
  await page.getByTestId('database-menu').click()
  await page.getByTestId('new-tenant').click()
  await page.getByTestId('tenant-name').fill('default_tenant')
  await expect(page.getByText('A tenant named default_tenant already exists.')).toBeVisible()
  await page.getByTestId('tenant-name').fill('acme')
  await page.getByTestId('tenant-database-name').fill('sales')
  await page.getByTestId('create-tenant-submit').click()
  await expect(switcher(page)).toHaveAttribute('data-value', 'acme/sales')
  await expect(page.getByTestId('collections-empty')).toBeVisible()
  await page.getByTestId('new-collection').click()
  await page.getByTestId('collection-name-input').fill('leads')
  await page.getByTestId('collection-model-mode-none').check()
  await page.getByTestId('create-collection-submit').click()
  await expect(item(page, 'leads')).toBeVisible()
  await shot(page, 'tenant-switched.png')

  await page.getByTestId('delete-database').click()
  await expect(page.getByTestId('delete-database-collection')).toHaveText(['leads: 0 records'])
  await page.getByTestId('delete-database-input').fill('sales')
  await page.getByTestId('delete-database-confirm').click()
  // acme has no database left: the switcher says so, and the default tenant's is one pick away.
  await expect(switcher(page)).toHaveValue('acme / sales (does not exist)')
  await switchTo(page, 'default_tenant', 'default_database')
  expect(await app.call<{ tenants: string[] }>('tenants.list', {})).toEqual({
    tenants: ['acme', 'default_tenant'],
    complete: true
  })
})
