// Who may call what on the local server. Every route is put on a surface when it is registered, and a
// request's permission is decided by the surface of the route the router actually matched, never by
// reading the raw URL (docs/decisions/0023, 0024).
import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { APP_KEY_ERROR, APP_KEY_HEADER } from '../../shared/constants.js'

/**
 * - `public`: Chroma's probes, open as Chroma leaves them open (heartbeat, version, pre-flight checks).
 * - `chroma`: the rest of Chroma's API; the Chroma token when the server has one.
 * - `app`: the app's contract, events and downloads (browser mode only); the app key of this run.
 * - `ui`: the built web UI's files; open, same-origin only.
 * - `preflight`: CORS pre-flight requests, answered without credentials as browsers send none.
 */
export type Surface = 'public' | 'chroma' | 'app' | 'ui' | 'preflight'

declare module 'fastify' {
  interface FastifyContextConfig {
    surface?: Surface
  }
}

export interface SecurityOptions {
  /** Address the server binds to. */
  host: string
  /** Port asked for; the guard uses the port the connection actually reached (so `--port 0` works). */
  port: number
  /** The Chroma token (`Authorization: Bearer <t>` or `X-Chroma-Token: <t>`); undefined = Chroma's API is open. */
  token?: string
  /** The app key of this run (browser mode); undefined = no app surface. */
  appKey?: string
  /** Origins allowed to call Chroma's API cross-origin (exact match, e.g. `http://localhost:3000`). */
  allowedOrigins: string[]
}

/** Shortest Chroma token accepted: a guessable token on an open port is no protection. */
export const MIN_TOKEN_LENGTH = 16

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** Chroma leaves these open when auth is on, so clients can probe a server before authenticating. */
const PUBLIC_ROUTES = new Set(
  ['/api/v2', '/api/v1'].flatMap((v) => [v, `${v}/heartbeat`, `${v}/version`, `${v}/pre-flight-checks`])
)

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host)
}

/** Host header values accepted when bound to loopback: anything else is a DNS-rebinding attempt. */
export function allowedHostHeaders(port: number): Set<string> {
  const names = LOOPBACK_NAMES.map((name) => `${name}:${port}`)
  // Browsers and clients leave the port out of Host when it is the scheme's default.
  return new Set(port === 80 ? [...names, ...LOOPBACK_NAMES] : names)
}

/**
 * The surface of a route, from its registered pattern and method. Routes outside Chroma's API that
 * do not name a surface are the app's: whatever is added later needs a credential unless it says otherwise.
 */
export function surfaceOf(route: Pick<RouteOptions, 'url' | 'method'>): Surface {
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  if (methods.every((m) => m === 'OPTIONS')) return 'preflight'
  const url = route.url ?? ''
  if (url === '/api' || url.startsWith('/api/')) {
    // v1 registers each route with and without a trailing slash: both are the same route.
    const open = PUBLIC_ROUTES.has(url) || PUBLIC_ROUTES.has(url.replace(/\/$/, ''))
    return methods.every((m) => m === 'GET' || m === 'HEAD') && open ? 'public' : 'chroma'
  }
  return 'app'
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function tokenFromHeaders(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim()
  const chroma = req.headers['x-chroma-token']
  return typeof chroma === 'string' ? chroma : undefined
}

function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error, message })
}

/** Checks the options a server is created with; throws with a message for the operator. */
export function checkSecurityOptions(opts: SecurityOptions): void {
  if (!isLoopback(opts.host) && !opts.token) {
    throw new Error(`Binding to ${opts.host} exposes the database beyond this machine: a token is required (--token).`)
  }
  if (opts.token !== undefined && opts.token.length < MIN_TOKEN_LENGTH) {
    throw new Error(
      `The token must have at least ${MIN_TOKEN_LENGTH} characters (for example the output of \`openssl rand -hex 24\`).`
    )
  }
}

/**
 * One onRequest guard for every request: Host (DNS rebinding), Origin (cross-site requests), body
 * content type (form-post CSRF), then the credential the matched route's surface needs. Runs before
 * body parsing, so a refused request writes nothing.
 */
export function createGuard(opts: SecurityOptions) {
  const loopback = isLoopback(opts.host)
  const hostsByPort = new Map<number, Set<string>>()
  const hostsFor = (port: number): Set<string> => {
    let hosts = hostsByPort.get(port)
    if (!hosts) hostsByPort.set(port, (hosts = allowedHostHeaders(port)))
    return hosts
  }
  const allowedOrigins = new Set(opts.allowedOrigins)
  return async function guard(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const host = req.headers.host ?? ''
    if (loopback && !hostsFor(req.socket.localPort ?? opts.port).has(host.toLowerCase())) {
      return refuse(reply, 403, 'ChromaError', `Host header not allowed: ${host}`)
    }
    // Undefined for a request no route matched: it can only be answered 404.
    const surface = req.routeOptions.config.surface
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `http://${host}`) {
      const crossOriginAllowed = surface !== 'app' && surface !== 'ui' && allowedOrigins.has(origin)
      if (!crossOriginAllowed) return refuse(reply, 403, 'ChromaError', `Origin not allowed: ${origin}`)
    }
    if (hasBody(req)) {
      // As Chroma does, an unlabelled body is JSON (older Python clients send none). Browsers label
      // every form post, and cross-origin requests were refused above.
      if (req.headers['content-type'] === undefined) req.headers['content-type'] = 'application/json'
      const type = req.headers['content-type'].split(';')[0]?.trim().toLowerCase()
      if (type !== 'application/json') {
        return refuse(reply, 415, 'InvalidArgumentError', 'Request bodies must be sent as application/json')
      }
    }
    if (surface === 'chroma' && opts.token !== undefined) {
      const given = tokenFromHeaders(req)
      if (given === undefined) return refuse(reply, 401, 'AuthorizationError', 'Missing token')
      if (!sameSecret(given, opts.token)) return refuse(reply, 403, 'AuthError', 'Forbidden')
    }
    if (surface === 'app') {
      const given = req.headers[APP_KEY_HEADER]
      if (opts.appKey === undefined) return refuse(reply, 404, 'NotFoundError', 'Not found')
      // One error name for both refusals, so the UI can tell them from any other 401 or 403.
      if (typeof given !== 'string') {
        return refuse(
          reply,
          401,
          APP_KEY_ERROR,
          "Missing app key: open the UI from the link the server printed at start (it carries this run's key)"
        )
      }
      if (!sameSecret(given, opts.appKey)) {
        return refuse(reply, 403, APP_KEY_ERROR, 'This is not the app key of this server run')
      }
    }
    return undefined
  }
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}
