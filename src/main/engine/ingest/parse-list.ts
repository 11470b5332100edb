// Expands what the user picked (files and folders) into the list of files to ingest.

import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'

import { detectKind } from './file-kinds.js'

export interface ListFilesOptions {
  signal?: AbortSignal
}

export interface ListFilesResult {
  /** Absolute paths of supported files, deduplicated and sorted. */
  files: string[]
  /** Paths left out, with a short reason the UI can show. Hidden entries are left out silently. */
  skipped: { path: string; reason: string }[]
}

/**
 * Folders are walked recursively. Hidden entries (name starting with ".") inside a folder are
 * ignored; a path the user named directly is taken even if hidden. Symbolic links are followed only
 * when they resolve inside the folder being walked, so a link cannot pull in files from elsewhere or
 * loop; a file reached both directly and through a link is listed once, under its real path.
 */
export async function listFiles(paths: string[], opts: ListFilesOptions = {}): Promise<ListFilesResult> {
  const { signal } = opts
  const files = new Set<string>()
  const skipped = new Map<string, string>()

  const addFile = (path: string): void => {
    if (detectKind(path)) files.add(path)
    else skipped.set(path, extname(path) ? `unsupported file type "${extname(path)}"` : 'unsupported file')
  }

  const walk = async (dir: string, root: string, visited: Set<string>): Promise<void> => {
    signal?.throwIfAborted()
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (err) {
      skipped.set(dir, `cannot read folder (${errorCode(err)})`)
      return
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue
      const full = join(dir, entry.name)
      if (entry.isSymbolicLink()) {
        let target: string
        try {
          target = await realpath(full)
        } catch {
          skipped.set(full, 'broken symbolic link')
          continue
        }
        if (!isInside(target, root)) {
          skipped.set(full, 'symbolic link outside the folder')
          continue
        }
        const info = await stat(target)
        if (info.isDirectory()) {
          if (!visited.has(target)) {
            visited.add(target)
            await walk(target, root, visited)
          }
        } else if (info.isFile()) addFile(target)
      } else if (entry.isDirectory()) {
        const real = await realpath(full)
        if (visited.has(real)) continue
        visited.add(real)
        await walk(full, root, visited)
      } else if (entry.isFile()) addFile(full)
    }
  }

  for (const input of paths) {
    signal?.throwIfAborted()
    const abs = resolve(input)
    let real: string
    try {
      await lstat(abs)
      real = await realpath(abs)
    } catch (err) {
      skipped.set(abs, errorCode(err) === 'ENOENT' ? 'not found' : `cannot read (${errorCode(err)})`)
      continue
    }
    const info = await stat(real)
    if (info.isDirectory()) await walk(real, real, new Set([real]))
    else if (info.isFile()) addFile(real)
    else skipped.set(abs, 'not a regular file or folder')
  }

  // A file listed after a directory walk skipped it for another reason stays listed.
  for (const f of files) skipped.delete(f)
  return {
    files: [...files].sort(),
    skipped: [...skipped]
      .map(([path, reason]) => ({ path, reason }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code
  }
  return err instanceof Error ? err.message : String(err)
}
