/**
 * Headless mode: the engine, Chroma's HTTP API and the web UI on one port.
 * Flags follow `chroma run`: --path DIR --port N [--host H] [--token T] [--allow-reset]; ours:
 * --in-memory, --cors-origin URL, --allow-model MODEL.
 */
import { randomBytes } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { closeAppContext, openAppContext } from '../api/context.js'
import { resumeReembeds } from '../api/handlers/reembed.js'
import { createServer, DEFAULT_HOST, DEFAULT_PORT } from '../server/index.js'

export interface ServeConfig {
  path: string | null
  port: number
  host: string
  token?: string
  allowReset: boolean
  allowedOrigins: string[]
  /** Embedding models collections may load besides the default and those chosen in the UI. */
  allowedModels: string[]
}

const USAGE = `Usage: npm run serve -- [--path DIR | --in-memory] [--port N] [--host H] [--token T] [--allow-reset] [--cors-origin URL]... [--allow-model MODEL]...
  --path DIR        data directory (default: $CHROMADESK_PATH or ./chroma, as chroma run)
  --in-memory       keep nothing on disk
  --port N          port (default: $CHROMADESK_PORT or ${DEFAULT_PORT}; 0 picks a free one)
  --host H          address to bind (default: ${DEFAULT_HOST}; anything else requires --token)
  --token T         require this token (Authorization: Bearer T or X-Chroma-Token: T) for Chroma's API;
                    at least 16 characters; default $CHROMADESK_TOKEN
  --allow-reset     allow POST /api/v2/reset to delete everything
  --cors-origin URL allow cross-origin calls to Chroma's API from this origin (repeatable;
                    default $CHROMADESK_CORS_ORIGINS, comma-separated)
  --allow-model M   let collections embed with this model, a hub id (org/name) or a local folder
                    (repeatable); without it only the default model and models chosen in the UI load`

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      path: { type: 'string' },
      'in-memory': { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'allow-reset': { type: 'boolean', default: false },
      'cors-origin': { type: 'string', multiple: true },
      'allow-model': { type: 'string', multiple: true },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  if (values.help) throw new UsageError('')
  const portText = values.port ?? env.CHROMADESK_PORT ?? String(DEFAULT_PORT)
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`Invalid port: ${portText}`)
  return {
    path: values['in-memory'] ? null : resolve(values.path ?? env.CHROMADESK_PATH ?? './chroma'),
    port,
    host: values.host ?? DEFAULT_HOST,
    token: values.token ?? (env.CHROMADESK_TOKEN || undefined),
    allowReset: values['allow-reset'],
    allowedOrigins:
      values['cors-origin'] ??
      (env.CHROMADESK_CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    allowedModels: values['allow-model'] ?? []
  }
}

export class UsageError extends Error {}

async function main(): Promise<void> {
  let config: ServeConfig
  try {
    config = parseServeArgs(process.argv.slice(2))
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    console.error(message ? `${message}\n\n${USAGE}` : USAGE)
    process.exit(message ? 2 : 0)
  }
  const ctx = openAppContext({
    path: config.path,
    allowReset: config.allowReset,
    allowedModels: config.allowedModels
  })
  const staticDir = resolve(dirname(fileURLToPath(import.meta.url)), '../renderer')
  // The UI's credential for this run only: a script given the Chroma token does not have it.
  const app = { key: randomBytes(32).toString('base64url'), staticDir }
  let server
  try {
    server = await createServer({ ctx, ...config, app })
  } catch (err) {
    await closeAppContext(ctx)
    throw err
  }
  // With --port 0 the system picks a free port; what is printed is the one bound.
  const address = (await server.listen({ host: config.host, port: config.port })).replace('[::1]', 'localhost')
  resumeReembeds(ctx) // re-embeddings the last run left unfinished (decision 0122)
  console.log(`Chromadesk ${ctx.appVersion} serving ${config.path ?? 'an in-memory database'}`)
  console.log(`Chroma API at ${address}${config.token ? ' (token required)' : ''}`)
  console.log(`UI at ${address}/#key=${app.key}`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: shutting down`)
    await server.close()
    await closeAppContext(ctx)
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  })
}
