// The hybrid query's weights as the forms hold them (the Query tab's and the map's): their one check,
// their defaults and the formula shown with them. Pure, so the rules are tested apart from the UI.
import { hybridCandidates } from '../../../../shared/hybrid'

export interface Weights {
  /** As typed: a field may be empty while the user edits it. */
  denseWeight: number | string
  keywordWeight: number | string
  rrfK: number | string
}

/** Both rankings count alike, as Chroma's Rrf does by default. */
export const DEFAULT_WEIGHTS: Weights = { denseWeight: 1, keywordWeight: 1, rrfK: 60 }

/** A form's starting weights: without a model only keywords can rank, so the dense weight is 0. */
export const defaultWeights = (hasModel: boolean): Weights =>
  hasModel ? DEFAULT_WEIGHTS : { ...DEFAULT_WEIGHTS, denseWeight: 0 }

/** Where a weight is wrong, in the form's words; or the numbers to send. */
export function checkWeights(
  w: Weights
):
  | { ok: true; value: { denseWeight: number; keywordWeight: number; rrfK: number } }
  | { ok: false; field: 'dense' | 'keyword' | 'k'; error: string } {
  const { denseWeight, keywordWeight, rrfK } = w
  const weight = (v: number | string): v is number => typeof v === 'number' && v >= 0 && v <= 100
  if (!weight(denseWeight)) return { ok: false, field: 'dense', error: '0 to 100' }
  if (!weight(keywordWeight)) return { ok: false, field: 'keyword', error: '0 to 100' }
  if (denseWeight === 0 && keywordWeight === 0)
    return { ok: false, field: 'keyword', error: 'One weight must be above 0' }
  if (typeof rrfK !== 'number' || !Number.isInteger(rrfK) || rrfK < 1 || rrfK > 1000) {
    return { ok: false, field: 'k', error: '1 to 1000' }
  }
  return { ok: true, value: { denseWeight, keywordWeight, rrfK } }
}

const num = (v: number | string): string => (typeof v === 'number' ? String(v) : v === '' ? '?' : v)

/**
 * The fusion as a formula with the user's numbers in it: what "hybrid" means, visibly. Chroma's Rrf
 * counts ranks from 0; places (as the table shows them) count from 1, hence k - 1.
 */
export function fusionFormula(w: Weights, nResults: number | string): string {
  const k = typeof w.rrfK === 'number' ? String(w.rrfK - 1) : '?'
  const n = typeof nResults === 'number' ? String(hybridCandidates(nResults)) : 'the'
  return (
    `score = −(${num(w.denseWeight)} / (${k} + dense place) + ${num(w.keywordWeight)} / (${k} + keyword place)); ` +
    `a record not among a ranking's ${n} candidates takes the place after them`
  )
}
