import { describe, expect, it } from 'vitest'
import { PortcullisError } from '../src/errors.ts'
import { stepAfterClose, stepAfterFailure, type PolicyInput } from '../src/reconnect-policy.ts'

const input: PolicyInput = {
  failures: 2,
  backoff: { baseMs: 100, maxMs: 10_000 },
  rateLimitedDelayMs: 10_000,
  random: () => 0.5,
}
// window at failures=2: 100 × 2² = 400 ms; random 0.5 → 200 ms

describe('stepAfterClose: the protocol table decides', () => {
  it.each([
    [1001, { kind: 'retry', delayMs: 200 }],
    [1012, { kind: 'retry', delayMs: 200 }],
    [1013, { kind: 'retry', delayMs: 200 }],
    [1006, { kind: 'retry', delayMs: 200 }],
    [1011, { kind: 'retry', delayMs: 200 }],
    [4429, { kind: 'retry', delayMs: 10_200, required: true }],
    [4401, { kind: 'refresh_then_retry', delayMs: 200 }],
    [4408, { kind: 'stop', state: 'closed' }],
    [4400, { kind: 'stop', state: 'closed' }],
    [1003, { kind: 'stop', state: 'closed' }],
    [1009, { kind: 'stop', state: 'closed' }],
  ])('close %i → %o', (code, step) => {
    expect(stepAfterClose(code, input)).toEqual(step)
  })
})

const error = (
  code: ConstructorParameters<typeof PortcullisError>[0],
  source: 'http' | 'socket',
  retryAfterMs?: number,
) => new PortcullisError(code, 'x', { source, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })

describe('stepAfterFailure: typed errors from the ticket call or the upgrade', () => {
  it('stops for a disallowed origin or a bad request, and when logged out', () => {
    expect(stepAfterFailure(error('forbidden', 'http'), input)).toEqual({ kind: 'stop', state: 'closed' })
    expect(stepAfterFailure(error('bad_request', 'http'), input)).toEqual({ kind: 'stop', state: 'closed' })
    expect(stepAfterFailure(error('logged_out', 'http'), input)).toEqual({ kind: 'stop', state: 'idle' })
  })

  it('waits at least Retry-After on 429 and 503', () => {
    // `required`: the server asked for the wait, so the browser's `online` event does not cut it short.
    expect(stepAfterFailure(error('rate_limited', 'http', 3000), input)).toEqual({
      kind: 'retry',
      delayMs: 3000,
      required: true,
    })
    expect(stepAfterFailure(error('unavailable', 'http', 50), input)).toEqual({
      kind: 'retry',
      delayMs: 200,
      required: true,
    })
  })

  it('refreshes when the upgrade refused the bearer token, retries on network errors', () => {
    expect(stepAfterFailure(error('unauthorized', 'socket'), input)).toEqual({
      kind: 'refresh_then_retry',
      delayMs: 200,
    })
    expect(stepAfterFailure(error('network', 'http'), input)).toEqual({ kind: 'retry', delayMs: 200 })
  })
})
