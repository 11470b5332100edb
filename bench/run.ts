/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (so memory numbers are not mixed),
 * one after another, printing their tables. `npm run bench -- engine` runs only names containing "engine".
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const filter = process.argv[2] ?? ''
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts') && name.includes(filter))
  .sort()

if (benches.length === 0) {
  console.error(`No benchmark matches "${filter}".`)
  process.exit(1)
}
let failed = 0
for (const name of benches) {
  console.log(`\n=== ${name} ===`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, name)], { stdio: 'inherit' })
  if (result.status !== 0) failed += 1
}
process.exit(failed ? 1 : 0)
