// Ingest throughput and memory: a generated text corpus (.txt and .md files, ~10 MB by default) ingested
// into an in-memory collection through the whole pipeline (parse, token-counted chunking, embedding in
// the worker thread, writes), with the generated tiny BERT (1 layer, 32-d), so the numbers show the
// pipeline's own cost rather than a model's. Then the same folder again, where every file is unchanged.
//   npx tsx bench/ingest.bench.ts [--mb 10] [--files 400]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EphemeralClient } from '../src/main/engine/client.js'
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

/** Deterministic prose from the tiny vocabulary: sentences of 5-24 words, paragraphs of 3-8 sentences. */
function writeCorpus(dir: string): number {
  const words = tinyVocabulary().filter((token) => /^[a-z]{2,}$/.test(token))
  let state = 0x1234abcd
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
  const perFile = Math.ceil((MB * 1024 * 1024) / FILES)
  let total = 0
  for (let f = 0; f < FILES; f++) {
    const parts: string[] = f % 2 === 1 ? [`# Document ${f}\n\n`] : []
    let size = parts[0]?.length ?? 0
    while (size < perFile) {
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
    const body = parts.join('')
    writeFileSync(path.join(dir, `doc-${String(f).padStart(4, '0')}.${f % 2 === 1 ? 'md' : 'txt'}`), body)
    total += Buffer.byteLength(body)
  }
  return total
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

    // Time spent per phase, from the job's own events (file-started -> parsed -> chunked -> embedded -> written).
    const phase = { parse: 0, chunk: 0, embed: 0, write: 0 }
    let last = 0
    const rssBase = process.memoryUsage().rss
    let rssPeak = rssBase
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50)
    const run = async (): Promise<IngestSummary> => {
      const job = startIngest(collection, [corpusDir])
      job.events.on('event', (event: IngestEvent) => {
        const now = performance.now()
        if (event.type === 'file-parsed') phase.parse += now - last
        else if (event.type === 'file-chunked') phase.chunk += now - last
        else if (event.type === 'file-embedded') phase.embed += now - last
        else if (event.type === 'file-written') phase.write += now - last
        if (event.type !== 'embed-progress') last = now
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
    await ef.close()
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

await main()
