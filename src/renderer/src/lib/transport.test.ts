import { describe, expect, it } from 'vitest'
import { CallFailed, retryUnlessRefused } from './transport'

describe('retryUnlessRefused', () => {
  it('never retries a call main refused (4xx): its answer will not change', () => {
    expect(retryUnlessRefused(0, new CallFailed('InvalidArgumentError', 'Unknown operator $x', 400))).toBe(false)
    expect(retryUnlessRefused(0, new CallFailed('NotFoundError', 'no such collection', 404))).toBe(false)
  })

  it('retries a 429 once: the engine is busy (compacting, loading an index) and says "Retry shortly"', () => {
    const busy = new CallFailed('ResourceExhaustedError', 'The database is being compacted; ... Retry shortly.', 429)
    expect(retryUnlessRefused(0, busy)).toBe(true)
    expect(retryUnlessRefused(1, busy)).toBe(false)
  })

  it('retries other failures once: a 5xx, a call that did not reach main, any other error', () => {
    for (const error of [
      new CallFailed('InternalError', 'boom', 500),
      new CallFailed('ConnectionError', 'Cannot reach the Chromadesk server'),
      new Error('network')
    ]) {
      expect(retryUnlessRefused(0, error)).toBe(true)
      expect(retryUnlessRefused(1, error)).toBe(false)
    }
  })
})
