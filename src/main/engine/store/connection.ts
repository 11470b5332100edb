// Opens the SQLite database with the pragmas the engine relies on, and migrates it.
import type BetterSqlite3 from 'better-sqlite3'
import { sqliteRegexMatch } from '../filters/regex.js'
import { loadNative } from '../native.js'
import { migrate } from './schema.js'

const Database = loadNative<typeof BetterSqlite3>('better-sqlite3')

/** `file` null = in-memory database. */
export function openSqlite(file: string | null): BetterSqlite3.Database {
  const db = new Database(file ?? ':memory:')
  try {
    if (file) db.pragma('journal_mode = WAL')
    // better-sqlite3 builds SQLite with WAL synchronous=NORMAL; a committed call must survive power loss.
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    db.function('chroma_regex', { deterministic: true }, sqliteRegexMatch)
    migrate(db)
    cacheStatements(db)
    return db
  } catch (e) {
    db.close()
    throw e
  }
}

const STATEMENT_CACHE_SIZE = 500

/**
 * Makes `db.prepare` reuse compiled statements by SQL text: compiling costs about as much as running
 * a small query. A cached statement is handed out only when idle (not mid-iteration), with pluck
 * mode reset, so callers see a fresh statement either way.
 */
function cacheStatements(db: BetterSqlite3.Database): void {
  const compile = db.prepare.bind(db)
  const cache = new Map<string, BetterSqlite3.Statement>()
  db.prepare = ((sql: string) => {
    const cached = cache.get(sql)
    if (cached && !cached.busy) {
      if (cached.reader) cached.pluck(false)
      return cached
    }
    const stmt = compile(sql)
    if (!cached) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
      cache.set(sql, stmt)
    }
    return stmt
  }) as typeof db.prepare
}
