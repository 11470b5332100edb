/**
 * `npm run cli -- <command>`: export, import and copy collections (docs/export-format.md); back up and
 * restore a data directory (docs/backup-format.md).
 * Progress goes to stderr, a one-line result to stdout (--json: the report as JSON), errors exit 1
 * (usage errors 2).
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { embeddingConfigFor, modelReference, type StoredEmbeddingFunctionConfig } from '../engine/embedding/index.js'
import { prepareReembed, reembedCollection } from '../engine/reembed.js'
import { ChromaDatabase, DATABASE_FILE, DEFAULT_TENANT, PersistentClient, type Space } from '../engine/index.js'
import { EXPORT_FORMATS, exportFormatOf, type ExportFormat } from '../../shared/file-names.js'
import { formatBytes } from '../../shared/format-bytes.js'
import type { CollectionHealth, VerifyReport } from '../../shared/health.js'
import pkg from '../../../package.json' with { type: 'json' }
import {
  backupDataDir,
  restoreAsDatabase,
  restoreDataDir,
  type BackupProgress,
  ChromaDirConnection,
  cloneEmbedder,
  copyCollection,
  exportCollection,
  importFile,
  LocalConnection,
  openConnection,
  planClone,
  PortabilityError,
  runClone,
  type CloneHnsw,
  type CloneReport,
  type ConflictPolicy,
  type Connection,
  type CopyReport,
  type ProgressCallback
} from '../portability/index.js'

export const USAGE = `Usage: npm run cli -- <command> [options]

  export --path DIR --collection NAME --out FILE [--format jsonl|parquet]
      Write a collection of the Chromadesk data directory DIR to FILE: JSONL (default), or Parquet
      with --format parquet or an --out ending in .parquet.
  import --path DIR --file FILE [--collection NAME] [--on-conflict fail|skip|overwrite]
      Import FILE (JSONL or Parquet, told by its content) into DIR (a new collection, or an existing
      one). Ids already present: fail (default, nothing is written), skip them, or overwrite them.
  copy --from DIR|URL --to DIR|URL --collection NAME [--as NEW] [--token T]
      Copy a collection between data directories and Chroma servers (http://host:port), embeddings
      as stored. The target collection must not exist.
  clone --path DIR --collection NAME --as NEW [--space l2|cosine|ip] [--ef-construction N]
        [--max-neighbors N] [--ef-search N] [--model ID|FOLDER|none] [--skip-without-document]
      Copy a collection of DIR under a new name with another distance space, HNSW parameters or
      embedding model. A new model re-embeds every document (records without one are refused unless
      --skip-without-document); otherwise embeddings are copied as stored. The source is not changed.
  reembed --path DIR --collection NAME --model ID|FOLDER
      Embeds every record of the collection again with another model and switches it to that model in
      one step at the end (docs/models.md). Interrupted (Ctrl-C), the same command resumes it.
  import-chroma-dir --path DIR --chroma-dir CHROMA_DIR [--collection NAME]
      Copy the collections (or one) of a Chroma persistent directory, read-only, into DIR.

  health --path DIR [--collection NAME]
      Records, storage (the collection's row bytes; the file, WAL and free pages), index sizes and lag.
  verify --path DIR --collection NAME
      Compare the collection's vector index with SQLite: missing, extra and stale vectors (exit 3 if any).
  rebuild --path DIR --collection NAME
      Build the collection's vector index anew from SQLite and snapshot it.
  compact --path DIR
      VACUUM the database file and truncate its WAL; prints the bytes freed.
  backup --path DIR --out FILE
      Back up the whole data directory DIR (all tenants, databases, collections) to FILE in one file
      with a checksum (docs/backup-format.md). Safe while a running Chromadesk uses DIR: it copies one
      consistent snapshot through its own read-only connection.
  restore --file FILE --path DIR
      Restore a backup as the whole data directory DIR, which must be empty or absent.
  restore --file FILE --path DIR --database NAME [--tenant T] [--from TENANT/DB]
      Restore one database of the backup (default: its only one, or default_tenant/default_database)
      into DIR as database NAME of tenant T (default default_tenant), which must be new or empty.

Options for every command: --batch-size N (default 1000), --json (print the report as JSON), --help.
Do not point --path at a directory a running Chromadesk uses; use its URL with copy instead.`

export class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>

function need(v: Values, name: string): string {
  const s = v[name]
  if (typeof s !== 'string' || s === '') throw new UsageError(`--${name} is required`)
  return s
}

/** A source directory must already hold data: opening a wrong path would create an empty one. */
function existingDir(dir: string): string {
  if (!existsSync(join(dir, DATABASE_FILE))) throw new PortabilityError(`No Chromadesk data directory at ${dir}`)
  return dir
}

