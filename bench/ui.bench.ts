/**
 * `npx tsx bench/ui.bench.ts`: the UI in Debian's chromium (headless, playwright-core) against the
 * built headless server (`out/main/serve.js`; run `npm run build` first). Measures:
 * - time to first paint and to the first data on screen (the app's `data-loaded` flag), cold page
 *   loads, median of BENCH_LOADS (5);
 * - the records table of a BENCH_ROWS (100,000) record collection: frame times while idle (the
 *   display's cadence, the baseline), while scrolling steadily at 2,000 px/s and while flinging at
 *   20,000 px/s (one step per animation frame, every frame timed in the page; a frame over 25 ms, 1.5
 *   frames at 60 Hz, is a visible stutter), and the time until rows show after jumps to 20 random
 *   positions (the page of rows is fetched on demand).
 */
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS } from '../playwright.config.js'
import { startBuiltApp, type BuiltApp } from './built-app.js'
import { machine } from './rest-server.js'

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000)
const LOADS = Number(process.env.BENCH_LOADS ?? 5)
const SCROLL_SECONDS = Number(process.env.BENCH_SCROLL_SECONDS ?? 10)

/** ROWS records with short documents and two metadata keys, through the app's own add call. */
async function seed(app: BuiltApp): Promise<string> {
  const { id } = await app.rpc<{ id: string }>('collections.create', { name: 'scroll', embeddingModel: null })
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']
  for (let start = 0; start < ROWS; start += 1000) {
    const records = Array.from({ length: Math.min(1000, ROWS - start) }, (_, k) => {
      const i = start + k
      return {
        id: `rec-${String(i).padStart(6, '0')}`,
        embedding: [Math.sin(i), Math.cos(i), (i % 97) / 97, (i % 13) / 13],
        document: `Record ${i}: ${words[i % 8]} ${words[(i * 7) % 8]} ${words[(i * 3) % 8]} and some more words to fill a line of the table`,
        metadata: { bucket: i % 100, kind: words[i % 8] as string }
      }
    })
    await app.rpc('records.add', { collectionId: id, records })
  }
  return id
}

interface ScrollResult {
  frames: number
  dropped: number
  p50: number
  p99: number
  maxMs: number
  blank: number
}

/** The records table's scrolling element (found from a row or a placeholder row). */
const FIND_BOX = `function () {
  const row = document.querySelector('[data-testid="record-row"], [data-testid="record-placeholder"]')
  let box = row && row.parentElement
  while (box && !(box.scrollHeight > box.clientHeight + 10 && getComputedStyle(box).overflowY !== 'visible')) {
    box = box.parentElement
  }
  if (!box) throw new Error('no scrolling container around the records')
  return box
}`

/**
 * Runs in the page, passed as source text (the bundler's helpers would not exist there): scrolls the
 * records table from the top at `speed` px/s for `seconds` (0 px/s = idle, the display's own
 * cadence), one step per animation frame, timing every frame.
 */
const SCROLL_IN_PAGE = `async function (seconds, speed) {
  const box = (${FIND_BOX})()
  box.scrollTop = 0
  await new Promise((r) => setTimeout(r, 500))
  const times = []
  let blank = 0
  const start = performance.now()
  let last = start
  await new Promise((done) => {
    function step(now) {
      times.push(now - last)
      last = now
      box.scrollTop = ((now - start) / 1000) * speed
      if (document.querySelectorAll('[data-testid="record-row"]').length === 0) blank++
      if (now - start < seconds * 1000) requestAnimationFrame(step)
      else done()
    }
    requestAnimationFrame(step)
  })
  times.shift()
  const sorted = [...times].sort((a, b) => a - b)
  return {
    frames: times.length,
    // A 60 Hz display gets a frame every 16.7 ms; one that takes over 1.5 of those shows as a stutter.
    dropped: times.filter((t) => t > 25).length,
    p50: sorted[Math.floor(sorted.length / 2)],
    p99: sorted[Math.floor(sorted.length * 0.99)],
    maxMs: sorted[sorted.length - 1],
    blank
  }
}`

