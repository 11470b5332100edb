import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

export interface SecurityOptions {
  /** Address the server binds to. */
  host: string
  port: number
  /** Required token (`Authorization: Bearer <t>` or `X-Chroma-Token: <t>`); undefined = no auth. */
  token?: string
  /** Origins allowed to call the API cross-origin (exact match, e.g. `http://localhost:3000`). */
  allowedOrigins: string[]
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
/** Chroma leaves these open when auth is on, so clients can probe a server before authenticating. */
const UNAUTHENTICATED = new Set([
  '/api/v2',
  '/api/v2/heartbeat',
  '/api/v2/version',
  '/api/v1',
  '/api/v1/heartbeat',
  '/api/v1/version'
])

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host)
}

/** Host header values accepted when bound to loopback: anything else is a DNS-rebinding attempt. */
export function allowedHostHeaders(port: number): Set<string> {
  return new Set(LOOPBACK_NAMES.map((name) => `${name}:${port}`))
}

function sameToken(given: string, expected: string): boolean {
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

/**
 * One onRequest guard for every route: Host (DNS rebinding), Origin (cross-site requests), body
 * content type (form-post CSRF) and token. Runs before body parsing, so a refused request writes nothing.
 */
export function createGuard(opts: SecurityOptions) {
  const hosts = isLoopback(opts.host) ? allowedHostHeaders(opts.port) : null
  const allowedOrigins = new Set(opts.allowedOrigins)
  return async function guard(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const host = req.headers.host ?? ''
    if (hosts && !hosts.has(host.toLowerCase())) {
      return refuse(reply, 403, 'ChromaError', `Host header not allowed: ${host}`)
    }
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `http://${host}` && !allowedOrigins.has(origin)) {
      return refuse(reply, 403, 'ChromaError', `Origin not allowed: ${origin}`)
    }
    const path = req.url.split('?')[0] ?? ''
    const isApi = path.startsWith('/api/') || path === '/api' || path.startsWith('/app/')
    if (isApi && ['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody(req)) {
      // As Chroma does, an unlabelled body is JSON (older Python clients send none). Browsers label
      // every form post, and cross-origin requests were refused above.
      if (req.headers['content-type'] === undefined) req.headers['content-type'] = 'application/json'
      const type = req.headers['content-type'].split(';')[0]?.trim().toLowerCase()
      if (type !== 'application/json') {
        return refuse(reply, 415, 'InvalidArgumentError', 'Request bodies must be sent as application/json')
      }
    }
    if (opts.token && isApi && !UNAUTHENTICATED.has(path)) {
      const given = tokenFromHeaders(req)
      if (given === undefined) return refuse(reply, 401, 'AuthorizationError', 'Missing token')
      if (!sameToken(given, opts.token)) return refuse(reply, 403, 'AuthError', 'Forbidden')
    }
    return undefined
  }
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}
