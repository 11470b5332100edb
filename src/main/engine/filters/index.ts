export { parseWhere, parseWhereDocument, compileFilter, VType, FTS_MIN_CHARS } from './where.js'
export type { FilterNode, SqlFragment, Scalar, MetaOp, DocOp } from './where.js'
export { compileRegex, sqliteRegexMatch } from './regex.js'
