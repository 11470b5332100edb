// Ingest throughput and memory: a generated text corpus (.txt and .md files, ~10 MB by default) ingested
// into an in-memory collection through the whole pipeline (parse, token-counted chunking, embedding in
// the worker thread, writes), with the generated tiny BERT (1 layer, 32-d), so the numbers show the
// pipeline's own cost rather than a model's. Then the same folder again, where every file is unchanged.
// Then one large text file (--big MB, 100 by default; 0 skips it): its phases, the longest gap between two
// progress events (the job promises none over 2 s), the main thread's longest stall, and peak RSS.
//   npx tsx bench/ingest.bench.ts [--mb 10] [--files 400] [--big 100]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { EphemeralClient, PersistentClient } from '../src/main/engine/client.js'
import { TransformersEmbeddingFunction } from '../src/main/engine/embedding/index.js'
import { createTinyModel, tinyVocabulary } from '../src/main/engine/embedding/testing/tiny-model.js'
import { startIngest, type IngestEvent, type IngestSummary } from '../src/main/engine/ingest/index.js'

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index >= 0 ? Number(process.argv[index + 1]) : NaN
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const MB = argument('mb', 10)
const FILES = argument('files', 400)
const BIG_MB = process.argv.includes('--big') ? Number(process.argv[process.argv.indexOf('--big') + 1]) : 100

let state = 0x1234abcd
const next = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0
  return state / 4294967296
}

/** Deterministic prose from the tiny vocabulary: sentences of 5-24 words, paragraphs of 3-8 sentences. */
function prose(bytes: number, heading: string | null): string {
  const words = tinyVocabulary().filter((token) => /^[a-z]{2,}$/.test(token))
  const parts: string[] = heading !== null ? [heading] : []
  let size = parts[0]?.length ?? 0
  while (size < bytes) {
    const sentences = 3 + Math.floor(next() * 6)
    const paragraph: string[] = []
    for (let s = 0; s < sentences; s++) {
      const length = 5 + Math.floor(next() * 20)
      const sentence = Array.from({ length }, () => words[Math.floor(next() * words.length)]).join(' ')
      paragraph.push(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`)
    }
    const text = `${paragraph.join(' ')}\n\n`
    parts.push(text)
    size += text.length
  }
  return parts.join('')
}

function writeCorpus(dir: string): number {
  const perFile = Math.ceil((MB * 1024 * 1024) / FILES)
  let total = 0
  for (let f = 0; f < FILES; f++) {
    const body = prose(perFile, f % 2 === 1 ? `# Document ${f}\n\n` : null)
    writeFileSync(path.join(dir, `doc-${String(f).padStart(4, '0')}.${f % 2 === 1 ? 'md' : 'txt'}`), body)
    total += Buffer.byteLength(body)
  }
  return total
}

/** The phase the time after each event belongs to. */
const PHASE_AFTER: Partial<Record<IngestEvent['type'], 'parse' | 'chunk' | 'embed' | 'write'>> = {
  'file-started': 'parse',
  'parse-progress': 'parse',
  'chunk-progress': 'chunk',
  'file-parsed': 'embed',
  'file-chunked': 'embed',
  'embed-progress': 'embed',
  'file-embedded': 'write',
  'file-written': 'parse'
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1)

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ingest-bench-'))
  try {
    const modelDir = await createTinyModel(root)
    const corpusDir = path.join(root, 'corpus')
    mkdirSync(corpusDir)
    const bytes = writeCorpus(corpusDir)
    const ef = new TransformersEmbeddingFunction({
      model: modelDir,
      cacheDir: path.join(root, 'cache'),
      allowRemote: false
    })
    await ef.load()
    const client = new EphemeralClient()
    const collection = await client.createCollection({ name: 'bench', embeddingFunction: ef })

    // Time spent per phase, from the job's own events: reading (to the last parse-progress), chunking
    // (to file-parsed, in the ingest worker), embedding (to file-embedded), writing (to file-written).
    const phase = { parse: 0, chunk: 0, embed: 0, write: 0 }
    let last = 0
    let inPhase: keyof typeof phase = 'parse'
    const rssBase = process.memoryUsage().rss
    let rssPeak = rssBase
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50)
    const run = async (): Promise<IngestSummary> => {
      const job = startIngest(collection, [corpusDir])
      job.events.on('event', (event: IngestEvent) => {
        const now = performance.now()
        phase[inPhase] += now - last
        last = now
        inPhase = PHASE_AFTER[event.type] ?? inPhase
      })
      last = performance.now()
      return job.done
    }
    const first = await run()
    const second = await run()
    clearInterval(sampler)
    // maxRSS covers the whole process (main thread and embedding worker) over its life.
    const maxRss = process.resourceUsage().maxRSS * 1024

    const rows = [
      ['run', 'files', 'chunks written', 'seconds', 'MB/s', 'chunks/s'],
      [
        'first ingest',
        String(first.ingested.length),
        String(first.chunksWritten),
        first.seconds.toFixed(1),
        (bytes / 1024 / 1024 / first.seconds).toFixed(2),
        (first.chunksWritten / first.seconds).toFixed(0)
      ],
      [
        'again, unchanged',
        String(second.unchanged.length),
        String(second.chunksWritten),
        second.seconds.toFixed(2),
        '-',
        '-'
      ]
    ]
    const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length))) ?? []
    for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c] as number)).join('  '))
    console.log(
      `\ncorpus: ${FILES} files, ${mib(bytes)} MiB; model: tiny BERT (1 layer, 32-d); chunkSize 200, overlap 30 tokens`
    )
    const s = (ms: number): string => (ms / 1000).toFixed(1)
    console.log(
      `phases of the first ingest (s): parse ${s(phase.parse)}, chunk ${s(phase.chunk)}, embed ${s(phase.embed)}, write ${s(phase.write)}`
    )
    console.log(`RSS: before ${mib(rssBase)} MiB, peak sampled ${mib(rssPeak)} MiB, process maxRSS ${mib(maxRss)} MiB`)
    if (first.failed.length > 0) console.log('failed:', first.failed)
    await client.close()
    if (BIG_MB > 0) await bigFile(root, ef)
    await ef.close()
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

