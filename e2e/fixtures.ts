// The e2e tests' `test`: in the electron project, `page` is the desktop app's window (started by
// startApp), so the same tests drive the browser UI and the desktop app.
import { test as base } from '@playwright/test'
import { currentDesktopWindow } from './helpers.js'

export { expect, type Locator, type Page } from '@playwright/test'

export const test = base.extend({
  page: async ({ page }, use) => {
    await use(currentDesktopWindow() ?? page)
  }
})
