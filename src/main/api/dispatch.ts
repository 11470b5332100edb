import { contract, isChannel, type CallOutput, type CallResult, type Channel } from '../../shared/contract.js'
import { describeForApp } from './errors.js'

/** The main side's implementation of every contract call. */
export type Handlers = {
  [C in Channel]: (input: ReturnType<(typeof contract)[C]['input']['parse']>) => Promise<CallOutput<C>>
}

export interface DispatchOptions {
  /** Names an unexpected failure in the log and in the generic message the caller gets. */
  requestId?: string
  /** The desktop window (IPC) sees an unexpected failure's own message; HTTP callers never do. */
  revealUnexpected?: boolean
}

/**
 * Validates a raw call against the contract and runs its handler. Both adapters (IPC and HTTP) come
 * through here, so validation and error shaping live in one place.
 */
/** A failed input check as one line: each issue's path and message. */
export function issuesText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`).join('; ')
}

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  rawInput: unknown,
  opts: DispatchOptions = {}
): Promise<CallResult<unknown>> {
  if (!isChannel(channel)) {
    return { ok: false, error: { name: 'NotFoundError', message: `Unknown call: ${String(channel)}`, status: 404 } }
  }
  const parsed = contract[channel].input.safeParse(rawInput ?? {})
  if (!parsed.success) {
    const detail = issuesText(parsed.error.issues)
    return {
      ok: false,
      error: { name: 'InvalidArgumentError', message: `Invalid input for ${channel}: ${detail}`, status: 400 }
    }
  }
  try {
    const handler = handlers[channel] as (input: unknown) => Promise<unknown>
    return { ok: true, value: await handler(parsed.data) }
  } catch (err) {
    return { ok: false, error: describeForApp(err, channel, opts.requestId, opts.revealUnexpected) }
  }
}
