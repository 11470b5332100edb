/**
 * Helpers for the REST benchmarks: our server in its own process (`src/main/cli/serve.ts`, persistent
 * data in a temp dir, like `chroma run --path`), so it gets a core of its own as Chroma's does.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, LOOPBACK } from '../src/main/engine/testing/free-port.js'

export interface BenchServer {
  baseUrl: string
  host: string
  port: number
  stop(): Promise<void>
}

const HOST = LOOPBACK
const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export async function startOurServerProcess(): Promise<BenchServer> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'chromadesk-bench-'))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/main/cli/serve.ts'), '--path', dataDir, '--port', String(port), '--host', HOST],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const baseUrl = `http://${HOST}:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/api/v2/heartbeat`)
      if (res.ok) break
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`our server did not start:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    baseUrl,
    host: HOST,
    port,
    stop: async () => {
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

export function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`
}
