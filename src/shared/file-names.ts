// File names suggested from names the app does not control (a collection's name can come from a
// Chroma server or an imported file). They are only ever suggestions for a download or a save
// dialog, never joined to a folder by main; still, each is one plain file name on every system.

const MAX_STEM = 100

/**
 * `name` as one safe file name: no path separators, no characters Windows refuses (`<>:"|?*`), no
 * control or invisible formatting characters (bidi overrides included), no `..`, no leading dot, no
 * trailing dot or space, not a Windows device name, at most 100 characters; `fallback` when nothing
 * usable is left.
 */
export function safeFileName(name: string, fallback = 'collection'): string {
  let stem = name
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/[/\\<>:"|?*]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+/, '')
  stem = Array.from(stem).slice(0, MAX_STEM).join('')
  stem = stem.replace(/[\s.]+$/, '')
  if (stem === '' || /^_+$/.test(stem)) return fallback
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(stem)) stem = `_${stem}`
  return stem
}

/** Export file formats (docs/export-format.md); each is also its file extension. */
export const EXPORT_FORMATS = ['jsonl', 'parquet'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** The format a file name asks for: `.parquet` is Parquet, anything else JSONL. */
export function exportFormatOf(fileName: string): ExportFormat {
  return /\.parquet$/i.test(fileName) ? 'parquet' : 'jsonl'
}

/** The suggested name of a collection's export file. */
export function exportFileName(collectionName: string | null | undefined, format: ExportFormat = 'jsonl'): string {
  return `${safeFileName(collectionName ?? '')}.${format}`
}
