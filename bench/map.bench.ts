/**
 * `npx tsx bench/map.bench.ts` (run `npm run build` first): the Map tab (issue #15) end to end against
 * the built headless server (`out/main/serve.js`) and Debian's chromium (playwright-core).
 * - BENCH_MAP_ROWS (100,000) records of 384 dimensions in 20 clusters, added through the app's calls;
 * - time from `collections.mapStart` to the first picture (the PCA layout's bytes at MAP_PATH) and to the
 *   UMAP layout (the 'map' job done); the server process's peak RSS (VmHWM) after it;
 * - in the page: frame times while panning and zooming the 100,000 points (one step per animation
 *   frame; a frame over 25 ms is a visible stutter), and the time from the end of a lasso around about
 *   10,000 points until the table shows their count and first rows;
 * - the projection alone (PCA to 2-D, in this process) of BENCH_MAP_BIG (1,000,000) x 384.
 */
import { readFileSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS } from '../playwright.config.js'
import { seededRandom } from '../src/main/engine/testing/synthetic.js'
import { pca2 } from '../src/main/map/projection.js'
import { APP_KEY_HEADER, MAP_PATH } from '../src/shared/constants.js'
import { decodeMapLayout } from '../src/shared/map-layout.js'
import { INITIAL_CAMERA, normalise, pointsInPolygon } from '../src/shared/map-geometry.js'
import { startBuiltApp } from './built-app.js'
import { clustered, CLUSTERS, DIM } from './map-data.js'
import { machine } from './rest-server.js'

const ROWS = Number(process.env.BENCH_MAP_ROWS ?? 100_000)
const BIG = Number(process.env.BENCH_MAP_BIG ?? 1_000_000)
const PAN_SECONDS = Number(process.env.BENCH_MAP_PAN_SECONDS ?? 10)

