// where_document $regex / $not_regex. Chroma validates patterns with Rust's `regex` crate; we use
// JS RegExp, which differs in a few places (documented in docs of this module):
//  - Rust's inline flag groups `(?i)`, `(?m)`, `(?s)` are supported here only as a prefix of the
//    whole pattern (mapped to RegExp flags); inline groups elsewhere are rejected by JS.
//  - `\d`, `\w`, `\b` are Unicode-aware in Rust and ASCII-only in JS.
//  - JS accepts look-around and back-references, which Rust rejects (we accept more patterns).
//  - `\A`/`\z` anchors and `(?x)` verbose mode are Rust-only and rejected here.
// Patterns are compiled with the `u` flag (code-point semantics like Rust) when that parses, else without.
import { InvalidFilterError } from '../errors.js'

const cache = new Map<string, RegExp>()
const CACHE_LIMIT = 256

function translate(pattern: string): RegExp {
  let flags = ''
  let body = pattern
  const m = /^\(\?([imsU-]+)\)/.exec(body)
  if (m) {
    const spec = m[1] ?? ''
    if (spec.includes('-') || spec.includes('U')) throw new SyntaxError('unsupported inline flag group')
    for (const f of new Set(spec)) flags += f
    body = body.slice(m[0].length)
  }
  try {
    return new RegExp(body, flags + 'u')
  } catch {
    return new RegExp(body, flags)
  }
}

/** Where a syntax error sits, found by a light scan (escapes and classes skipped), in chars. */
function locateError(pattern: string): { at: number; what: string } | null {
  const chars = [...pattern]
  const open: number[] = []
  let classStart = -1
  // A leading inline flag group such as `(?i)` is read by translate(), not here.
  const flags = /^\(\?[imsU-]+\)/.exec(pattern)
  for (let i = flags ? flags[0].length : 0; i < chars.length; i++) {
    const c = chars[i]
    if (c === '\\') {
      i++
      continue
    }
    if (classStart >= 0) {
      if (c === ']' && i > classStart + 1) classStart = -1
      continue
    }
    if (c === '[') classStart = i
    else if (c === '(') open.push(i)
    else if (c === ')') {
      if (open.length === 0) return { at: i, what: 'unopened group' }
      open.pop()
    } else if (
      (c === '*' || c === '+' || c === '?') &&
      (i === 0 || chars[i - 1] === '|' || (chars[i - 1] === '(' && c !== '?')) // `(?` opens a group form
    ) {
      return { at: i, what: 'repetition operator missing expression' }
    }
  }
  if (classStart >= 0) return { at: classStart, what: 'unclosed character class' }
  const unclosed = open.pop()
  if (unclosed !== undefined) return { at: unclosed, what: 'unclosed group' }
  return null
}

/** What each error the scan finds is, in plain words. */
const PLAIN: Record<string, string> = {
  'unopened group': 'a ")" that closes no group',
  'repetition operator missing expression': 'a repetition (*, + or ?) with nothing before it to repeat',
  'unclosed character class': 'an unclosed character class "["',
  'unclosed group': 'an unclosed group "("'
}

/**
 * Chroma's text in Rust's regex error layout (the pattern, a caret under the error where the scan
 * finds it, the reason), and the same in plain words for the app's UI (positions counted from 1).
 */
function describeSyntaxError(pattern: string, jsMessage: string): { chroma: string; plain: string } {
  const loc = pattern.includes('\n') ? null : locateError(pattern)
  if (loc) {
    return {
      chroma: `regex parse error:\n    ${pattern}\n    ${' '.repeat(loc.at)}^\nerror: ${loc.what}`,
      plain: `The pattern has ${PLAIN[loc.what] ?? loc.what} at position ${loc.at + 1}`
    }
  }
  const reason = jsMessage.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '')
  return {
    chroma: `regex parse error:\n    ${pattern}\nerror: ${reason}`,
    plain: `The pattern is not a valid regular expression: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`
  }
}

/** Compiles (cached) or throws Chroma's 400 "Regex syntax errror" (sic, Chroma's spelling). */
export function compileRegex(pattern: string): RegExp {
  let re = cache.get(pattern)
  if (re) return re
  try {
    re = translate(pattern)
  } catch (e) {
    const { chroma, plain } = describeSyntaxError(pattern, e instanceof Error ? e.message : String(e))
    throw new InvalidFilterError(`Regex syntax errror: ${chroma}`, plain)
  }
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(pattern, re)
  return re
}

/** SQLite scalar function body: 1 if text matches, 0 otherwise (NULL text never matches). */
export function sqliteRegexMatch(pattern: unknown, text: unknown): number {
  if (typeof text !== 'string' || typeof pattern !== 'string') return 0
  return compileRegex(pattern).test(text) ? 1 : 0
}
