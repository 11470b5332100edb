// The comparator itself: it must report real differences and tolerate only what is noise.
import { describe, expect, it } from 'vitest'
import { compareRecordings, RECALL_SLACK, Recorder, type Outcome, type Step } from './harness.js'
import { DiffError } from './targets.js'

const ok = (label: string, value: unknown, mode: Step['mode'] = 'exact'): Step => ({
  label,
  mode,
  outcome: { ok: true, value }
})
const fail = (label: string, status: number, name: string, message: string, mode: Step['mode'] = 'exact'): Step => ({
  label,
  mode,
  outcome: { ok: false, error: new DiffError(status, name, message) }
})
const cmp = (a: Step[], b: Step[]): string[] => compareRecordings({ steps: a }, { steps: b })

const q = (ids: string[], distances: number[], docs?: string[]): unknown => ({
  ids: [ids],
  distances: [distances],
  documents: docs ? [docs] : null,
  embeddings: null,
  metadatas: null,
  uris: null,
  include: ['distances']
})

describe('compareRecordings', () => {
  it('accepts identical recordings', () => {
    expect(cmp([ok('a', { x: [1, 'b', null] })], [ok('a', { x: [1, 'b', null] })])).toEqual([])
  })

  it('reports value, type and shape differences', () => {
    expect(cmp([ok('a', { x: 1 })], [ok('a', { x: '1' })])).toHaveLength(1)
    expect(cmp([ok('a', { x: null })], [ok('a', { x: [] })])).toHaveLength(1)
    expect(cmp([ok('a', { x: 1 })], [ok('a', { x: 1, y: 2 })])).toHaveLength(1)
    expect(cmp([ok('a', [1, 2])], [ok('a', [2, 1])])).toHaveLength(2)
  })

  it('compares embeddings at float32 precision only', () => {
    expect(cmp([ok('a', { embeddings: [[0.1]] })], [ok('a', { embeddings: [[Math.fround(0.1)]] })])).toEqual([])
    expect(cmp([ok('a', { embeddings: [[0.1]] })], [ok('a', { embeddings: [[0.1001]] })])).toHaveLength(1)
  })

  it('compares errors by status, name and message; throws-mode only by failure', () => {
    expect(cmp([fail('e', 400, 'InvalidArgumentError', 'm')], [fail('e', 400, 'InvalidArgumentError', 'm')])).toEqual(
      []
    )
    expect(
      cmp([fail('e', 400, 'InvalidArgumentError', 'm')], [fail('e', 400, 'InvalidArgumentError', 'n')])
    ).toHaveLength(1)
    expect(cmp([fail('e', 404, 'NotFoundError', 'm')], [fail('e', 400, 'NotFoundError', 'm')])).toHaveLength(1)
    expect(
      cmp([fail('e', 422, 'ChromaError', 'x', 'throws')], [fail('e', 400, 'InvalidArgumentError', 'y', 'throws')])
    ).toEqual([])
    expect(cmp([fail('e', 422, 'ChromaError', 'x', 'throws')], [ok('e', 'ok', 'throws')])).toHaveLength(1)
    expect(cmp([ok('e', 'ok')], [fail('e', 400, 'InvalidArgumentError', 'y')])).toHaveLength(1)
  })

  it('ignores only the JSON position suffix of Rust deserialisation messages', () => {
    const rust = fail('e', 422, 'ChromaError', 'unknown variant `x` at line 1 column 19')
    expect(cmp([rust], [fail('e', 422, 'ChromaError', 'unknown variant `x`')])).toEqual([])
    expect(cmp([rust], [fail('e', 422, 'ChromaError', 'unknown variant `y`')])).toHaveLength(1)
  })

  it('recall mode: ours may trail Chroma by the slack only, and must be well formed', () => {
    const summary = (recall: number, wellFormed = true): unknown => ({ lengths: [10], wellFormed, recall })
    const step = (v: unknown): Step => ok('r', v, 'recall')
    expect(cmp([step(summary(1))], [step(summary(1 - RECALL_SLACK))])).toEqual([])
    expect(cmp([step(summary(0.9))], [step(summary(1))])).toEqual([])
    expect(cmp([step(summary(1))], [step(summary(0.95))])).toHaveLength(1)
    expect(cmp([step(summary(1))], [step(summary(1, false))])).toHaveLength(1)
    expect(
      cmp([step({ lengths: [10], wellFormed: true, recall: 1 })], [step({ lengths: [9], wellFormed: true, recall: 1 })])
    ).toHaveLength(1)
  })

  it('reports a side that stopped early', () => {
    expect(compareRecordings({ steps: [ok('a', 1), ok('b', 2)] }, { steps: [ok('a', 1)], aborted: 'x' })).toHaveLength(
      1
    )
  })

  it('query: allows swapped ids only where distances tie', () => {
    const ref = ok('q', q(['a', 'b', 'c'], [0.1, 0.5, 0.5], ['A', 'B', 'C']), 'query')
    expect(cmp([ref], [ok('q', q(['a', 'c', 'b'], [0.1, 0.5, 0.5], ['A', 'C', 'B']), 'query')])).toEqual([])
    // a swap of well-separated results is a divergence
    expect(cmp([ref], [ok('q', q(['b', 'a', 'c'], [0.1, 0.5, 0.5], ['B', 'A', 'C']), 'query')]).length).toBeGreaterThan(
      0
    )
    // a different distance is a divergence (approximate search returned a worse neighbour)
    expect(cmp([ref], [ok('q', q(['a', 'b', 'c'], [0.1, 0.5, 0.6], ['A', 'B', 'C']), 'query')]).length).toBeGreaterThan(
      0
    )
    // per-record fields follow the id, not the position
    expect(cmp([ref], [ok('q', q(['a', 'c', 'b'], [0.1, 0.5, 0.5], ['A', 'B', 'C']), 'query')]).length).toBeGreaterThan(
      0
    )
  })

  describe('steps tagged with a known Chroma 1.0 divergence', () => {
    const typo = (label: string, reference: Outcome, raw: Outcome, shows = true): Step => ({
      label,
      mode: 'exact',
      outcome: reference,
      divergence: { id: 'not-found-message-typo', raw, shows }
    })
    const err = (status: number, name: string, message: string): Outcome => ({
      ok: false,
      error: new DiffError(status, name, message)
    })
    const raw = err(404, 'NotFoundError', 'Collection [x] does not exists')
    const reference = err(404, 'NotFoundError', 'Collection [x] does not exist')

    it('compares ours with the reference outcome, not with Chroma raw answer', () => {
      expect(
        cmp([typo('g', reference, raw)], [fail('g', 404, 'NotFoundError', 'Collection [x] does not exist')])
      ).toEqual([])
      // ours repeating Chroma's divergence is a difference from the reference
      expect(
        cmp([typo('g', reference, raw)], [fail('g', 404, 'NotFoundError', 'Collection [x] does not exists')])
      ).toHaveLength(1)
    })

    it('reports an entry as stale when Chroma no longer shows it, or its transform changes nothing', () => {
      const ours = fail('g', 404, 'NotFoundError', 'Collection [x] does not exist')
      const notShown = cmp([typo('g', reference, reference, false)], [ours])
      expect(notShown).toHaveLength(1)
      expect(notShown[0]).toMatch(
        /registry entry "not-found-message-typo" is stale here: Chroma 1.0 no longer shows it/
      )
      const noop = cmp([typo('g', reference, reference)], [ours])
      expect(noop).toHaveLength(1)
      expect(noop[0]).toMatch(/transform leaves Chroma's answer unchanged/)
    })

    it('message-prefix entries compare status, name and prefix, and go stale once ours matches exactly', () => {
      const rust = 'Regex syntax errror: regex parse error:\n    [z-a]\n     ^^^\nerror: invalid character class range'
      const step = (): Step => ({
        label: 'r',
        mode: 'exact',
        outcome: err(400, 'InvalidArgumentError', 'Regex syntax errror: '),
        divergence: { id: 'regex-error-wording', raw: err(400, 'InvalidArgumentError', rust), shows: true }
      })
      const js = 'Regex syntax errror: Invalid regular expression: /[z-a]/: Range out of order in character class'
      expect(cmp([step()], [fail('r', 400, 'InvalidArgumentError', js)])).toEqual([])
      expect(cmp([step()], [fail('r', 400, 'InvalidArgumentError', 'Invalid regular expression')])).toHaveLength(1)
      expect(cmp([step()], [fail('r', 500, 'InternalError', js)])).toHaveLength(1)
      const exact = cmp([step()], [fail('r', 400, 'InvalidArgumentError', rust)])
      expect(exact).toHaveLength(1)
      expect(exact[0]).toMatch(/ours now gives Chroma's exact answer/)
    })

    it('the Chroma side records the raw answer and the reference derived from it; ours records its own', async () => {
      const call = async (): Promise<never> => {
        throw new DiffError(404, 'NotFoundError', 'Collection [x] does not exists')
      }
      const chroma = new Recorder('chroma')
      await chroma.run('g', call, { divergence: 'not-found-message-typo' })
      expect(chroma.steps[0]?.outcome).toEqual(reference)
      expect(chroma.steps[0]?.divergence).toEqual({ id: 'not-found-message-typo', raw, shows: true })
      const ours = new Recorder('ours')
      await ours.run('g', call, { divergence: 'not-found-message-typo' })
      expect(ours.steps[0]).toEqual({ label: 'g', mode: 'exact', outcome: raw })
    })

    it('delete-ignores-limit keeps the first `limit` of what Chroma deleted; shows only while it deletes more', async () => {
      const all = { deleted: ['a', 'b', 'c', 'd'] }
      const chroma = new Recorder('chroma')
      const args = { where: { k: 1 }, limit: 2 }
      await chroma.run('d', async () => ({ deleted: ['x'] }), {
        divergence: { id: 'delete-ignores-limit', args, chroma: async () => all }
      })
      expect(chroma.steps[0]?.outcome).toEqual({ ok: true, value: { deleted: ['a', 'b'] } })
      expect(chroma.steps[0]?.divergence?.shows).toBe(true)
      const capped = new Recorder('chroma')
      await capped.run('d', async () => ({ deleted: ['a', 'b'] }), { divergence: { id: 'delete-ignores-limit', args } })
      expect(capped.steps[0]?.divergence?.shows).toBe(false)
    })
  })
})
