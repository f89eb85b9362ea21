import { describe, expect, test } from 'vitest'
import {
  bearerToken,
  TOKEN_FAILURES,
  TokenRefusedError,
  tokenFailureOf,
  wireError,
  type TokenFailure,
} from '../src/index.ts'

describe('wireError: the one mapping of failures to the wire', () => {
  test('expired → 401 token_expired, missing → 401 missing_credentials, keys → 503, the rest → 401 invalid_token', () => {
    const table = Object.fromEntries(TOKEN_FAILURES.map((f) => [f, wireError(f)]))
    expect(table).toEqual({
      missing: { status: 401, error: 'missing_credentials' },
      malformed: { status: 401, error: 'invalid_token' },
      algorithm: { status: 401, error: 'invalid_token' },
      crit: { status: 401, error: 'invalid_token' },
      unknown_kid: { status: 401, error: 'invalid_token' },
      signature: { status: 401, error: 'invalid_token' },
      issuer: { status: 401, error: 'invalid_token' },
      audience: { status: 401, error: 'invalid_token' },
      claims: { status: 401, error: 'invalid_token' },
      expired: { status: 401, error: 'token_expired' },
      not_yet_valid: { status: 401, error: 'invalid_token' },
      nonce: { status: 401, error: 'invalid_token' },
      token_type: { status: 401, error: 'invalid_token' },
      untrusted: { status: 401, error: 'invalid_token' },
      keys_unavailable: { status: 503, error: 'unavailable', retryAfterS: 2 },
    })
  })
})

describe('TokenRefusedError and tokenFailureOf', () => {
  test('a refusal carries its failure and status, and a public message only', () => {
    for (const failure of TOKEN_FAILURES) {
      const err = new TokenRefusedError(failure)
      expect(err).toMatchObject({
        failure,
        statusCode: wireError(failure).status,
        code: 'TOKENS_ERR_REFUSED',
      })
      expect(tokenFailureOf(err)).toBe(failure)
    }
    expect(new TokenRefusedError('signature').message).toBe('invalid token')
    expect(new TokenRefusedError('expired').message).toBe('token expired')
    expect(new TokenRefusedError('keys_unavailable').message).toMatch(/retry shortly/)
  })

  test('maps the errors fast-jwt and @fastify/jwt throw; anything else is not a token failure', () => {
    const cases: Array<[string, TokenFailure]> = [
      ['FST_JWT_NO_AUTHORIZATION_IN_HEADER', 'missing'],
      ['FST_JWT_AUTHORIZATION_TOKEN_EXPIRED', 'expired'],
      ['FST_JWT_AUTHORIZATION_TOKEN_INVALID', 'signature'],
      ['FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED', 'untrusted'],
      ['FAST_JWT_MISSING_SIGNATURE', 'signature'],
      ['FAST_JWT_INVALID_ALGORITHM', 'algorithm'],
      ['FAST_JWT_INVALID_CRIT_HEADER', 'crit'],
      ['FAST_JWT_MISSING_REQUIRED_CLAIM', 'claims'],
    ]
    for (const [code, failure] of cases)
      expect(tokenFailureOf(Object.assign(new Error('x'), { code }))).toBe(failure)
    expect(
      tokenFailureOf(Object.assign(new Error('down'), { code: 'API_ERR_STORE_UNAVAILABLE' })),
    ).toBeUndefined()
    expect(tokenFailureOf(new Error('plain'))).toBeUndefined()
    expect(tokenFailureOf(null)).toBeUndefined()
    expect(tokenFailureOf('FAST_JWT_EXPIRED')).toBeUndefined()
  })
})

describe('bearerToken', () => {
  test.each([
    [undefined, undefined],
    ['', undefined],
    ['Basic YWxpY2U6cHc=', undefined],
    ['Bearerx abc', undefined],
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['Bearer', ''],
    ['Bearer a b', 'a b'],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token)
  })
})
