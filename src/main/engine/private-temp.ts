// Private temporary folders (mode 0700): staged uploads, export files on their way to a download,
// browser-mode backups awaiting theirs, restore working copies. Each is
// `<parent>/chromadesk-<kind>-<pid>-<random>`, so a later start can tell a crashed process's
// leftovers (which may hold a whole copy of the database) from those of a process still running.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export type TempKind = 'ingest' | 'export' | 'backup' | 'restore'
const KINDS: readonly TempKind[] = ['ingest', 'export', 'backup', 'restore']
const PATTERN = /^chromadesk-(ingest|export|backup|restore)-(?:(\d+)-)?/
/** Folders without a pid (older versions) are left alone this long: they may still be in use. */
const UNNAMED_KEEP_MS = 60 * 60 * 1000

/** A new private folder of this process for `kind`, under `parent` (default: the OS temporary folder). */
export function privateTempDir(kind: TempKind, parent: string = tmpdir()): string {
  return mkdtempSync(path.join(parent, `chromadesk-${kind}-${process.pid}-`))
}

/** Whether a process with this pid runs (EPERM: it does, as another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the private folders of processes that no longer run (a crash, a kill: nothing removed
 * them), and unnamed ones (older versions) untouched for an hour. Folders of running processes stay.
 * Returns the names removed.
 */
export function sweepPrivateTempDirs(parent: string = tmpdir(), now = Date.now()): string[] {
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(parent)
  } catch {
    return removed
  }
  for (const name of names) {
    const match = PATTERN.exec(name)
    if (!match || !KINDS.includes(match[1] as TempKind)) continue
    const full = path.join(parent, name)
    try {
      const pid = match[2]
      const stale =
        pid !== undefined
          ? Number(pid) !== process.pid && !processAlive(Number(pid))
          : now - statSync(full).mtimeMs > UNNAMED_KEEP_MS
      if (!stale) continue
      rmSync(full, { recursive: true, force: true })
      removed.push(name)
    } catch {
      // another user's folder, or already gone
    }
  }
  return removed
}
