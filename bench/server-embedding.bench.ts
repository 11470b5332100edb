// Server-side embedding for scripts (decision 0121) vs the app's own write path, same model, same texts:
//   app:    the contract's records.add with documents (the engine client embeds, then writes)
//   script: POST /api/v2/…/add with documents and no embeddings, in requests of --batch records
//   npx tsx bench/server-embedding.bench.ts [--texts N] [--batch B] [--model tiny|minilm]
// minilm is a generated model of all-MiniLM-L6-v2's shape (6 layers, 384-d: its speed, random weights).
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTinyModel, MINILM_SHAPE, tinyVocabulary } from '../src/main/engine/embedding/testing/tiny-model.js'
import { createHandlers } from '../src/main/api/handlers.js'
import { contractCaller } from '../src/main/api/testing/handlers.js'
import { startOurServer } from '../src/main/server/v2/test-server.js'
import type { CollectionSummary } from '../src/shared/contract.js'

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback
}

const TEXTS = Number(argument('texts', '2000'))
const BATCH = Number(argument('batch', '100'))
const MODEL = argument('model', 'minilm')

/** Deterministic sentences of 8-40 words from the tiny vocabulary. */
function corpus(count: number): string[] {
  const words = tinyVocabulary().filter((token) => /^[a-z]{2,}$/.test(token))
  let state = 12345
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
  return Array.from({ length: count }, () =>
    Array.from({ length: 8 + Math.floor(next() * 33) }, () => words[Math.floor(next() * words.length)]).join(' ')
  )
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-server-embedding-'))
const model = await createTinyModel(dir, MODEL === 'tiny' ? undefined : MINILM_SHAPE)
const server = await startOurServer({ path: path.join(dir, 'data') })
const { call } = contractCaller(() => createHandlers(server.ctx))
const texts = corpus(TEXTS)
const rows: { path: string; seconds: number; perSecond: number }[] = []
try {
  // Load the model once outside the timings.
  const warm = await call<CollectionSummary>('collections.create', { name: 'warm', embeddingModel: model })
  await call('records.add', { collectionId: warm.id, records: [{ id: 'w', document: 'warm up' }] })

  // Two rounds, alternating, so a load change on the (shared) machine shows as a difference between rounds.
  for (const round of [1, 2]) {
    const app = await call<CollectionSummary>('collections.create', { name: `app-${round}`, embeddingModel: model })
    let started = performance.now()
    for (let i = 0; i < TEXTS; i += BATCH) {
      const records = texts.slice(i, i + BATCH).map((document, k) => ({ id: `r${i + k}`, document }))
      await call('records.add', { collectionId: app.id, records })
    }
    let seconds = (performance.now() - started) / 1000
    rows.push({ path: `app: records.add with documents (round ${round})`, seconds, perSecond: TEXTS / seconds })

    const script = await call<CollectionSummary>('collections.create', {
      name: `script-${round}`,
      embeddingModel: model
    })
    const url = `/api/v2/tenants/default_tenant/databases/default_database/collections/${script.id}/add`
    started = performance.now()
    for (let i = 0; i < TEXTS; i += BATCH) {
      const documents = texts.slice(i, i + BATCH)
      const r = await server.raw('POST', url, { ids: documents.map((_, k) => `r${i + k}`), documents })
      if (r.status !== 201) throw new Error(JSON.stringify(r.json))
    }
    seconds = (performance.now() - started) / 1000
    rows.push({ path: `script: REST v2 add, documents only (round ${round})`, seconds, perSecond: TEXTS / seconds })
  }
} finally {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
console.log(
  `${TEXTS} texts of 8-40 words, ${BATCH} per call, model ${MODEL === 'tiny' ? 'tiny (1 x 32-d)' : 'MiniLM-shaped (6 x 384-d)'}`
)
console.table(rows.map((r) => ({ path: r.path, seconds: r.seconds.toFixed(2), 'texts/s': Math.round(r.perSecond) })))