function progress(label: string): ProgressCallback {
  let last = 0
  return ({ done, total, phase }) => {
    const now = Date.now()
    if (now - last < 500 && done < total) return
    last = now
    const pct = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : ''
    process.stderr.write(`${label}${phase ? ` ${phase}` : ''}: ${done}/${total}${pct}\n`)
  }
}

/** A number option; the engine judges the value (positive, integral) with its own message. */
function numberOption(v: Values, name: string): number | undefined {
  const s = v[name]
  if (s === undefined) return undefined
  const n = Number(s)
  if (typeof s !== 'string' || s.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`Invalid --${name}: ${String(s)}`)
  return n
}

function cloneHnsw(v: Values): CloneHnsw {
  const hnsw: CloneHnsw = {}
  const space = v.space
  if (space !== undefined) {
    if (typeof space !== 'string' || !['l2', 'cosine', 'ip'].includes(space)) {
      throw new UsageError(`Invalid --space: ${String(space)} (l2, cosine or ip)`)
    }
    hnsw.space = space as Space
  }
  const fields = [
    ['ef-construction', 'ef_construction'],
    ['max-neighbors', 'max_neighbors'],
    ['ef-search', 'ef_search']
  ] as const
  for (const [flag, field] of fields) {
    const n = numberOption(v, flag)
    if (n !== undefined) hnsw[field] = n
  }
  return hnsw
}

/** --model: a hub id or folder (what the user types is their choice), or none for embeddings only. */
function cloneModel(v: Values): StoredEmbeddingFunctionConfig | null | undefined {
  const model = v.model
  if (typeof model !== 'string') return undefined
  return model === 'none' ? null : embeddingConfigFor(model)
}

/** Progress of a backup or restore, per phase (snapshot, write, verify, records). */
function phasedProgress(label: string): (p: BackupProgress) => void {
  const phases = new Map<string, ProgressCallback>()
  return (p) => {
    let f = phases.get(p.phase)
    if (!f) phases.set(p.phase, (f = progress(label)))
    f(p)
  }
}

