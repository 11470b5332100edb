import type { Transport } from './transport'

/** Upload calls carry base64 text; this keeps each call well under the server's 40 MiB body limit. */
export const MAX_CALL_BYTES = 20 * 1024 * 1024
/** Raw bytes of one part of a big file: base64 makes 4 bytes of 3. */
export const UPLOAD_PART_BYTES = (MAX_CALL_BYTES / 4) * 3

/** A File's (or a part's) bytes as base64, the form uploads take over IPC and HTTP alike. */
export function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => {
      const url = String(reader.result)
      resolve(url.slice(url.indexOf(',') + 1))
    }
    reader.onerror = () =>
      reject(reader.error ?? new Error(`Cannot read ${file instanceof File ? file.name : 'the file'}`))
    reader.readAsDataURL(file)
  })
}

/** Saves a blob through the browser's download (browser mode). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * Stages one file for main (ingest.upload) in parts of at most `partBytes`, each call appending to the
 * last, so a file of any size within the staging limit travels; returns the upload's id.
 */
export async function uploadFile(
  call: Transport['call'],
  file: Blob,
  name: string,
  opts: { uploadId?: string; partBytes?: number; read?: (part: Blob) => Promise<string> } = {}
): Promise<string> {
  const partBytes = opts.partBytes ?? UPLOAD_PART_BYTES
  const read = opts.read ?? readBase64
  let uploadId = opts.uploadId
  let start = 0
  do {
    const data = await read(file.slice(start, start + partBytes))
    const res = await call('ingest.upload', {
      ...(uploadId === undefined ? {} : { uploadId }),
      files: [{ name, data, ...(start > 0 ? { append: true } : {}) }]
    })
    uploadId = res.uploadId
    start += partBytes
  } while (start < file.size)
  return uploadId
}
