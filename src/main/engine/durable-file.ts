// Files that must survive a crash once written: data reaches the disk (fsync) before it is renamed
// into place, and the rename itself is made durable by syncing the directory.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Makes a rename durable. Directories cannot be opened for fsync on Windows; skip there. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Writes `data` to `path` (created with `mode`) and syncs it to disk before returning. */
export function writeFileDurably(path: string, data: string, mode = 0o666): void {
  const fd = openSync(path, 'w', mode)
  try {
    const bytes = Buffer.from(data, 'utf8')
    let written = 0
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Replaces `file` atomically and durably: a crash leaves the old content or the new, never a mix. */
export function replaceFileDurably(file: string, data: string, mode = 0o666): void {
  mkdirSync(dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  writeFileDurably(temp, data, mode)
  renameSync(temp, file)
  fsyncDir(dirname(file))
}
