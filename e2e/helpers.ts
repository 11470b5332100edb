import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export { freePort } from '../src/main/engine/testing/free-port.js'

export const ROOT = resolve(import.meta.dirname, '..')
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots')

export interface RunningApp {
  url: string
  output: () => string
  dataDir: string
  stop: () => Promise<void>
}

/**
 * Starts a command that serves the app, and waits for its "UI and Chroma API at <url>" line.
 * `script` is a path under the repo root run with node (e.g. out/main/serve.js); `args` gets a fresh data dir.
 */
export async function startApp(
  script: string,
  args: (dataDir: string) => string[],
  env: NodeJS.ProcessEnv = {}
): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chromadesk-e2e-'))
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, script), ...args(dataDir)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000)
    const check = () => {
      const match = /UI and Chroma API at (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolveUrl(match[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    dataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
