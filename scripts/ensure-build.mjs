// Builds the app (electron-vite) when out/ is missing or older than the sources, so `npm start` and
// `npm run serve` always run current code without rebuilding every time.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const stamp = join(root, 'out', '.build-stamp')
const inputs = ['src', 'electron.vite.config.ts', 'package.json', 'package-lock.json']

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

export function ensureBuild() {
  const sourceTime = Math.max(...inputs.map((p) => newestMtime(join(root, p))))
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= sourceTime && existsSync(join(root, 'out/main/serve.js'))) return
  console.log('Building Chromadesk…')
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  if (result.status !== 0) {
    console.error('Build failed: run `npm run build` to see why.')
    process.exit(result.status ?? 1)
  }
  writeFileSync(stamp, new Date().toISOString())
}

if (import.meta.url === `file://${process.argv[1]}`) ensureBuild()
