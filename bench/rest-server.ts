/**
 * Helpers for the REST benchmarks: our server in its own process (`src/main/cli/serve.ts`, persistent
 * data in a temp dir, like `chroma run --path`), so it gets a core of its own as Chroma's does.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, LOOPBACK } from '../src/main/engine/testing/free-port.js'

export interface BenchServer {
  baseUrl: string
  host: string
  port: number
  pid: number
  stop(): Promise<void>
}

const HOST = LOOPBACK
const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** `checkout`: another working tree of this repository (a baseline build to compare with). */
export async function startOurServerProcess(checkout = root): Promise<BenchServer> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'chromadesk-bench-'))
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const args = [...nodeArgs, '--import', 'tsx', join(checkout, 'src/main/cli/serve.ts'), '--path', dataDir]
  return startProcess(
    'our server',
    [...args, '--port', String(port), '--host', HOST],
    port,
    () => rmSync(dataDir, { recursive: true, force: true }),
    checkout
  )
}

/** bench/floor-server.mjs: bare node:http answering the query route with a fixed result. */
export async function startFloorServer(): Promise<BenchServer> {
  const port = await freePort()
  return startProcess('the floor server', [join(root, 'bench/floor-server.mjs'), String(port)], port, () => {})
}

async function startProcess(
  name: string,
  args: string[],
  port: number,
  cleanup: () => void,
  cwd = root
): Promise<BenchServer> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
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
      cleanup()
      throw new Error(`${name} did not start:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    baseUrl,
    host: HOST,
    port,
    pid: child.pid as number,
    stop: async () => {
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (child.exitCode === null) child.kill('SIGKILL')
      cleanup()
    }
  }
}

/**
 * CPU time (ms, user + system, all threads) of a process and every process in its process group, or
 * null where /proc is missing. Our server is one process; Chroma's is a watchdog leading a group.
 */
export function cpuMs(pid: number): number | null {
  if (!existsSync('/proc/self/stat')) return null
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // Fields after the parenthesised name: state ppid pgrp ... utime(14) stime(15), 1-based.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(entry) !== pid && Number(fields[2]) !== pid) continue
    total += Number(fields[11]) + Number(fields[12])
  }
  return (total * 1000) / CLOCK_TICKS
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every mainstream build). */
const CLOCK_TICKS = 100

export function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`
}