/** Jumps to `count` seeded positions in the table and times until real rows are on screen. */
const JUMP_IN_PAGE = `async function (count) {
  const box = (${FIND_BOX})()
  const waits = []
  let seed = 7
  for (let i = 0; i < count; i++) {
    seed = (seed * 48271) % 2147483647
    const t0 = performance.now()
    box.scrollTop = (seed / 2147483647) * (box.scrollHeight - box.clientHeight)
    await new Promise((r) => requestAnimationFrame(r))
    while (document.querySelectorAll('[data-testid="record-row"]').length === 0) {
      await new Promise((r) => setTimeout(r, 5))
    }
    waits.push(performance.now() - t0)
  }
  return waits.sort((a, b) => a - b)
}`

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

console.log(`UI benchmark: ${ROWS} records, ${LOADS} cold loads, ${SCROLL_SECONDS} s scroll`)
console.log(`machine: ${machine()}`)
const server = await startBuiltApp('chromadesk-ui-bench-')
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: CHROMIUM_ARGS
})
try {
  const t0 = performance.now()
  await seed(server)
  console.log(`seeded ${ROWS} records in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  const paints: number[] = []
  const loaded: number[] = []
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } })
    const page = await context.newPage()
    await page.goto(server.link)
    await page.locator('[data-loaded="true"]').waitFor({ state: 'attached', timeout: 120_000 })
    const timing = await page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN
      return { fcp, now: performance.now() }
    })
    paints.push(timing.fcp)
    loaded.push(timing.now)
    await context.close()
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 820 } })
  const page = await context.newPage()
  await page.goto(server.link)
  await page.getByTestId('collection-item').filter({ hasText: 'scroll' }).click()
  await page.getByTestId('record-row').first().waitFor()
  const scroll = (seconds: number, speed: number): Promise<ScrollResult> =>
    page.evaluate(`(${SCROLL_IN_PAGE})(${seconds}, ${speed})`)
  const passes: [string, ScrollResult][] = [
    ['idle (no scrolling: the display cadence)', await scroll(3, 0)],
    ['steady scroll, 2,000 px/s', await scroll(SCROLL_SECONDS, 2_000)],
    ['fling, 20,000 px/s', await scroll(SCROLL_SECONDS / 2, 20_000)]
  ]
  const jumps = await page.evaluate<number[]>(`(${JUMP_IN_PAGE})(20)`)
  // Past one segment (decision 0114): jumps in the last one, whose pages are the farthest offsets.
  let lastJumps: number[] | null = null
  const segments = page.getByTestId('record-table-segments')
  if ((await segments.count()) > 0) {
    await segments.getByRole('button').filter({ hasText: /^\d+$/ }).last().click()
    await page.getByTestId('record-row').first().waitFor()
    lastJumps = await page.evaluate<number[]>(`(${JUMP_IN_PAGE})(20)`)
  }
  await context.close()

  const rows: [string, string][] = [
    ['first contentful paint, median ms', median(paints).toFixed(0)],
    ['data on screen (data-loaded), median ms', median(loaded).toFixed(0)],
    ...passes.flatMap(([name, r]): [string, string][] => [
      [`${name}: frames`, String(r.frames)],
      [`${name}: frames over 25 ms`, `${r.dropped} (${((100 * r.dropped) / r.frames).toFixed(1)}%)`],
      [`${name}: frame p50 / p99 / max ms`, `${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} / ${r.maxMs.toFixed(1)}`],
      [`${name}: frames with no loaded row in view`, String(r.blank)]
    ]),
    [
      'jump to a random position: time until rows show, median / max ms',
      `${median(jumps).toFixed(0)} / ${(jumps[jumps.length - 1] as number).toFixed(0)}`
    ],
    ...(lastJumps
      ? ([
          [
            'the last segment: jump to a random position, median / max ms',
            `${median(lastJumps).toFixed(0)} / ${(lastJumps[lastJumps.length - 1] as number).toFixed(0)}`
          ]
        ] as [string, string][])
      : [])
  ]
  console.log('\n| metric | value |\n| --- | ---: |')
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`)
} finally {
  await browser.close()
  await server.stop()
}
