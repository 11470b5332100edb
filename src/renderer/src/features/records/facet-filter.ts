// How a click on a facet value changes the records table's `where`: it adds `{key: value}` (replacing
// another value of the same key), and a second click on the same value takes it out again. Other
// conditions stay; several are joined with $and, as Chroma wants one operator per where object.
import type { Filter } from '../../../../shared/contract'

export type FacetValue = string | number | boolean

/** The where's top-level conditions: the parts of an $and, else the where itself. */
function clauses(where: Filter | null): Filter[] {
  if (where === null) return []
  const keys = Object.keys(where)
  if (keys.length === 1 && keys[0] === '$and' && Array.isArray(where.$and)) return where.$and as Filter[]
  if (keys.length > 1) return keys.map((k) => ({ [k]: where[k] }))
  return [where]
}

function join(parts: Filter[]): Filter | null {
  if (parts.length === 0) return null
  return parts.length === 1 ? (parts[0] as Filter) : { $and: parts }
}

/** The condition a facet click adds: equality on the key (a plain value, or {$eq: value}). */
function isFacetClause(c: Filter, key: string): boolean {
  const keys = Object.keys(c)
  if (keys.length !== 1 || keys[0] !== key) return false
  const v = c[key]
  if (typeof v !== 'object' || v === null) return true
  const ops = Object.keys(v)
  return ops.length === 1 && ops[0] === '$eq'
}

function valueOf(c: Filter, key: string): unknown {
  const v = c[key]
  return typeof v === 'object' && v !== null ? (v as { $eq: unknown }).$eq : v
}

/** The value of `key` the where selects by equality, if any (the facet shown as active). */
export function activeFacetValue(where: Filter | null, key: string): FacetValue | undefined {
  const c = clauses(where).find((c) => isFacetClause(c, key))
  return c === undefined ? undefined : (valueOf(c, key) as FacetValue)
}

/** The where after clicking `value` of `key`. */
export function toggleFacet(where: Filter | null, key: string, value: FacetValue): Filter | null {
  const parts = clauses(where)
  const others = parts.filter((c) => !isFacetClause(c, key))
  if (activeFacetValue(where, key) === value) return join(others)
  return join([...others, { [key]: value }])
}
