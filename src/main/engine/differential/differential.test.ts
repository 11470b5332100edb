// Differential tests: every scenario runs against the real Chroma 1.0 server (through the official
// chromadb client) and against our engine; any difference fails the test and is listed. Where Chroma 1.0
// differs from the reference document, the step is tagged with an entry of chroma-1.0-divergences.ts
// and compared against the reference answer derived from Chroma's (docs/decisions/0006).
//
// DIFF_REPORT_DIR=dir writes each test's divergences and both transcripts to dir/<test>.txt.
// DIFF_OURS=chroma runs "ours" on a second real Chroma server instead: a self-check of the harness
// (it must pass; it shows that nothing compared depends on run-to-run noise).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChromaServer, type ChromaServer } from './chroma-server.js'
import { CHROMA_1_0_DIVERGENCES } from './chroma-1.0-divergences.js'
import { compareRecordings, describeRecording, exercisedDivergences, record, type Scenario } from './harness.js'
import {
  arrayMetadataScenario,
  collectionsScenario,
  deleteLimitScenario,
  deleteScenario,
  filtersScenario,
  persistenceScenario,
  recordsScenario,
  spaceScenarios,
  validationScenario
} from './scenarios.js'
import { ChromaRefClient, createEngineClient, createEnginePersistentClient, type DiffClient } from './targets.js'

const selfCheck = process.env.DIFF_OURS === 'chroma'
let chroma: ChromaServer | undefined
let second: ChromaServer | undefined

beforeAll(async () => {
  // A failure to start is an error with the server's output, never a skip.
  chroma = await startChromaServer()
  if (selfCheck) second = await startChromaServer()
})

afterAll(async () => {
  await chroma?.stop()
  await second?.stop()
})

async function oursClient(): Promise<DiffClient> {
  if (second) return new ChromaRefClient(second.host, second.port)
  return createEngineClient()
}

async function differential(scenario: Scenario, oursScenario: Scenario = scenario, ours?: DiffClient): Promise<void> {
  if (!chroma) throw new Error('Chroma server not running')
  const reference = await record('chroma', new ChromaRefClient(chroma.host, chroma.port), scenario)
  // In the self-check both sides are Chroma, so both take the oracle where Chroma cannot answer.
  const oursRec = await record(second ? 'chroma' : 'ours', ours ?? (await oursClient()), oursScenario)
  const problems = compareRecordings(reference, oursRec)
  const reportDir = process.env.DIFF_REPORT_DIR
  if (reportDir) {
    mkdirSync(reportDir, { recursive: true })
    const file = join(reportDir, `${expect.getState().currentTestName ?? 'test'}.txt`.replace(/[^\w.-]+/g, '_'))
    writeFileSync(
      file,
      `${problems.join('\n')}\n\n--- chroma\n${describeRecording(reference)}\n\n--- ours\n${describeRecording(oursRec)}\n`
    )
  }
  if (process.env.DIFF_VERBOSE)
    console.log(`--- chroma\n${describeRecording(reference)}\n--- ours\n${describeRecording(oursRec)}`)
  expect(problems, `${problems.length} divergence(s) from Chroma:\n${problems.join('\n')}`).toEqual([])
}

describe('differential: our engine vs Chroma 1.0', () => {
  it('collections: create/get/list/count/delete/modify, names, configuration', () => differential(collectionsScenario))
  it('records: add/upsert/update/get/peek/count semantics', () => differential(recordsScenario))
  it('validation errors', () => differential(validationScenario))
  it('where / whereDocument filters', () => differential(filtersScenario))
  for (const [label, scenario] of spaceScenarios) {
    it(`query in ${label}`, () => differential(scenario))
  }
  it('delete by ids / where / whereDocument', () => differential(deleteScenario))
  it('delete with limit (Chroma 1.0 ignores limit: reference applied from its own data)', () =>
    differential(deleteLimitScenario))
  it('persistence: PersistentClient answers the same after close and reopen', async () => {
    if (second) {
      const same = async (c: DiffClient): Promise<DiffClient> => c
      return differential(
        persistenceScenario(same),
        persistenceScenario(same),
        new ChromaRefClient(second.host, second.port)
      )
    }
    const dir = mkdtempSync(join(tmpdir(), 'chromadesk-diff-'))
    try {
      const first = await createEnginePersistentClient(dir)
      let last = first
      const reopen = async (c: DiffClient): Promise<DiffClient> => {
        await (c as typeof first).close()
        last = await createEnginePersistentClient(dir)
        return last
      }
      try {
        await differential(
          persistenceScenario(async (c) => c),
          persistenceScenario(reopen),
          first
        )
      } finally {
        await last.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('array metadata and $contains/$not_contains (oracle: newer than Chroma 1.0)', () =>
    differential(arrayMetadataScenario))
  // Last: the tests above record which registry entries their steps used.
  it('every known Chroma 1.0 divergence is exercised by some step', () => {
    const unused = CHROMA_1_0_DIVERGENCES.map((d) => d.id).filter((id) => !exercisedDivergences.has(id))
    expect(unused, 'registry entries no step uses (delete them, or tag the steps that show them)').toEqual([])
  })
})
