// Settings of the desktop app: the REST port (off by default; on = 127.0.0.1 with a generated
// token) and the data directory (applied at the next start). Plain Node: tested without Electron.
import { isAbsolute } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { AppSettings } from '../../shared/contract.js'
import type { AppContext } from '../api/context.js'
import type { SettingsService } from '../api/handlers/settings.js'
import { InvalidArgumentError } from '../engine/index.js'
import { createServer, DEFAULT_HOST } from '../server/index.js'
import { newToken, type SettingsStore } from './settings-store.js'

export class DesktopSettings implements SettingsService {
  private server: FastifyInstance | null = null
  private url: string | null = null
  private error: string | null = null
  private ctx: AppContext | null = null

  constructor(
    private readonly store: SettingsStore,
    /** The data directory this run uses. */
    private readonly dataDir: string
  ) {}

  /** Attaches the engine; starts the REST server when it was left on. */
  async attach(ctx: AppContext): Promise<void> {
    this.ctx = ctx
    if (this.store.get().server.enabled) await this.startServer()
  }

  get(): AppSettings {
    const s = this.store.get()
    const pending = s.dataDir !== null && s.dataDir !== this.dataDir ? s.dataDir : null
    return {
      dataDir: this.dataDir,
      pendingDataDir: pending,
      server: {
        enabled: s.server.enabled,
        host: DEFAULT_HOST,
        port: s.server.port,
        token: s.server.token,
        url: this.url,
        error: this.error
      }
    }
  }

  async setServer(input: { enabled: boolean; port?: number; regenerateToken?: boolean }): Promise<AppSettings> {
    this.store.update((s) => {
      s.server.enabled = input.enabled
      if (input.port !== undefined) s.server.port = input.port
      if (input.regenerateToken) s.server.token = newToken()
    })
    await this.stopServer()
    if (input.enabled) await this.startServer()
    return this.get()
  }

  async setDataDir(dataDir: string): Promise<AppSettings> {
    if (!isAbsolute(dataDir)) throw new InvalidArgumentError(`The data directory must be an absolute path: ${dataDir}`)
    this.store.update((s) => {
      s.dataDir = dataDir
    })
    return this.get()
  }

  async close(): Promise<void> {
    await this.stopServer()
  }

  private async startServer(): Promise<void> {
    if (!this.ctx) return
    const { port, token } = this.store.get().server
    try {
      // Chroma's API only: the app's contract travels over IPC, never over this port.
      const server = await createServer({ ctx: this.ctx, host: DEFAULT_HOST, port, token })
      await server.listen({ host: DEFAULT_HOST, port })
      this.server = server
      const address = server.server.address()
      const bound = typeof address === 'object' && address ? address.port : port
      this.url = `http://${DEFAULT_HOST}:${bound}`
      this.error = null
    } catch (err) {
      this.url = null
      const code = (err as NodeJS.ErrnoException).code
      this.error =
        code === 'EADDRINUSE'
          ? `Port ${port} is in use by another program; choose another port`
          : err instanceof Error
            ? err.message
            : String(err)
    }
  }

  private async stopServer(): Promise<void> {
    const server = this.server
    this.server = null
    this.url = null
    this.error = null
    if (server) await server.close()
  }
}
