// JSON request bodies of Chroma's HTTP API (v2 and v1), read as Chroma's servers read them. Chroma's
// routes extract their body themselves (axum's Json extractor; FastAPI's `await request.json()`), so:
//  - an empty body is no body: the route sees `undefined`, whatever the method and content type
//    (Chroma's own Python HttpClient labels every request `application/json`, body or not);
//  - a body that is not JSON fails only a route that reads its body; a route that takes none (reset,
//    DELETE, GET) ignores whatever was sent.
// Fastify parses before routing to a handler, so a parse failure is kept as an UnparsedBody value and
// thrown by the route when, and only if, it reads the body.
import type { FastifyInstance, FastifyRequest } from 'fastify'

/** A body that did not parse as JSON; `error` is what a route that reads its body answers. */
export class UnparsedBody {
  constructor(readonly error: Error) {}
}

/** serde_json's message for a body that ends before any value: blank input, at its end position. */
export function eofDetail(text = ''): string {
  const lines = text.split('\n')
  return `EOF while parsing a value at line ${lines.length} column ${(lines[lines.length - 1] ?? '').length}`
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
    // Collected as one Buffer and decoded once: faster for multi-megabyte adds than string chunks.
    const source = raw.toString('utf8')
    if (source.length === 0) return done(null, undefined)
    if (source.trim().length === 0) return done(null, new UnparsedBody(parseError(eofDetail(source))))
    try {
      // A "__proto__" key is dropped so it can never become a prototype when copied into another
      // object; the key may also arrive \u-escaped, hence the second test (rare in practice).
      const parsed: unknown =
        source.includes('__proto__') || source.includes('\\u')
          ? JSON.parse(source, (k, v: unknown) => (k === '__proto__' ? undefined : v))
          : JSON.parse(source)
      done(null, parsed)
    } catch (e) {
      done(null, new UnparsedBody(parseError((e as Error).message)))
    }
  }
  for (const type of contentTypes) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer' }, parse)
  }
}
