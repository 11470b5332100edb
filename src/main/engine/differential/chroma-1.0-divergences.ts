// Known places where the Chroma 1.0 server (the oracle of the differential tests) differs from
// /work/shared/reference/chroma-http-api.md, which is the spec (docs/decisions/0006). A step tagged
// with an entry's id is compared against `toReference(Chroma's raw outcome)` instead of the raw
// outcome, and `shows` must still hold for that raw outcome: an entry Chroma stopped showing fails
// the test as stale, so every entry is checked both ways.
import type { Outcome } from './harness.js'
import { DiffError, type Args } from './targets.js'

export interface DivergenceContext {
  /** The request the step sent (for transforms that depend on it, e.g. the delete `limit`). */
  args: Args
  /** The reference answer computed from Chroma's own data, for entries that need one. */
  oracle?: () => Promise<unknown>
}

export interface Divergence<Id extends string = string> {
  id: Id
  description: string
  /** Section of chroma-http-api.md that prescribes the reference answer. */
  reference: string
  /** True while Chroma 1.0's raw outcome still shows this divergence. */
  shows(chroma: Outcome, ctx: DivergenceContext): boolean
  /** Chroma 1.0's raw outcome → the outcome the reference prescribes. */
  toReference(chroma: Outcome, ctx: DivergenceContext): Outcome | Promise<Outcome>
  /**
   * 'prefix': the reference pins only the start of the error message, so ours is compared on status,
   * error name and that prefix; the entry is stale once ours gives Chroma's exact message anyway.
   */
  message?: 'prefix'
}

const REGEX_PREFIX = 'Regex syntax errror: '

const ok = (value: unknown): Outcome => ({ ok: true, value })
const fail = (status: number, name: string, message: string): Outcome => ({
  ok: false,
  error: new DiffError(status, name, message)
})
const isError = (o: Outcome, status: number, name: string): o is { ok: false; error: DiffError } =>
  !o.ok && o.error.status === status && o.error.errorName === name

async function fromOracle(ctx: DivergenceContext): Promise<Outcome> {
  if (!ctx.oracle) throw new Error('this divergence needs an oracle at the step that uses it')
  return ok(await ctx.oracle())
}

function deletedIds(o: Outcome): string[] | null {
  if (!o.ok) return null
  const v = o.value as { deleted?: unknown }
  return Array.isArray(v?.deleted) ? (v.deleted as string[]) : null
}

function limitOf(ctx: DivergenceContext): number {
  if (typeof ctx.args.limit !== 'number') throw new Error('delete-ignores-limit needs the step args with `limit`')
  return ctx.args.limit
}

const isEmptyObject = (m: unknown): boolean =>
  m !== null && typeof m === 'object' && !Array.isArray(m) && Object.keys(m).length === 0

/** Typed ids for the scenarios: `entry` keeps each literal id. */
const entry = <const Id extends string>(d: Divergence<Id>): Divergence<Id> => d

