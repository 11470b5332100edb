// Embedding throughput: length-sorted dynamic padding (ours) vs fixed 256-token padding (what Chroma's
// ONNX default does), same process, same model, same texts.
//   npx tsx bench/embedding.bench.ts [--texts N] [--runs R]
// Models: the generated tiny BERT (1 layer, 32-d); a generated model of MiniLM's shape (6 layers, 384-d,
// 12 heads, random weights: the same compute per token as all-MiniLM-L6-v2, so realistic speed, but
// meaningless vectors); and the real all-MiniLM-L6-v2 when it is already in the model cache (or
// CHROMADESK_MINILM_DIR points at a local copy). Nothing is downloaded.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  DEFAULT_MODEL,
  defaultCacheDir,
  TransformersEmbeddingFunction,
  type PaddingStrategy
} from '../src/main/engine/embedding/index.js'
import { createTinyModel, MINILM_SHAPE, tinyVocabulary } from '../src/main/engine/embedding/testing/tiny-model.js'

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index >= 0 ? Number(process.argv[index + 1]) : NaN
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const TEXTS = argument('texts', 1000)
const RUNS = argument('runs', 3)

/** Deterministic sentences from the tiny vocabulary, word counts drawn from [minWords, maxWords]. */
function corpus(count: number, minWords: number, maxWords: number, seed: number): string[] {
  const words = tinyVocabulary().filter((token) => /^[a-z]{2,}$/.test(token))
  let state = seed >>> 0
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
  return Array.from({ length: count }, () => {
    // Squared uniform: many short texts, a tail of long ones, as real document sets tend to have.
    const length = minWords + Math.floor(next() * next() * (maxWords - minWords + 1))
    return Array.from({ length }, () => words[Math.floor(next() * words.length)]).join(' ')
  })
}

interface Row {
  model: string
  corpus: string
  padding: PaddingStrategy
  seconds: number
  textsPerSecond: number
}

async function measure(ef: TransformersEmbeddingFunction, texts: string[], padding: PaddingStrategy): Promise<number> {
  const times: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint()
    await ef.generate(texts, { padding })
    times.push(Number(process.hrtime.bigint() - started) / 1e9)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] as number
}

async function benchModel(label: string, model: string, cacheDir: string, texts: number): Promise<Row[]> {
  const ef = new TransformersEmbeddingFunction({ model, cacheDir, allowRemote: false, batchSize: 32 })
  await ef.generate(['warm up the model and the worker'])
  const corpora: [string, string[]][] = [
    ['short (4-32 words)', corpus(texts, 4, 32, 1)],
    ['mixed (4-200 words)', corpus(texts, 4, 200, 2)]
  ]
  const rows: Row[] = []
  for (const [name, sample] of corpora) {
    for (const padding of ['dynamic', 'fixed'] as const) {
      const seconds = await measure(ef, sample, padding)
      rows.push({ model: label, corpus: name, padding, seconds, textsPerSecond: sample.length / seconds })
    }
  }
  console.error(`  ${label}: done (${ef.execution} execution)`)
  await ef.close()
  return rows
}

function miniLmLocation(): string | null {
  const explicit = process.env.CHROMADESK_MINILM_DIR
  if (explicit !== undefined && existsSync(path.join(explicit, 'onnx', 'model.onnx'))) return path.resolve(explicit)
  if (existsSync(path.join(defaultCacheDir(), DEFAULT_MODEL, 'onnx', 'model.onnx'))) return DEFAULT_MODEL
  return null
}

const root = mkdtempSync(path.join(os.tmpdir(), 'embedding-bench-'))
try {
  console.error(
    `Embedding benchmark: ${TEXTS} texts per corpus (200 for 6-layer models), median of ${RUNS} runs, ${os.cpus().length} cores, Node ${process.version}`
  )
  const rows = await benchModel(
    'tiny BERT (1 layer, 32-d)',
    await createTinyModel(root),
    path.join(root, 'cache'),
    TEXTS
  )
  rows.push(
    ...(await benchModel(
      'MiniLM-shaped, random weights (6 layers, 384-d)',
      await createTinyModel(root, MINILM_SHAPE),
      path.join(root, 'cache'),
      Math.min(TEXTS, 200)
    ))
  )
  const miniLm = miniLmLocation()
  if (miniLm !== null) {
    rows.push(
      ...(await benchModel('all-MiniLM-L6-v2 (6 layers, 384-d)', miniLm, defaultCacheDir(), Math.min(TEXTS, 200)))
    )
  } else {
    console.error('  all-MiniLM-L6-v2: not available locally, skipped')
  }

  const header = '| model | corpus | padding | seconds | texts/s | dynamic vs fixed |'
  const lines = [header, '|---|---|---|---:|---:|---:|']
  for (const row of rows) {
    const fixed = rows.find(
      (other) => other.model === row.model && other.corpus === row.corpus && other.padding === 'fixed'
    )
    const speedup =
      row.padding === 'dynamic' && fixed !== undefined
        ? `${(row.textsPerSecond / fixed.textsPerSecond).toFixed(1)}x`
        : ''
    const padding = row.padding === 'dynamic' ? 'length-sorted, per batch' : 'fixed 256 tokens'
    lines.push(
      `| ${row.model} | ${row.corpus} | ${padding} | ${row.seconds.toFixed(3)} | ${Math.round(row.textsPerSecond)} | ${speedup} |`
    )
  }
  console.log(lines.join('\n'))
} finally {
  rmSync(root, { recursive: true, force: true })
}
