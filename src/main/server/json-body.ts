// JSON request bodies of Chroma's HTTP API (v2 and v1), read as Chroma's servers read them. Chroma's
// routes extract their body themselves (axum's Json extractor; FastAPI's `await request.json()`), so:
//  - an empty body is no body: the route sees `undefined`, whatever the method and content type
//    (Chroma's own Python HttpClient labels every request `application/json`, body or not);
//  - a body that is not JSON fails only a route that reads its body; a route that takes none (reset,
//    DELETE, GET) ignores whatever was sent.
// Fastify parses before routing to a handler, so a parse failure is kept as an UnparsedBody value and
// thrown by the route when, and only if, it reads the body.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { parseOffThread } from './json-offload.js'

/** A body that did not parse as JSON; `error` is what a route that reads its body answers. */
export class UnparsedBody {
  constructor(readonly error: Error) {}
}

/** serde_json's message for a body that ends before any value: blank input, at its end position. */
export function eofDetail(text = ''): string {
  const lines = text.split('\n')
  return `EOF while parsing a value at line ${lines.length} column ${(lines[lines.length - 1] ?? '').length}`
}

/** What a request body holds: nothing, a JSON value, or a syntax error's detail. */
export type JsonOutcome = { kind: 'none' } | { kind: 'value'; value: unknown } | { kind: 'error'; detail: string }

/** Parses a body (on the request thread or in json-worker.ts: the same rules either way). */
export function parseJson(raw: string | Uint8Array): JsonOutcome {
  // Collected as one Buffer and decoded once: faster for multi-megabyte adds than string chunks.
  const source =
    typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')
  if (source.length === 0) return { kind: 'none' }
  if (source.trim().length === 0) return { kind: 'error', detail: eofDetail(source) }
  try {
    // A "__proto__" key is dropped so it can never become a prototype when copied into another
    // object; the key may also arrive \u-escaped, hence the second test (rare in practice).
    const value: unknown =
      source.includes('__proto__') || source.includes('\\u')
        ? JSON.parse(source, (k, v: unknown) => (k === '__proto__' ? undefined : v))
        : JSON.parse(source)
    return { kind: 'value', value }
  } catch (e) {
    return { kind: 'error', detail: (e as Error).message }
  }
}

/**
 * Registers the JSON body parser in an encapsulated route plugin, for each content type given ('*' =
 * any other, for clients that send none). `parseError` turns the parser's detail into the plugin's
 * error for a malformed body.
 */
export function registerJsonBody(
  app: FastifyInstance,
  contentTypes: string[],
  parseError: (detail: string) => Error
): void {
  const parse = (
    _req: FastifyRequest,
    raw: string | Buffer,
    done: (err: Error | null, body?: unknown) => void
  ): void => {
    const finish = (o: JsonOutcome): void => {
      if (o.kind === 'none') done(null, undefined)
      else if (o.kind === 'error') done(null, new UnparsedBody(parseError(o.detail)))
      else done(null, o.value)
    }
    // A large body (an add of many vectors) is parsed off this thread, so the small requests that
    // arrive meanwhile (queries) are not held up by it (decision 0111).
    const offThread = typeof raw === 'string' ? null : parseOffThread(raw)
    if (offThread === null) finish(parseJson(raw))
    else offThread.then(finish, () => finish(parseJson(raw)))
  }
  for (const type of contentTypes) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer' }, parse)
  }
}
