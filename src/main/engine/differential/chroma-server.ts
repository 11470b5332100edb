// Starts the real Chroma 1.0 server (the Rust binary shipped in chromadb-js-bindings, driven by
// chromadb's CLI) on a free loopback port with a throwaway data dir, for differential tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { freePort, LOOPBACK } from '../testing/free-port.js'

export interface ChromaServer {
  host: string
  port: number
  baseUrl: string
  /** Leader of the server's process group (a watchdog; the server is its child). */
  pid: number
  stop(): Promise<void>
}

const HOST = LOOPBACK

/**
 * Runs the server as its child and kills their process group as soon as the test process is gone,
 * so a test run that is killed (timeout, Ctrl-C, crash) cannot leave a server behind; afterAll's
 * stop() is the normal path.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process')
const { rmSync } = require('node:fs')
const [parentPid, dataDir, ...command] = process.argv.slice(1)
const server = spawn(process.execPath, command, { stdio: 'inherit' })
const killAll = () => {
  try { server.kill('SIGKILL') } catch {}
  try { rmSync(dataDir, { recursive: true, force: true }) } catch {}
  try { process.kill(-process.pid, 'SIGKILL') } catch { process.exit(1) }
}
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
process.on('SIGTERM', () => { server.kill('SIGTERM'); setTimeout(killAll, 3000).unref() })
setInterval(() => { try { process.kill(Number(parentPid), 0) } catch { killAll() } }, 500)
`

function chromaCliPath(): string {
  const require = createRequire(import.meta.url)
  // The exports map hides the CLI; find the package root from its CommonJS entry.
  let dir = dirname(require.resolve('chromadb'))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('chromadb package root not found')
    dir = up
  }
  return join(dir, 'dist', 'cli.mjs')
}

async function heartbeatOk(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) })
    return res.ok
  } catch {
    return false
  }
}

export interface ChromaServerOptions {
  /** Chroma's `allow_reset` (default false, as `chroma run`); set through a config file. */
  allowReset?: boolean
}

/** `chroma run` arguments: flags, or a config file (which excludes them) for settings flags lack. */
function runArgs(dataDir: string, port: number, opts: ChromaServerOptions): string[] {
  if (!opts.allowReset) return ['run', '--path', dataDir, '--host', HOST, '--port', String(port)]
  const config = join(dataDir, 'config.yaml')
  // JSON strings are valid YAML double-quoted scalars.
  const yaml = [
    `port: ${port}`,
    `listen_address: ${JSON.stringify(HOST)}`,
    `persist_path: ${JSON.stringify(join(dataDir, 'data'))}`,
    'allow_reset: true'
  ]
  writeFileSync(config, yaml.join('\n') + '\n')
  return ['run', config]
}

/**
 * Spawns `chroma run` in its own process group and resolves once the heartbeat answers.
 * Rejects (never resolves silently) when the binary is missing, exits early or does not answer
 * within `timeoutMs`, with the server's own output in the message.
 */
export async function startChromaServer(timeoutMs = 30_000, opts: ChromaServerOptions = {}): Promise<ChromaServer> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'chroma-diff-'))
  const baseUrl = `http://${HOST}:${port}`
  let output = ''
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null
  let spawnError: Error | null = null

  let child: ChildProcess
  try {
    child = spawn(
      process.execPath,
      ['-e', WATCHDOG, String(process.pid), dataDir, chromaCliPath(), ...runArgs(dataDir, port, opts)],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', RUST_BACKTRACE: '0' } }
    )
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw new Error(`Could not spawn the Chroma server: ${(err as Error).message}`, { cause: err })
  }
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  child.on('error', (err) => (spawnError = err))
  const exitPromise = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      resolve()
    })
  )

  const stop = async (): Promise<void> => {
    if (!exited && child.pid !== undefined) {
      // Negative pid = the whole process group, so nothing the CLI spawned outlives the test.
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        /* already gone */
      }
      const killed = await Promise.race([
        exitPromise.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 3000))
      ])
      if (!killed) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          /* already gone */
        }
        await exitPromise
      }
    }
    rmSync(dataDir, { recursive: true, force: true })
  }

  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (spawnError || exited) {
      await stop()
      const why = spawnError ? (spawnError as Error).message : `exited with ${JSON.stringify(exited)}`
      throw new Error(`The Chroma server failed to start (${why}). Output:\n${output}`)
    }
    if (await heartbeatOk(baseUrl)) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(
        `The Chroma server did not answer ${baseUrl}/api/v2/heartbeat within ${timeoutMs} ms. Output:\n${output}`
      )
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { host: HOST, port, baseUrl, pid: child.pid as number, stop }
}
