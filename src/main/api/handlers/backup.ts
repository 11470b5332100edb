// Backup and restore of the built-in database from the UI, as app jobs (docs/backup-format.md).
// Desktop: the backup is written where the native save dialog chose. Browser: into a private
// temporary folder, downloaded once from BACKUP_PATH/<jobId>, removed after the download or after
// DOWNLOAD_TTL_MS. A restore reads a backup staged with ingest.upload.
import { rmSync } from 'node:fs'
import path from 'node:path'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { ChromaError, DEFAULT_DATABASE, DEFAULT_TENANT, NotFoundError } from '../../engine/index.js'
import { privateTempDir } from '../../engine/private-temp.js'
import { backupDataDir, checkRestoreAsDatabase, restoreAsDatabase } from '../../portability/index.js'

/** A finished browser-mode backup waits this long for its download. */
export const DOWNLOAD_TTL_MS = 10 * 60_000

class NoDataDirectoryError extends ChromaError {
  readonly httpStatus = 400
  constructor() {
    super('This app runs an in-memory database: there is no data directory to back up or restore into')
  }
}

interface Download {
  file: string
  fileName: string
  dir: string
  timer: NodeJS.Timeout
}

/** Finished browser-mode backups awaiting their download, per app context. */
const pending = new WeakMap<AppContext, Map<string, Download>>()

function downloads(ctx: AppContext): Map<string, Download> {
  let map = pending.get(ctx)
  if (!map) pending.set(ctx, (map = new Map()))
  return map
}

/** The suggested file name: chromadesk-2025-01-31-124500.chromadesk-backup. */
export function backupFileName(now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace('T', '-').replaceAll(':', '')
  return `chromadesk-${stamp}.chromadesk-backup`
}

/**
 * Hands out a finished backup's file once (the server streams it, then calls `done`); NotFound
 * when there is none for that job (not done, already downloaded, expired, or never a download).
 */
export function takeBackupDownload(
  ctx: AppContext,
  jobId: string
): { file: string; fileName: string; done: () => void } {
  const map = downloads(ctx)
  const d = map.get(jobId)
  if (!d) throw new NotFoundError(`No backup of job ${jobId} is waiting for its download`)
  map.delete(jobId)
  clearTimeout(d.timer)
  return { file: d.file, fileName: d.fileName, done: () => rmSync(d.dir, { recursive: true, force: true }) }
}

export function backupHandlers(ctx: AppContext): Pick<Handlers, 'database.backup' | 'database.restore'> {
  return {
    'database.backup': async () => {
      const dataPath = ctx.dataPath
      if (dataPath === null) throw new NoDataDirectoryError()
      const fileName = backupFileName()
      let file: string
      let tempDir: string | null = null
      if (ctx.dialogs) {
        const chosen = await ctx.dialogs.saveFile(fileName)
        if (chosen === null) return null
        file = chosen
      } else {
        tempDir = privateTempDir('backup')
        file = path.join(tempDir, 'backup.chromadesk-backup')
      }
      const job = ctx.jobs.start({
        kind: 'backup',
        title: 'Back up the database',
        unit: 'bytes',
        run: async ({ signal, progress }) => {
          const report = await backupDataDir(dataPath, file, {
            signal,
            appVersion: ctx.appVersion,
            onProgress: (p) => progress(p.done, p.total, p.phase)
          })
          return { ...report, download: tempDir !== null }
        }
      })
      if (tempDir !== null) {
        const dir = tempDir
        void ctx.jobs.settled(job.jobId).then((status) => {
          if (status.state !== 'done') return rmSync(dir, { recursive: true, force: true })
          const timer = setTimeout(() => {
            downloads(ctx).delete(job.jobId)
            rmSync(dir, { recursive: true, force: true })
          }, DOWNLOAD_TTL_MS)
          timer.unref()
          downloads(ctx).set(job.jobId, { file, fileName, dir, timer })
        })
      }
      return { jobId: job.jobId, file: tempDir === null ? file : null }
    },
    'database.restore': async ({ uploadId, file, tenant, database, from }) => {
      if (ctx.dataPath === null) throw new NoDataDirectoryError()
      const staged = ctx.ingest.stagedFile(uploadId, file)
      const target = { tenant: tenant ?? DEFAULT_TENANT, database: database ?? DEFAULT_DATABASE }
      const db = ctx.client.db
      // Messages name the file the user chose, not its staging copy.
      const named = (err: unknown): unknown => {
        if (err instanceof Error) err.message = err.message.replaceAll(staged, file)
        return err
      }
      try {
        checkRestoreAsDatabase(db, staged, target, from)
      } catch (err) {
        ctx.ingest.discard(uploadId)
        throw named(err)
      }
      const job = ctx.jobs.start({
        kind: 'restore',
        title: `Restore ${file} into ${target.tenant}/${target.database}`,
        unit: 'records',
        run: async ({ signal, progress }) => {
          try {
            return await restoreAsDatabase(db, staged, target, {
              signal,
              ...(from ? { from } : {}),
              onProgress: (p) => {
                if (p.phase === 'records') progress(p.done, p.total, 'records')
                else progress(0, 0, p.phase)
              }
            })
          } catch (err) {
            throw named(err)
          } finally {
            ctx.ingest.discard(uploadId)
            ctx.events.emit({ type: 'collections-changed' })
          }
        }
      })
      return { jobId: job.jobId, file: null }
    }
  }
}
