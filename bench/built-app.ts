// The built headless app (`out/main/serve.js`; `npm run build` first) in its own process, for the
// benches that drive it as the UI does: its URL, UI link, process id and the contract's calls
// (POST /app/rpc/<channel> with the app key its UI link carries).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../src/main/engine/testing/free-port.js'
import { APP_KEY_HEADER } from '../src/shared/constants.js'

export interface BuiltApp {
  url: string
  /** The UI link with the app key in its hash. */
  link: string
  appKey: string
  pid: number
  rpc<T>(channel: string, input: unknown): Promise<T>
  stop(): Promise<void>
}

const root = join(import.meta.dirname, '..')

export async function startBuiltApp(dataDirPrefix: string): Promise<BuiltApp> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix))
  const child = spawn(process.execPath, [join(root, 'out/main/serve.js'), '--path', dataDir, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const url = `http://127.0.0.1:${port}`
  let link: string | undefined
  for (let i = 0; !(link = /^UI at (\S+)$/m.exec(output)?.[1]); i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`server did not start:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const appKey = new URLSearchParams(new URL(link).hash.slice(1)).get('key') ?? ''
  return {
    url,
    link,
    appKey,
    pid: child.pid as number,
    async rpc<T>(channel: string, input: unknown): Promise<T> {
      const res = await fetch(`${url}/app/rpc/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [APP_KEY_HEADER]: appKey },
        body: JSON.stringify(input)
      })
      const body = (await res.json()) as { ok: boolean; value: T; error?: { message: string } }
      if (!body.ok) throw new Error(`${channel}: ${body.error?.message}`)
      return body.value
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
