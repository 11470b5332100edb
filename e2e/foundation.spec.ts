import { join } from 'node:path'
import { expect, test } from './fixtures.js'
import { appTarget, freePort, SCREENSHOTS, startApp, type RunningApp } from './helpers.js'

test.describe('browser mode', () => {
  let app: RunningApp

  test.beforeAll(async () => {
    const port = String(await freePort())
    app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir])
  })
  test.afterAll(async () => app?.stop())

  test('the React app renders the engine heartbeat', async ({ page }) => {
    await page.goto(app.url)
    await expect(page.getByTestId('app-name')).toHaveText('Chromadesk')
    const status = page.getByTestId('engine-status')
    await expect(status).toBeVisible()
    await expect(page.getByTestId('engine-state')).toHaveText('running')
    const first = await status.getAttribute('data-heartbeat')
    expect(Number(first)).toBeGreaterThan(1.7e18)
    // The heartbeat is live: it advances on the next poll.
    await expect.poll(async () => status.getAttribute('data-heartbeat'), { timeout: 15_000 }).not.toBe(first)
    await page.screenshot({ path: join(SCREENSHOTS, 'foundation-status.png'), fullPage: true })
  })
})

test('npm start without an Electron binary says so in one line and serves the UI', async ({ page }) => {
  test.skip(appTarget() === 'electron', 'about npm start on a machine without Electron')
  const port = String(await freePort())
  // No DISPLAY and no Electron binary here; force the same path on machines that have both.
  const app = await startApp('scripts/start.mjs', (dataDir) => ['--port', port, '--path', dataDir], {
    CHROMADESK_BROWSER_MODE: process.env.DISPLAY ? '1' : ''
  })
  try {
    const notice = app
      .output()
      .split('\n')
      .filter((line) => line.startsWith('No desktop window:'))
    expect(notice).toHaveLength(1)
    expect(notice[0]).toMatch(/Serving the same UI in browser mode instead\.$/)
    await page.goto(app.url)
    await expect(page.getByTestId('engine-state')).toHaveText('running')
  } finally {
    await app.stop()
  }
})

test("with --token, browser settings say Chroma's API needs it and the snippets leave a place for it", async ({
  page
}) => {
  test.skip(appTarget() === 'electron', "browser mode's settings; the desktop app's are its own")
  const port = String(await freePort())
  const token = 'e2e-chroma-token-0123456789'
  const app = await startApp('out/main/serve.js', (dataDir) => ['--port', port, '--path', dataDir, '--token', token])
  try {
    await page.goto(app.url)
    await page.getByTestId('settings-button').click()
    await expect(page.getByTestId('settings-token-note')).toContainText('asks for the token given with --token')
    await expect(page.getByTestId('snippet-curl')).toHaveText(
      `curl -H "Authorization: Bearer <token>" ${app.origin}/api/v2/heartbeat`
    )
    // The page itself never holds Chroma's token.
    expect(await page.content()).not.toContain(token)
  } finally {
    await app.stop()
  }
})
