import { defineConfig } from '@playwright/test'

// Debian's chromium, driven by playwright-core: Playwright's own browser downloads cannot work here.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  // The same tests drive the served UI in Chromium and, where Electron can run, the desktop app
  // (e2e/helpers.ts startApp; elsewhere the electron project reports them as not run, with the reason).
  projects: [
    { name: 'browser', testIgnore: /electron\.spec\.ts$/, metadata: { target: 'browser' } },
    { name: 'electron', metadata: { target: 'electron' } }
  ],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure'
  }
})
