// The command line run as a real process (through tsx, from the sources), for the CLI's tests.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

const CLI = resolve('src/main/cli/cli.ts')

export function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}
