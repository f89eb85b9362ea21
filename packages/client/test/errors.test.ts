import { describe, expect, it } from 'vitest'
import { PortcullisError, codeForStatus, parseRetryAfter } from '../src/errors.ts'

describe('errors', () => {
  it('maps HTTP statuses to typed codes', () => {
    expect(codeForStatus(401)).toBe('unauthorized')
    expect(codeForStatus(403)).toBe('forbidden')
    expect(codeForStatus(429)).toBe('rate_limited')
    expect(codeForStatus(503)).toBe('unavailable')
    expect(codeForStatus(404)).toBe('bad_request')
    expect(codeForStatus(500)).toBe('server_error')
  })

  it('parses Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter('0.5')).toBe(500)
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000)
  })

  it('is an Error with its code, source and retry hint', () => {
    const error = new PortcullisError('rate_limited', 'slow down', {
      source: 'http',
      status: 429,
      retryAfterMs: 1000,
    })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('PortcullisError')
    expect([error.code, error.source, error.status, error.retryAfterMs]).toEqual([
      'rate_limited',
      'http',
      429,
      1000,
    ])
  })
})
