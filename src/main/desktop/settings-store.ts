// The desktop app's settings file (userData/settings.json): read leniently (a damaged file falls back
// to defaults, field by field), written atomically (temp file + rename) so a crash never leaves half
// a file.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { readJsonFile, writeJsonFile } from './json-file.js'
import { DEFAULT_PORT } from '../server/index.js'

const windowBounds = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400),
  height: z.number().int().min(300),
  maximized: z.boolean().default(false)
})

const schema = z.object({
  /** Null: the default, userData/data. */
  dataDir: z.string().min(1).nullable().catch(null),
  server: z
    .object({
      enabled: z.boolean().catch(false),
      port: z.number().int().min(1).max(65535).catch(DEFAULT_PORT),
      token: z
        .string()
        .min(16)
        .catch(() => newToken())
    })
    .catch(() => ({ enabled: false, port: DEFAULT_PORT, token: newToken() })),
  window: windowBounds.nullable().catch(null)
})

export type StoredSettings = z.infer<typeof schema>
export type WindowBounds = z.infer<typeof windowBounds>

/** 32 random bytes, URL-safe: what the REST port requires when the desktop app opens it. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

export class SettingsStore {
  private current: StoredSettings

  constructor(private readonly file: string) {
    this.current = SettingsStore.read(file)
  }

  private static read(file: string): StoredSettings {
    const raw = readJsonFile(file)
    return schema.parse(typeof raw === 'object' && raw !== null ? raw : {})
  }

  get(): StoredSettings {
    return structuredClone(this.current)
  }

  update(change: (s: StoredSettings) => void): StoredSettings {
    const next = structuredClone(this.current)
    change(next)
    this.current = schema.parse(next)
    writeJsonFile(this.file, this.current)
    return this.get()
  }
}