export async function run(argv: string[], out: (line: string) => void = console.log): Promise<void> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(USAGE)
    return
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      path: { type: 'string' },
      collection: { type: 'string' },
      out: { type: 'string' },
      file: { type: 'string' },
      'on-conflict': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      as: { type: 'string' },
      token: { type: 'string' },
      'chroma-dir': { type: 'string' },
      space: { type: 'string' },
      'ef-construction': { type: 'string' },
      'max-neighbors': { type: 'string' },
      'ef-search': { type: 'string' },
      model: { type: 'string' },
      'skip-without-document': { type: 'boolean', default: false },
      database: { type: 'string' },
      tenant: { type: 'string' },
      'batch-size': { type: 'string' },
      format: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  if (values.help) {
    out(USAGE)
    return
  }
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size'])
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    throw new UsageError(`Invalid --batch-size: ${values['batch-size']}`)
  }
  const controller = new AbortController()
  const onSignal = (): void => controller.abort()
  process.once('SIGINT', onSignal)
  const common = { batchSize, signal: controller.signal }
  const print = (report: object, line: string): void => out(values.json ? JSON.stringify(report) : line)
  const opened: Connection[] = []
  const open = <C extends Connection>(c: C): C => {
    opened.push(c)
    return c
  }
  try {
    switch (command) {
      case 'export': {
        const name = need(values, 'collection')
        const file = resolve(need(values, 'out'))
        const conn = open(LocalConnection.open(existingDir(resolve(need(values, 'path')))))
        const col = await conn.open(name)
        if (!col) throw new PortabilityError(`Collection "${name}" does not exist at ${conn.label}`)
        const format = values.format ?? exportFormatOf(file)
        if (!(EXPORT_FORMATS as readonly unknown[]).includes(format)) {
          throw new UsageError(`Invalid --format: ${String(format)} (${EXPORT_FORMATS.join(' or ')})`)
        }
        const r = await exportCollection(col, file, {
          ...common,
          format: format as ExportFormat,
          onProgress: progress('export')
        })
        print(r, `exported ${r.records} records of "${r.collection}" to ${r.file} (${r.format}, ${r.bytes} bytes)`)
        return
      }
      case 'import': {
        const policy = (values['on-conflict'] ?? 'fail') as ConflictPolicy
        if (!['fail', 'skip', 'overwrite'].includes(policy)) {
          throw new UsageError(`Invalid --on-conflict: ${policy} (fail, skip or overwrite)`)
        }
        const file = resolve(need(values, 'file'))
        const conn = open(LocalConnection.open(resolve(need(values, 'path'))))
        const r = await importFile(conn, file, {
          ...common,
          collection: values.collection as string | undefined,
          onConflict: policy,
          onProgress: progress('import')
        })
        print(
          r,
          `imported ${r.imported} of ${r.records} records into ${r.created ? 'new' : 'existing'} collection "${r.collection}"` +
            (r.skipped ? `, skipped ${r.skipped} existing ids` : '') +
            (r.overwritten ? `, overwrote ${r.overwritten} existing ids` : '')
        )
        return
      }
      case 'copy': {
        const token = values.token as string | undefined
        const target = (s: string): string => (/^https?:\/\//i.test(s) ? s : resolve(s))
        const fromArg = target(need(values, 'from'))
        const from = open(openConnection(/^https?:/i.test(fromArg) ? fromArg : existingDir(fromArg), { token }))
        const to = open(openConnection(target(need(values, 'to')), { token }))
        const r = await copyCollection(from, to, need(values, 'collection'), {
          ...common,
          as: values.as as string | undefined,
          onProgress: progress('copy')
        })
        print(r, copyLine(r))
        return
      }
      case 'clone': {
        const dir = existingDir(resolve(need(values, 'path')))
        const client = new PersistentClient({ path: dir })
        const conn = open(new LocalConnection(client, dir, true))
        const plan = await planClone(conn, need(values, 'collection'), {
          as: need(values, 'as'),
          hnsw: cloneHnsw(values),
          embeddingFunction: cloneModel(values),
          skipWithoutDocument: values['skip-without-document'] === true
        })
        const embedder = cloneEmbedder(plan)
        try {
          // Named on the command line: the app may load it for the clone too (decision 0040).
          if (plan.model !== null) client.db.trustModel(plan.model)
          const r = await runClone(conn, plan, {
            ...common,
            ...(embedder ? { embedder } : {}),
            onProgress: progress('clone')
          })
          print(r, cloneLine(r))
        } finally {
          await embedder?.close()
        }
        return
      }
      case 'reembed': {
        const client = new PersistentClient({ path: existingDir(resolve(need(values, 'path'))) })
        try {
          const scope = { tenant: client.tenant, database: client.database }
          const id = client.db.getCollection(scope, need(values, 'collection')).id
          const prepared = prepareReembed(client.db, id, modelReference(need(values, 'model')))
          try {
            // Named on the command line: the app may load it for the collection too (decision 0040).
            client.db.trustModel(prepared.model)
            const report = progress('reembed')
            const r = await reembedCollection(client.db, id, prepared.ef, prepared.target, {
              signal: controller.signal,
              keepOnAbort: () => true,
              onProgress: (done, total, phase) => report({ done, total, phase })
            })
            print(
              r,
              `re-embedded "${need(values, 'collection')}" with ${prepared.model}: ${r.records} records, ` +
                `dimension ${r.dimension ?? 'none'}` +
                (r.resumed > 0 ? `, ${r.resumed} kept from the interrupted run` : '') +
                ` in ${r.seconds.toFixed(1)} s`
            )
          } finally {
            await prepared.ef.close()
          }
        } finally {
          await client.close()
        }
        return
      }
      case 'import-chroma-dir': {
        const chroma = open(new ChromaDirConnection(resolve(need(values, 'chroma-dir'))))
        const conn = open(LocalConnection.open(resolve(need(values, 'path'))))
        const names = values.collection ? [values.collection as string] : await chroma.list()
        const reports: CopyReport[] = []
        for (const name of names) {
          reports.push(await copyCollection(chroma, conn, name, { ...common, onProgress: progress(name) }))
        }
        const total = reports.reduce((n, r) => n + r.copied, 0)
        print(
          reports,
          `imported ${reports.length} collection(s), ${total} records, from ${chroma.label}: ` +
            (reports.map((r) => `"${r.target}" (${r.copied})`).join(', ') || 'none')
        )
        return
      }
      case 'health':
      case 'verify':
      case 'rebuild':
      case 'compact': {
        const client = new PersistentClient({ path: existingDir(resolve(need(values, 'path'))) })
        try {
          await maintenance(command, client, values, controller.signal, print)
        } finally {
          await client.close()
        }
        return
      }
      case 'backup': {
        const dir = existingDir(resolve(need(values, 'path')))
        const r = await backupDataDir(dir, resolve(need(values, 'out')), {
          signal: controller.signal,
          appVersion: pkg.version,
          onProgress: phasedProgress('backup')
        })
        print(
          r,
          `backed up ${r.records} records in ${r.collections} collection(s), ${r.databases} database(s), ${r.tenants} tenant(s) to ${r.file} (${r.bytes} bytes, ${r.seconds.toFixed(1)} s)`
        )
        return
      }
      case 'restore': {
        const file = resolve(need(values, 'file'))
        const dir = resolve(need(values, 'path'))
        const how = { signal: controller.signal, onProgress: phasedProgress('restore') }
        if (values.database === undefined) {
          if (values.tenant !== undefined || values.from !== undefined) {
            throw new UsageError('--tenant and --from go with --database')
          }
          const r = await restoreDataDir(file, dir, how)
          print(
            r,
            `restored ${r.records} records in ${r.collections} collection(s) into ${r.path} (${r.seconds.toFixed(1)} s)`
          )
          return
        }
        const db = new ChromaDatabase({ path: existingDir(dir) })
        try {
          const r = await restoreAsDatabase(
            db,
            file,
            { tenant: (values.tenant as string | undefined) ?? DEFAULT_TENANT, database: values.database as string },
            { ...how, batchSize, from: values.from as string | undefined }
          )
          const renamed = r.collections.filter((c) => c.previousId !== undefined)
          print(
            r,
            `restored ${r.records} records in ${r.collections.length} collection(s) of ${r.from} as ${r.tenant}/${r.database} (${r.seconds.toFixed(1)} s)` +
              (renamed.length
                ? `; new ids (the backup's were in use): ${renamed.map((c) => `"${c.name}" ${c.id}`).join(', ')}`
                : '')
          )
        } finally {
          await db.closeAsync()
        }
        return
      }
      default:
        throw new UsageError(`Unknown command "${command}"`)
    }
  } finally {
    process.off('SIGINT', onSignal)
    for (const c of opened.reverse()) await c.close().catch(() => undefined)
  }
}