/** One large text file through the whole pipeline: phases, progress gaps, main-thread stalls, memory. */
// A persistent database, as the app runs: the index worker inserts into HNSW off the main thread.
async function bigFile(root: string, ef: TransformersEmbeddingFunction): Promise<void> {
  const file = path.join(root, 'big.txt')
  writeFileSync(file, prose(BIG_MB * 1024 * 1024, null))
  const client = new PersistentClient({ path: path.join(root, 'db') })
  const collection = await client.createCollection({ name: 'bench-big', embeddingFunction: ef })
  const loop = monitorEventLoopDelay({ resolution: 10 })
  const rssBase = process.memoryUsage().rss
  let rssPeak = rssBase
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50)
  const started = performance.now()
  const marks: { type: string; at: number }[] = []
  let gap = { ms: 0, after: '', before: '' }
  let last = started
  let lastType = 'start'
  const job = startIngest(collection, [file], { maxBytes: (BIG_MB + 1) * 1024 * 1024 })
  loop.enable()
  job.events.on('event', (event: IngestEvent) => {
    const now = performance.now()
    if (now - last > gap.ms) gap = { ms: now - last, after: lastType, before: event.type }
    if (marks.at(-1)?.type !== event.type) marks.push({ type: event.type, at: now - started })
    last = now
    lastType = event.type
  })
  const summary = await job.done
  loop.disable()
  clearInterval(sampler)
  const end = performance.now()
  if (end - last > gap.ms) gap = { ms: end - last, after: lastType, before: 'done' }
  const at = (type: string): number => marks.find((m) => m.type === type)?.at ?? NaN
  const s = (ms: number): string => (ms / 1000).toFixed(1)
  console.log(`\none ${BIG_MB} MiB text file: ${summary.chunksWritten} chunks in ${summary.seconds.toFixed(1)} s`)
  console.log(
    `  phases (s from start): reading to ${s(at('chunk-progress'))}, chunking to ${s(at('file-parsed'))}, ` +
      `embedding to ${s(at('file-embedded'))}, writing to ${s(at('file-written'))}`
  )
  console.log(
    `  longest gap between progress events: ${gap.ms.toFixed(0)} ms (after ${gap.after}, before ${gap.before})`
  )
  console.log(`  main thread: longest event-loop stall ${(loop.max / 1e6).toFixed(0)} ms`)
  console.log(`  RSS: before ${mib(rssBase)} MiB, peak sampled ${mib(rssPeak)} MiB`)
  if (summary.failed.length > 0) console.log('  failed:', summary.failed)
  await client.close()
}

await main()
