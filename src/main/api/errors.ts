// How any failure is described to a caller, in one place for IPC, the app's HTTP routes and Chroma's
// API. An error that declares its `httpStatus` was written for the caller and keeps its message; any
// other failure (SQLite, I/O, a bug) is unexpected: the caller gets a generic message with a request
// id, and the detail goes to the log under that id.
import { randomUUID } from 'node:crypto'
import {
  ChromaClientError,
  ChromaConnectionError,
  ChromaForbiddenError,
  ChromaNotFoundError,
  ChromaQuotaExceededError,
  ChromaServerError,
  ChromaUnauthorizedError,
  ChromaUniqueError,
  ChromaValueError,
  InvalidArgumentError,
  InvalidCollectionError
} from 'chromadb'
import { InvalidFilterError, UnexpectedError } from '../engine/index.js'
import { MODEL_MANAGER_HINT } from '../../shared/model-manager.js'

export interface DescribedError {
  status: number
  name: string
  message: string
}

/** Statuses of the official `chromadb` client's errors, raised by remote connections. */
const REMOTE_CLIENT_ERRORS: [new (...args: never[]) => Error, number][] = [
  [ChromaValueError, 400],
  [ChromaClientError, 400],
  [InvalidArgumentError, 400],
  [InvalidCollectionError, 400],
  [ChromaUnauthorizedError, 401],
  [ChromaForbiddenError, 403],
  [ChromaNotFoundError, 404],
  [ChromaUniqueError, 409],
  [ChromaQuotaExceededError, 429],
  [ChromaServerError, 502],
  [ChromaConnectionError, 502]
]

/** The status an error declares, or undefined for an unexpected one. */
export function declaredStatus(err: unknown): number | undefined {
  if (!(err instanceof Error) || err instanceof UnexpectedError) return undefined
  const own = (err as { httpStatus?: unknown }).httpStatus
  if (typeof own === 'number') return own
  const remote = REMOTE_CLIENT_ERRORS.find(([type]) => err instanceof type)
  if (remote !== undefined) return remote[1]
  // Fastify's own client errors (body too large, bad content type, malformed JSON).
  const fastify = (err as { statusCode?: unknown }).statusCode
  if (typeof fastify === 'number' && fastify >= 400 && fastify < 500) return fastify
  return undefined
}

/** Logs an unexpected failure and returns the message a caller may see. */
export function reportUnexpected(err: unknown, context: string, requestId: string = randomUUID()): string {
  console.error(`[${requestId}] ${context}:`, err)
  return `Internal error (request ${requestId}); the server's log has the details`
}

/**
 * A caller's view of any failure. `reveal` keeps an unexpected failure's own message (still logged):
 * for the desktop window over IPC, which is the app itself and whose user has no server log to read.
 */
export function describeError(err: unknown, context: string, requestId?: string, reveal = false): DescribedError {
  const status = declaredStatus(err)
  if (status !== undefined) {
    const e = err as Error
    // The app's user fixes a missing model in the model manager (docs/models.md).
    const hint = e.name === 'EmbeddingModelUnavailableError' ? MODEL_MANAGER_HINT : ''
    return { status, name: e.name || 'Error', message: e.message + hint }
  }
  const generic = reportUnexpected(err, context, requestId)
  const detail = err instanceof UnexpectedError && err.cause !== undefined ? err.cause : err
  return {
    status: 500,
    name: 'InternalError',
    message: reveal ? (detail instanceof Error ? detail.message : String(detail)) : generic
  }
}

/**
 * A failure as the app's own UI sees it (dispatch): as describeError, but a refused filter says why in
 * plain words; Chroma's API and clients keep Chroma's text ("Invalid where clause").
 */
export function describeForApp(err: unknown, context: string, requestId?: string, reveal = false): DescribedError {
  const described = describeError(err, context, requestId, reveal)
  return err instanceof InvalidFilterError ? { ...described, message: err.reason } : described
}