async function main(): Promise<void> {
  console.log(`machine: ${machine()} (shared with other work while measured)`)
  const app = await startBuiltApp('chromadesk-map-bench-')
  const { url, link, appKey } = app
  try {
    // Seed: clustered vectors with a category (the cluster) through the app's own add call.
    const { id } = await app.rpc<{ id: string }>('collections.create', { name: 'atlas', embeddingModel: null })
    const seedStart = performance.now()
    const rand = seededRandom(3)
    const centres = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIM }, () => rand() * 2 - 1))
    for (let start = 0; start < ROWS; start += 1000) {
      const records = Array.from({ length: Math.min(1000, ROWS - start) }, (_, k) => {
        const c = Math.floor(rand() * CLUSTERS)
        return {
          id: `p${start + k}`,
          embedding: centres[c]!.map((x) => Math.round((x + (rand() + rand() + rand() - 1.5) * 0.3) * 1e4) / 1e4),
          document: `Point ${start + k} of cluster ${c}`,
          metadata: { cluster: `c${c}`, rank: (start + k) % 1000 }
        }
      })
      await app.rpc('records.add', { collectionId: id, records })
    }
    console.log(`seeded ${ROWS} x ${DIM} in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)

    // The layout: PCA picture, then UMAP.
    const t0 = performance.now()
    const job = await app.rpc<{ jobId: string }>('collections.mapStart', { collectionId: id })
    let firstPicture = 0
    for (;;) {
      const res = await fetch(`${url}${MAP_PATH}/${id}`, { headers: { [APP_KEY_HEADER]: appKey } })
      if (res.status === 200) {
        decodeMapLayout(new Uint8Array(await res.arrayBuffer()))
        firstPicture = performance.now() - t0
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    let status: { state: string; phase: string | null }
    const phases: string[] = []
    for (;;) {
      status = await app.rpc('jobs.status', { jobId: job.jobId })
      if (status.state !== 'running') break
      const phase = status.phase
      if (phase && !phases.some((p) => p.startsWith(phase))) {
        phases.push(`${phase} from ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    console.log(`job phases: ${phases.join(', ')}`)
    const umap = performance.now() - t0
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.pid}/status`, 'utf8'))?.[1]
    console.log(`layout job: ${status.state}`)
    console.log(
      `first picture (PCA) after ${(firstPicture / 1000).toFixed(2)} s; UMAP layout after ${(umap / 1000).toFixed(1)} s`
    )
    console.log(`server peak RSS ${(Number(hwm) / 1024).toFixed(0)} MiB`)

    // In the page: pan and zoom, then a lasso of about 10,000 points.
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
      await page.goto(link)
      await page.getByTestId('collection-item').filter({ hasText: 'atlas' }).first().click()
      await page.getByTestId('map-tab').click()
      await page.waitForSelector(`[data-testid="map-status"][data-points="${ROWS}"][data-stage="umap"]`, {
        timeout: 120_000
      })
      await page.waitForTimeout(1000)
      const frames = (await page.evaluate(`(async (seconds) => {
        const canvas = document.querySelector('[data-testid="map-canvas"]')
        const r = canvas.getBoundingClientRect()
        const cx = r.left + r.width / 2
        const cy = r.top + r.height / 2
        canvas.dispatchEvent(new MouseEvent('mousedown', { clientX: cx, clientY: cy, bubbles: true }))
        const times = []
        const start = performance.now()
        let last = start
        let i = 0
        await new Promise((done) => {
          function step(now) {
            times.push(now - last)
            last = now
            i++
            // A circle of drags, with a zoom in and out every frame.
            window.dispatchEvent(new MouseEvent('mousemove', { clientX: cx + Math.cos(i / 20) * 150, clientY: cy + Math.sin(i / 20) * 150 }))
            canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: Math.sin(i / 15) * 40, clientX: cx, clientY: cy, bubbles: true, cancelable: true }))
            if (now - start < seconds * 1000) requestAnimationFrame(step)
            else done()
          }
          requestAnimationFrame(step)
        })
        window.dispatchEvent(new MouseEvent('mouseup', { clientX: cx, clientY: cy }))
        times.shift()
        const sorted = [...times].sort((a, b) => a - b)
        return { frames: times.length, p50: sorted[Math.floor(sorted.length / 2)], p99: sorted[Math.floor(sorted.length * 0.99)], over25: times.filter((t) => t > 25).length }
      })(${PAN_SECONDS})`)) as { frames: number; p50: number; p99: number; over25: number }
      console.log(
        `pan and zoom ${ROWS} points for ${PAN_SECONDS} s: ${frames.frames} frames, p50 ${frames.p50.toFixed(1)} ms, p99 ${frames.p99.toFixed(1)} ms, ${((frames.over25 / frames.frames) * 100).toFixed(1)}% over 25 ms`
      )

      // A lasso of about 10,000 points: a square around the centre, its size found on the layout itself.
      await page.reload()
      await page.getByTestId('collection-item').filter({ hasText: 'atlas' }).first().click()
      await page.getByTestId('map-tab').click()
      await page.waitForSelector(`[data-testid="map-status"][data-points="${ROWS}"][data-stage="umap"]`, {
        timeout: 120_000
      })
      const box = (await page.getByTestId('map-canvas').boundingBox())!
      const res = await fetch(`${url}${MAP_PATH}/${id}`, { headers: { [APP_KEY_HEADER]: appKey } })
      const { x, y } = normalise(decodeMapLayout(new Uint8Array(await res.arrayBuffer())).coords)
      const square = (half: number): [number, number][] => {
        const [cx, cy] = [box.width / 2, box.height / 2]
        return [
          [cx - half, cy - half],
          [cx + half, cy - half],
          [cx + half, cy + half],
          [cx - half, cy + half]
        ]
      }
      let lo = 1
      let hi = Math.min(box.width, box.height) / 2
      for (let it = 0; it < 20; it++) {
        const mid = (lo + hi) / 2
        if (pointsInPolygon(INITIAL_CAMERA, box.width, box.height, x, y, square(mid)).length < 10_000) lo = mid
        else hi = mid
      }
      const expected = pointsInPolygon(INITIAL_CAMERA, box.width, box.height, x, y, square(hi)).length
      await page.getByTestId('map-mode').getByText('Lasso').click()
      const path = [...square(hi), square(hi)[0]!].map(([px, py]) => [box.x + px, box.y + py] as const)
      await page.mouse.move(...path[0]!)
      await page.mouse.down()
      for (const [px, py] of path.slice(1)) await page.mouse.move(px, py, { steps: 5 })
      const lassoStart = performance.now()
      await page.mouse.up()
      const status = page.getByTestId('map-status')
      await status.filter({ hasText: 'selected' }).waitFor()
      const picked = Number(/([\d,]+) selected/.exec((await status.textContent()) ?? '')?.[1]?.replace(/,/g, ''))
      const selectedAfter = performance.now() - lassoStart
      await page.waitForSelector(`[data-testid="records-total"][data-total="${picked}"]`, { timeout: 120_000 })
      await page.waitForSelector('[data-testid="record-row"]')
      console.log(
        `lasso of ${picked} points (${expected} expected from the layout): selected after ${(selectedAfter / 1000).toFixed(2)} s, the table shows their count and first rows after ${((performance.now() - lassoStart) / 1000).toFixed(2)} s`
      )
    } finally {
      await browser.close()
    }
    // Opening the tab again, nothing written since: no job, the cached layout's bytes at once (decision 0105).
    const reopen = performance.now()
    const none = await app.rpc<unknown>('collections.mapStart', { collectionId: id })
    const cached = await fetch(`${url}${MAP_PATH}/${id}`, { headers: { [APP_KEY_HEADER]: appKey } })
    const cachedBytes = new Uint8Array(await cached.arrayBuffer())
    console.log(
      `reopened: ${none === null ? 'no job' : 'a job'}, the cached layout after ${((performance.now() - reopen) / 1000).toFixed(2)} s`
    )
    // Recompute once the index worker has settled: the first picture without the seeding's insertions.
    const before = decodeMapLayout(cachedBytes).header.updatedAt
    const recomputed = performance.now()
    const again = await app.rpc<{ jobId: string }>('collections.mapStart', { collectionId: id, recompute: true })
    for (;;) {
      const res = await fetch(`${url}${MAP_PATH}/${id}`, { headers: { [APP_KEY_HEADER]: appKey } })
      if (decodeMapLayout(new Uint8Array(await res.arrayBuffer())).header.updatedAt !== before) break
      await new Promise((r) => setTimeout(r, 50))
    }
    console.log(`recompute: first picture (PCA stored) after ${((performance.now() - recomputed) / 1000).toFixed(2)} s`)
    await app.rpc('jobs.cancel', { jobId: again.jobId })
  } finally {
    await app.stop()
  }

  // The projection alone at 1,000,000 x 384.
  if (BIG === 0) return
  const big = clustered(BIG, 5)
  const before = process.memoryUsage().rss
  const t = performance.now()
  pca2(big, BIG, DIM)
  console.log(
    `PCA of ${BIG} x ${DIM} in this process: ${((performance.now() - t) / 1000).toFixed(2)} s (vectors ${(big.byteLength / 2 ** 20).toFixed(0)} MiB, RSS ${(before / 2 ** 20).toFixed(0)} -> ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`
  )
}

await main()