/** health, verify, rebuild and compact on a data directory (docs/index-health.md). */
async function maintenance(
  command: 'health' | 'verify' | 'rebuild' | 'compact',
  client: PersistentClient,
  values: Values,
  signal: AbortSignal,
  print: (report: object, line: string) => void
): Promise<void> {
  const db = client.db
  const idOf = (name: string): string => db.getCollection({ tenant: client.tenant, database: client.database }, name).id
  const onProgress = (label: string): ((done: number, total: number) => void) => {
    const report = progress(label)
    return (done, total) => report({ done, total })
  }
  switch (command) {
    case 'health': {
      const names =
        typeof values.collection === 'string'
          ? [values.collection]
          : db.listCollections({ tenant: client.tenant, database: client.database }).map((c) => c.name)
      const reports: CollectionHealth[] = []
      for (const name of names) reports.push(await db.collectionHealth(idOf(name)))
      print(reports, reports.map(healthLine).join('\n') || 'no collections')
      return
    }
    case 'verify': {
      const r = await db.verifyIndex(idOf(need(values, 'collection')), { signal, onProgress: onProgress('verify') })
      print(r, verifyLine(r))
      if (!r.healthy) process.exitCode = 3
      return
    }
    case 'rebuild': {
      const r = await db.rebuildIndex(idOf(need(values, 'collection')), { signal, onProgress: onProgress('rebuild') })
      print(r, `rebuilt the index of "${r.name}": ${r.records} records in ${r.seconds.toFixed(1)} s`)
      return
    }
    case 'compact': {
      const r = await db.compact({ signal })
      const size = (s: typeof r.before): string => formatBytes(s.fileBytes + s.walBytes)
      print(
        r,
        `compacted: ${size(r.before)} -> ${size(r.after)}, freed ${formatBytes(r.freedBytes)} in ${r.seconds.toFixed(1)} s`
      )
      return
    }
  }
}

