// Errors thrown by the HTTP client. Class names follow Chroma's JS client; `message` is the server's
// own text (or the 0.3 client API's text for checks made before sending), `status` and `errorName`
// carry the HTTP status and the server's `error` field for callers that branch on them.

export class ChromaError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    /** The `error` field of the server's JSON (e.g. `InvalidArgumentError`, `NotFoundError`). */
    readonly errorName?: string
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** Invalid arguments, caught before anything is sent. */
export class ChromaValueError extends ChromaError {}
/** The server could not be reached. */
export class ChromaConnectionError extends ChromaError {}
/** 400 / 422: the server refused the request's content. */
export class ChromaClientError extends ChromaError {}
/** 401 */
export class ChromaUnauthorizedError extends ChromaError {}
/** 403 */
export class ChromaForbiddenError extends ChromaError {}
/** 404: tenant, database or collection does not exist. */
export class ChromaNotFoundError extends ChromaError {}
/** 409: tenant, database or collection already exists. */
export class ChromaUniqueError extends ChromaError {}
/** 429 */
export class ChromaRateLimitError extends ChromaError {}
/** 5xx and anything else unexpected. */
export class ChromaServerError extends ChromaError {}

/** The error for a non-2xx answer, from its status and `{error, message}` body. */
export function errorFromResponse(status: number, statusText: string, body: unknown): ChromaError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const errorName = typeof b.error === 'string' ? b.error : undefined
  const message =
    typeof b.message === 'string' && b.message !== ''
      ? b.message
      : (errorName ?? (typeof body === 'string' && body !== '' ? body : `${status}: ${statusText}`))
  const Cls =
    status === 400 || status === 422
      ? ChromaClientError
      : status === 401
        ? ChromaUnauthorizedError
        : status === 403
          ? ChromaForbiddenError
          : status === 404
            ? ChromaNotFoundError
            : status === 409
              ? ChromaUniqueError
              : status === 429
                ? ChromaRateLimitError
                : ChromaServerError
  return new Cls(message, status, errorName)
}
