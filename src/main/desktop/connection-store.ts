// Saved Chroma connections of the desktop app (userData/connections.json). Tokens are encrypted with
// the OS keychain (Electron safeStorage, injected as a TokenCipher); they are never written in plain
// text: where no keychain is available, a token lives only for the running session.
import { z } from 'zod'
import { readJsonFile, writeJsonFile } from './json-file.js'
import type { ConnectionStore, SavedConnection } from '../api/connections.js'

export interface TokenCipher {
  available(): boolean
  encrypt(plain: string): string
  decrypt(sealed: string): string
}

const entry = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  tenant: z.string(),
  database: z.string(),
  /** Tenants named in the app besides the current one (Chroma cannot list a server's tenants). */
  tenants: z.array(z.string()).optional(),
  /** Token sealed by the cipher (base64). */
  sealedToken: z.string().optional()
})

export class FileConnectionStore implements ConnectionStore {
  private connections: SavedConnection[]

  constructor(
    private readonly file: string,
    private readonly cipher: TokenCipher
  ) {
    this.connections = this.read()
  }

  load(): SavedConnection[] {
    return this.connections.map((c) => ({ ...c }))
  }

  save(connections: SavedConnection[]): void {
    this.connections = connections.map((c) => ({ ...c }))
    const onDisk = connections.map(({ token, ...rest }) =>
      token && this.cipher.available() ? { ...rest, sealedToken: this.cipher.encrypt(token) } : rest
    )
    writeJsonFile(this.file, onDisk)
  }

  private read(): SavedConnection[] {
    const list = z.array(z.unknown()).safeParse(readJsonFile(this.file))
    if (!list.success) return []
    const out: SavedConnection[] = []
    for (const item of list.data) {
      const parsed = entry.safeParse(item)
      if (!parsed.success) continue
      const { sealedToken, ...rest } = parsed.data
      let token: string | undefined
      if (sealedToken && this.cipher.available()) {
        try {
          token = this.cipher.decrypt(sealedToken)
        } catch {
          // Sealed on another machine or account: the connection stays, without its token.
        }
      }
      out.push({ ...rest, ...(token ? { token } : {}) })
    }
    return out
  }
}
