// Errors of the embedding layer. They cross the worker boundary as plain objects (see toWireError).

/** The model cannot be loaded: not cached and not downloadable, or a local folder is incomplete. */
export class EmbeddingModelUnavailableError extends Error {
  override readonly name = 'EmbeddingModelUnavailableError'
  /** The message says how to make the model available. */
  readonly httpStatus = 503
  constructor(
    readonly model: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/**
 * The model was named by a collection's configuration (stored, from a Chroma server, from an imported
 * file) but not allowed by the one who runs the engine: it is neither loaded nor downloaded. Thrown
 * on the calling thread before anything is looked up, so it never crosses the worker boundary.
 */
export class EmbeddingModelNotAllowedError extends Error {
  override readonly name = 'EmbeddingModelNotAllowedError'
  /** Refused by the operator's policy; the message says how to allow the model. */
  readonly httpStatus = 403
  constructor(
    readonly model: string,
    message: string
  ) {
    super(message)
  }
}

/** The model files were found but loading or running them failed. */
export class EmbeddingModelError extends Error {
  override readonly name = 'EmbeddingModelError'
  /** The message names the model and what failed in it. */
  readonly httpStatus = 500
  constructor(
    readonly model: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

export interface WireError {
  name: string
  message: string
  model?: string
  stack?: string
}

export function toWireError(error: unknown): WireError {
  if (error instanceof EmbeddingModelUnavailableError || error instanceof EmbeddingModelError) {
    return { name: error.name, message: error.message, model: error.model, stack: error.stack }
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack }
  return { name: 'Error', message: String(error) }
}

export function fromWireError(wire: WireError): Error {
  let error: Error
  if (wire.name === 'EmbeddingModelUnavailableError') {
    error = new EmbeddingModelUnavailableError(wire.model ?? '', wire.message)
  } else if (wire.name === 'EmbeddingModelError') {
    error = new EmbeddingModelError(wire.model ?? '', wire.message)
  } else if (wire.name === 'AbortError') {
    error = new DOMException(wire.message, 'AbortError')
  } else {
    error = new Error(wire.message)
    error.name = wire.name
  }
  if (wire.stack !== undefined && !(error instanceof DOMException)) error.stack = wire.stack
  return error
}