function healthLine(h: CollectionHealth): string {
  const d = h.storage.database
  const memory = h.index.memory ? `, in memory ~${formatBytes(h.index.memory.memoryBytes)}` : ''
  const snapshot = h.index.snapshot ? `snapshot ${formatBytes(h.index.snapshot.bytes)}` : 'no snapshot'
  return (
    `"${h.name}": ${h.records} records, rows ${formatBytes(h.storage.payloadBytes)} ` +
    `(file ${formatBytes(d.fileBytes)}, WAL ${formatBytes(d.walBytes)}, free ${formatBytes(d.freeBytes)}); ` +
    `index ${h.index.state}, ${snapshot}${memory}; lag ${h.lag.upserts} upserts, ${h.lag.removals} removals` +
    (h.lag.sinceSnapshot === null ? '' : `, ${h.lag.sinceSnapshot} writes since the snapshot`)
  )
}

function verifyLine(r: VerifyReport): string {
  if (r.healthy) return `index of "${r.name}" is healthy: ${r.checked} records checked in ${r.seconds.toFixed(1)} s`
  const kind = (label: string, p: VerifyReport['missing']): string =>
    p.count === 0 ? '' : ` ${p.count} ${label} (${p.examples.join(', ')}${p.count > p.examples.length ? ', ...' : ''});`
  return (
    `index of "${r.name}" is damaged:${kind('missing', r.missing)}${kind('extra', r.extra)}${kind('stale', r.stale)}` +
    ` ${r.checked} records checked. Run rebuild to repair it.`
  )
}

function copyLine(r: CopyReport): string {
  const rate = r.seconds > 0 ? Math.round(r.copied / r.seconds) : r.copied
  const diff = r.configurationDifferences.length
    ? `; configuration differs: ${r.configurationDifferences.join('; ')}`
    : ''
  return `copied ${r.copied} records of "${r.collection}" from ${r.from} to "${r.target}" at ${r.to} in ${r.seconds.toFixed(1)} s (${rate}/s)${diff}`
}

function cloneLine(r: CloneReport): string {
  const what = r.model
    ? `re-embedded ${r.reembedded} documents with ${r.model}` +
      (r.skipped ? `, left out ${r.skipped} records without a document` : '')
    : 'embeddings copied as stored'
  const changes = r.changes.length ? r.changes.join('; ') : 'same settings'
  return `cloned "${r.collection}" as "${r.target}" (${changes}): ${r.copied} records, ${what}, in ${r.seconds.toFixed(1)} s`
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(usage ? `${message}\n\n${USAGE}\n` : `Error: ${message}\n`)
    process.exit(usage ? 2 : 1)
  })
}