export const CHROMA_1_0_DIVERGENCES = [
  entry({
    id: 'not-found-message-typo',
    description: 'NotFoundError messages read "does not exists"; the reference reads "does not exist"',
    reference: '§2 Collections (404 `Collection [name] does not exist`)',
    shows: (c) => isError(c, 404, 'NotFoundError') && / does not exists$/.test(c.error.message),
    toReference: (c) =>
      c.ok ? c : fail(c.error.status ?? 0, c.error.errorName ?? '', c.error.message.replace(/ exists$/, ' exist'))
  }),
  entry({
    id: 'uri-only-metadata-empty-object',
    description: 'a record whose only metadata is its URI (an internal key) comes back with metadata {}, not null',
    reference: '§2 Records (a record with no metadata, or only internal keys, → null)',
    shows: (c) => c.ok && ((c.value as { metadatas?: unknown[] }).metadatas ?? []).some(isEmptyObject),
    toReference: (c) => {
      if (!c.ok) return c
      const v = c.value as { metadatas?: unknown[] | null }
      return ok({ ...v, metadatas: v.metadatas?.map((m) => (isEmptyObject(m) ? null : m)) ?? null })
    }
  }),
  entry({
    id: 'metadata-contains-unsupported',
    description: '`$contains`/`$not_contains` on a metadata key is rejected with "Invalid where clause"',
    reference: '§4 where ($contains / $not_contains on a metadata key: array contains it, or scalar equals it)',
    shows: (c) => isError(c, 400, 'InvalidArgumentError') && c.error.message === 'Invalid where clause',
    toReference: (_c, ctx) => fromOracle(ctx)
  }),
  entry({
    id: 'metadata-key-hash-dollar-accepted',
    description: "metadata keys starting with '#' or '$' are accepted",
    reference: "§6 Validation rules (metadata keys: `Metadata key cannot start with '#' or '$': k`)",
    shows: (c) => c.ok,
    toReference: (_c, ctx) => {
      const metadatas = (ctx.args.metadatas ?? []) as (Record<string, unknown> | null)[]
      const key = metadatas.flatMap((m) => Object.keys(m ?? {})).find((k) => k.startsWith('#') || k.startsWith('$'))
      if (key === undefined) throw new Error('metadata-key-hash-dollar-accepted: the step args have no such key')
      return fail(400, 'InvalidArgumentError', `Metadata key cannot start with '#' or '$': ${key}`)
    }
  }),
  entry({
    id: 'where-top-level-dollar-key-accepted',
    description: 'a top-level `$`-key other than $and/$or with a scalar is taken as a metadata key',
    reference: '§4 where (any other top-level `$`-key → 400 `Invalid where clause`)',
    shows: (c) => c.ok,
    toReference: () => fail(400, 'InvalidArgumentError', 'Invalid where clause')
  }),
  entry({
    id: 'document-contains-like-wildcards',
    description: '`%` and `_` in a where_document `$contains` act as SQL LIKE wildcards instead of literals',
    reference: '§4 where_document ($contains: substring; `%`/`_`/`\\` escaped)',
    shows: (c, ctx) => {
      const operand = (ctx.args.whereDocument as { $contains?: unknown } | undefined)?.$contains
      if (!c.ok || typeof operand !== 'string') return false
      const docs = (c.value as { documents?: (string | null)[] }).documents ?? []
      return docs.some((d) => d === null || !d.includes(operand))
    },
    toReference: (_c, ctx) => fromOracle(ctx)
  }),
  entry({
    id: 'delete-ignores-limit',
    description: 'delete with a where clause and `limit` deletes every match (limit ignored, `limit: 0` too)',
    reference: '§3 Record semantics (delete: `limit` caps the count, first matches in insertion order)',
    shows: (c, ctx) => (deletedIds(c)?.length ?? 0) > limitOf(ctx),
    toReference: (c, ctx) => {
      const ids = deletedIds(c)
      return ids ? ok({ deleted: ids.slice(0, limitOf(ctx)) }) : c
    }
  }),
  entry({
    id: 'delete-limit-without-where-accepted',
    description: 'delete with `limit` but no where clause is accepted',
    reference: '§3 Record semantics (400 `limit can only be specified when a where clause is provided`)',
    shows: (c) => c.ok,
    toReference: () => fail(400, 'InvalidArgumentError', 'limit can only be specified when a where clause is provided')
  }),
  entry({
    id: 'regex-error-wording',
    description:
      'not a Chroma bug: our engine compiles $regex with JS RegExp (src/main/engine/filters/regex.ts) and ' +
      "words syntax errors it cannot map to the Rust regex crate's layout in JS terms",
    reference: '§4 where_document ($regex: invalid → 400 `Regex syntax errror: …`, only the prefix is specified)',
    message: 'prefix',
    shows: (c) =>
      isError(c, 400, 'InvalidArgumentError') && c.error.message.startsWith(REGEX_PREFIX + 'regex parse error:'),
    toReference: (c) => (c.ok ? c : fail(c.error.status ?? 0, c.error.errorName ?? '', REGEX_PREFIX))
  })
]

export type DivergenceId = (typeof CHROMA_1_0_DIVERGENCES)[number]['id']

export function divergence(id: string): Divergence {
  const found = CHROMA_1_0_DIVERGENCES.find((d) => d.id === id)
  if (!found) throw new Error(`unknown Chroma 1.0 divergence id: ${id}`)
  return found
}
