// Which files ingest reads, by extension. Kept apart from the parsers so listing a folder loads none of them.
import { extname } from 'node:path'

export type FileKind = 'text' | 'markdown' | 'pdf' | 'docx' | 'html' | 'csv' | 'json' | 'jsonl'

export const SUPPORTED_EXTENSIONS: Record<string, FileKind> = {
  '.txt': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.html': 'html',
  '.htm': 'html',
  '.csv': 'csv',
  '.json': 'json',
  '.jsonl': 'jsonl'
}

export function detectKind(path: string): FileKind | null {
  return SUPPORTED_EXTENSIONS[extname(path).toLowerCase()] ?? null
}
