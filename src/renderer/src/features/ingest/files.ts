// What the drag-in panel decides about dropped files before anything is sent: the name each file is
// staged under, whether ingest reads it, and how uploads are split into calls. Pure, unit-tested.
import { MAX_CALL_BYTES } from '../../lib/read-file'

/** Mirrors src/main/engine/ingest/file-kinds.ts (the renderer cannot import main code). */
export const SUPPORTED_EXTENSIONS = [
  '.txt',
  '.md',
  '.markdown',
  '.pdf',
  '.docx',
  '.html',
  '.htm',
  '.csv',
  '.json',
  '.jsonl'
] as const

export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  return dot <= 0 ? '' : base.slice(dot).toLowerCase()
}

export function isSupported(name: string): boolean {
  return (SUPPORTED_EXTENSIONS as readonly string[]).includes(extensionOf(name))
}

/**
 * The name a file is staged under: its path inside a dropped or chosen folder, else its own name.
 * react-dropzone gives folder drops a `path` that may start with './' or '/'.
 */
export function relativeName(file: { name: string; webkitRelativePath?: string; path?: string }): string {
  const raw = file.path || file.webkitRelativePath || file.name
  return raw.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '') || file.name
}

/** Length of `bytes` bytes once base64-encoded. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4
}

/**
 * Splits files into upload calls of at most `limit` encoded bytes each, in order. A file bigger than the
 * limit goes alone in its own call.
 */
export function planBatches<T extends { size: number }>(files: T[], limit = MAX_CALL_BYTES): T[][] {
  const batches: T[][] = []
  let current: T[] = []
  let used = 0
  for (const file of files) {
    const size = base64Length(file.size)
    if (current.length > 0 && used + size > limit) {
      batches.push(current)
      current = []
      used = 0
    }
    current.push(file)
    used += size
  }
  if (current.length > 0) batches.push(current)
  return batches
}
