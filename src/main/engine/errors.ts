// Chroma-compatible error classes. `name` is the class name Chroma uses (Python/JS clients map on it);
// `chromaName` is what the Rust v2 server puts in the JSON `error` field (every status other than
// 400/404/500 is reported as "ChromaError" there); `httpStatus` is the status Chroma answers with.

export abstract class ChromaError extends Error {
  abstract readonly httpStatus: number
  /** v2 JSON `error` field. */
  get chromaName(): string {
    return 'ChromaError'
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** 400: bad input (validation, filters, dimensions). */
export class InvalidArgumentError extends ChromaError {
  readonly httpStatus = 400
  override get chromaName(): string {
    return 'InvalidArgumentError'
  }
}

/**
 * 400 for a `where` / `where_document` that cannot be read. The message is Chroma's own text, which its
 * API and clients expect; `reason` says what is wrong in plain words for the app's UI (api/dispatch.ts
 * shows it there), and `key` names the metadata key it concerns, if one.
 */
export class InvalidFilterError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly reason: string,
    readonly key?: string
  ) {
    super(message)
    this.name = 'InvalidArgumentError'
  }
}

/** 404: tenant, database or collection does not exist. */
export class NotFoundError extends ChromaError {
  readonly httpStatus = 404
  override get chromaName(): string {
    return 'NotFoundError'
  }
}

/** 409: tenant, database or collection already exists (v2 JSON name is "ChromaError"). */
export class UniqueConstraintError extends ChromaError {
  readonly httpStatus = 409
}

/** 403: operation forbidden by configuration (reset). */
export class ForbiddenError extends ChromaError {
  readonly httpStatus = 403
}

/** 422: structurally wrong request (Rust rejects these during deserialisation). */
export class UnprocessableEntityError extends ChromaError {
  readonly httpStatus = 422
}

/**
 * 429: a resource is exhausted for now, here the vector index's backlog (decision 0050); nothing was
 * written and the same call can succeed later. Chroma answers its ResourceExhausted errors (e.g. a
 * log that must be compacted first) with 429; the v2 JSON `error` is "ChromaError".
 */
export class ResourceExhaustedError extends ChromaError {
  readonly httpStatus = 429
}

/** 500: internal failure (also what Rust reports for query `ids` that do not exist). */
export class InternalError extends ChromaError {
  readonly httpStatus = 500
  override get chromaName(): string {
    return 'InternalError'
  }
}

/**
 * 500 wrapping a failure nobody anticipated (SQLite, I/O). The detail (which may name files) is only
 * in `cause`, so code that passes a message along cannot leak it; the edges log it (api/errors.ts).
 */
export class UnexpectedError extends InternalError {
  constructor(cause: unknown) {
    super('Unexpected failure in the database (its cause has the detail)', { cause })
  }
}

/** 501: feature Chroma's local server does not implement either. */
export class UnimplementedError extends ChromaError {
  readonly httpStatus = 501
}

export function isChromaError(e: unknown): e is ChromaError {
  return e instanceof ChromaError
}
