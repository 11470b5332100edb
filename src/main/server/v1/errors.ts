// Error JSON of the v1 API (chroma-http-api.md sections 1 and 7): `{"error": PythonName, "message"}`
// with the status Chroma's Python server used. Python clients raise the class named in `error`; the
// old positional JS clients hand `{error}` back to the caller, so the name must be the Python one.
import { reportUnexpected } from '../../api/errors.js'
import { ChromaError, UnexpectedError } from '../../engine/errors.js'

export class V1Error extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    message: string
  ) {
    super(message)
    this.name = 'V1Error'
  }
}

export interface V1ErrorBody {
  error: string
  message: string
}

const DIMENSION_RE = /^Collection expecting embedding with dimension of (\d+), got (\d+)$/
/** Engine messages put names in brackets (`Collection [x] already exists`); Python did not. */
const BRACKETED_RE = /^(Collection|Tenant|Database) \[(.*?)\]/

export const RESET_DISABLED_MESSAGE =
  'Resetting is not allowed by this configuration (to enable it, set `allow_reset` to `True` in your Settings() ' +
  'or include `ALLOW_RESET=TRUE` in your environment variables)'

export function collectionMissing(nameOrId: string): V1Error {
  return new V1Error(400, 'InvalidCollection', `Collection ${nameOrId} does not exist.`)
}

/** Any thrown value as the v1 status and body. */
export function toV1Error(err: unknown, requestId?: string): { status: number; body: V1ErrorBody } {
  if (err instanceof V1Error) return { status: err.status, body: { error: err.errorName, message: err.message } }
  if (err instanceof ChromaError && !(err instanceof UnexpectedError)) {
    const dim = DIMENSION_RE.exec(err.message)
    if (dim) {
      return {
        status: 400,
        body: {
          error: 'InvalidDimension',
          message: `Embedding dimension ${dim[2]} does not match collection dimensionality ${dim[1]}`
        }
      }
    }
    const message = err.message.replace(BRACKETED_RE, '$1 $2')
    switch (err.httpStatus) {
      case 403: // reset refused by configuration: Python raised a ValueError, reported as 400 later on
        return { status: 400, body: { error: 'InvalidArgumentError', message: RESET_DISABLED_MESSAGE } }
      case 404:
        return { status: 404, body: { error: 'NotFoundError', message } }
      case 409:
        return { status: 409, body: { error: 'UniqueConstraintError', message } }
      case 500:
        return { status: 500, body: { error: 'InternalError', message } }
      default:
        // 400 and the structural 422s: Python >= 0.5.x reports ValueError/TypeError this way.
        return { status: 400, body: { error: 'InvalidArgumentError', message } }
    }
  }
  const fastifyStatus = (err as { statusCode?: unknown } | null)?.statusCode
  const message = err instanceof Error ? err.message : String(err)
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    // Body parsing/size rejections from Fastify.
    const name = fastifyStatus === 413 ? 'BatchSizeExceededError' : 'InvalidArgumentError'
    return { status: fastifyStatus, body: { error: name, message } }
  }
  return { status: 500, body: { error: 'InternalError', message: reportUnexpected(err, 'Chroma API v1', requestId) } }
}
