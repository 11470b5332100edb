// Export and import of collection files from the UI; the file format and the checks are the
// portability layer's (docs/export-format.md).
import { rmSync } from 'node:fs'
import path from 'node:path'
import { privateTempDir } from '../../engine/private-temp.js'
import { exportFileName, type ExportFormat } from '../../../shared/file-names.js'
import type { ImportResult } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import type { Scope } from '../connections.js'
import { ChromaError, NotFoundError } from '../../engine/index.js'
import { exportCollection, importFile } from '../../portability/index.js'

/** Native file dialogs: the desktop app has them; main writes only where the user chose. */
export interface FileDialogs {
  /** The chosen path, or null when cancelled. */
  saveFile(defaultName: string): Promise<string | null>
}

class DialogUnavailableError extends ChromaError {
  readonly httpStatus = 404
  constructor() {
    super('Saving a file from here is part of the desktop app; in the browser, the export downloads')
  }
}

/** Writes the export of one collection to `file`; used by the dialog and by the browser download. */
async function exportToFile(
  ctx: AppContext,
  connection: string | undefined,
  scope: Scope,
  name: string,
  file: string,
  format: ExportFormat,
  ids: string[] | undefined
) {
  const from = ctx.connections.portable(connection, scope)
  try {
    const endpoint = await from.open(name)
    if (!endpoint) throw new NotFoundError(`Collection ${name} disappeared`)
    return await exportCollection(endpoint, file, { format, ...(ids ? { ids } : {}) })
  } finally {
    await from.close()
  }
}

/**
 * Runs an export into a private temporary folder; the caller streams the file, then calls `done`.
 * The file inside has a fixed name: the collection's (a Chroma server's, an imported file's) never
 * becomes part of a path. `fileName` is the name to suggest for the download.
 */
export async function exportToTemp(
  ctx: AppContext,
  connection: string | undefined,
  collectionId: string,
  format: ExportFormat = 'jsonl',
  ids?: string[]
) {
  const dir = privateTempDir('export')
  try {
    // One scope for the whole call: a switch of database meanwhile must not export a namesake.
    const scope = ctx.connections.scope(connection)
    const collection = await ctx.connections.backend(connection, scope).get(collectionId)
    const file = path.join(dir, `export.${format}`)
    const report = await exportToFile(ctx, connection, scope, collection.name, file, format, ids)
    return {
      file,
      fileName: exportFileName(collection.name, format),
      report,
      done: () => rmSync(dir, { recursive: true, force: true })
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

/**
 * Content-Disposition for a download of `fileName` (already a safe name, see safeFileName): an ASCII
 * `filename` for old clients and the exact name as RFC 5987 `filename*`.
 */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

export function transferHandlers(ctx: AppContext): Pick<Handlers, 'collections.import' | 'collections.export'> {
  return {
    'collections.import': async ({ connection, uploadId, file, name, onConflict }) => {
      const staged = ctx.ingest.stagedFile(uploadId, file)
      const target = ctx.connections.portable(connection)
      // An app job ('import'): the Jobs panel shows its progress and Cancel while this call waits for it.
      let failure: unknown = null
      const job = ctx.jobs.start({
        kind: 'import',
        title: `Import ${file}`,
        unit: 'records',
        run: async ({ signal, progress }) => {
          try {
            const report = await importFile(target, staged, {
              ...(name ? { collection: name } : {}),
              onConflict: onConflict ?? 'fail',
              conflictAdvice: 'Choose “Skip them” or “Overwrite them” to import the rest.',
              signal,
              onProgress: ({ done, total }) => progress(done, total, 'importing')
            })
            ctx.ingest.discard(uploadId)
            ctx.events.emit({ type: 'collections-changed' })
            const { collection, created, records, imported, skipped, overwritten } = report
            return { collection, created, records, imported, skipped, overwritten }
          } catch (err) {
            // Messages name the file the user chose, not its staging copy.
            if (err instanceof Error) err.message = err.message.replaceAll(staged, file)
            failure = err
            throw err
          } finally {
            await target.close()
          }
        }
      })
      const done = await ctx.jobs.settled(job.jobId)
      if (done.state === 'done' && done.result !== null) return done.result as unknown as ImportResult
      // The error as thrown (its class keeps its status for the caller), or the job's own message.
      throw failure ?? new Error(done.error ?? 'The import did not finish')
    },
    'collections.export': async ({ connection, collectionId, format = 'jsonl', ids }) => {
      if (!ctx.dialogs) throw new DialogUnavailableError()
      // The database is fixed before the dialog opens: another window may switch it meanwhile.
      const scope = ctx.connections.scope(connection)
      const collection = await ctx.connections.backend(connection, scope).get(collectionId)
      const file = await ctx.dialogs.saveFile(exportFileName(collection.name, format))
      if (file === null) return null
      const report = await exportToFile(ctx, connection, scope, collection.name, file, format, ids)
      return { collection: report.collection, file: report.file, records: report.records, bytes: report.bytes }
    }
  }
}
