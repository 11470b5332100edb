export { parseSearches, parseSearchPayload, parseRank, KNN_DEFAULT_LIMIT } from './plan.js'
export type { SearchPlan, RankNode, GroupByPlan } from './plan.js'
export { runSearches, evaluate } from './run.js'
export type { SearchResponse, SearchSource } from './run.js'
