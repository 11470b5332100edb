// The app's hybrid query (records.hybrid, decision 0098): one rule for the main side, which runs it,
// and the query panel, which shows it as a formula.

/** Candidates each ranking offers; a record missing from a ranking counts as ranked just after them. */
export function hybridCandidates(nResults: number): number {
  return Math.min(1000, Math.max(100, nResults * 5))
}
