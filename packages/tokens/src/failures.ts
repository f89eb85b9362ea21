/**
 * Why a credential was refused. A closed list: logs and security events carry it; clients only ever see the wire
 * code `wireError` maps it to, never the finer reason.
 */
export const TOKEN_FAILURES = [
  /** No credential at all. */
  'missing',
  /** Not a compact JWS (shape, length, base64url, JSON objects). */
  'malformed',
  /** `alg` is not ES256/EdDSA (`none`, HMAC, RSA …) or differs from the key's own algorithm. */
  'algorithm',
  /** The header carries `crit`: no extension is understood, so RFC 7515 §4.1.11 requires refusal. */
  'crit',
  /** No `kid`, or one the key source does not hold (after the refetch it allows). */
  'unknown_kid',
  /** The signature does not verify with the key of that `kid`. */
  'signature',
  /** `iss` is not the configured issuer. */
  'issuer',
  /** `aud` is not (or does not contain) the configured audience. */
  'audience',
  /** A claim is missing or of the wrong shape (`sub`, `sid`, `roles`, `exp` …). */
  'claims',
  /** `exp` passed more than `EXP_LEEWAY_S` ago. */
  'expired',
  /** `nbf` or `iat` lies more than `CLOCK_SKEW_S` in the future. */
  'not_yet_valid',
  /** A provider token's `nonce` is not the one the flow set, or a logout token carries one (it must not). */
  'nonce',
  /** A provider token of the wrong kind: its `typ` header says another (`at+jwt` offered as an ID token …). */
  'token_type',
  /** Valid, but the caller's `trusted` hook refused it (e.g. its session is revoked). */
  'untrusted',
  /** The keys cannot be had (JWKS unreachable, never loaded, or stale past its limit): not the client's fault. */
  'keys_unavailable',
] as const

export type TokenFailure = (typeof TOKEN_FAILURES)[number]

/** What a refusal looks like on the wire (HTTP status and the `{ error }` code). */
export interface WireError {
  readonly status: 401 | 503
  readonly error: 'missing_credentials' | 'invalid_token' | 'token_expired' | 'unavailable'
  /** Seconds for the `Retry-After` header (503 only). */
  readonly retryAfterS?: number
}

/** `Retry-After` of a `keys_unavailable` refusal, seconds: the JWKS source retries within this. */
export const KEYS_UNAVAILABLE_RETRY_AFTER_S = 2

const MISSING: WireError = { status: 401, error: 'missing_credentials' }
const INVALID: WireError = { status: 401, error: 'invalid_token' }
const EXPIRED: WireError = { status: 401, error: 'token_expired' }
const UNAVAILABLE: WireError = {
  status: 503,
  error: 'unavailable',
  retryAfterS: KEYS_UNAVAILABLE_RETRY_AFTER_S,
}

/**
 * The one mapping of failures to the wire: `expired` → 401 `token_expired`, `missing` → 401 `missing_credentials`,
 * `keys_unavailable` → 503 `unavailable` (+ `Retry-After`; never a 401, so never counted as a failed
 * authentication), everything else → 401 `invalid_token`.
 * @example const { status, error } = wireError('expired') // 401, 'token_expired'
 */
export function wireError(failure: TokenFailure): WireError {
  switch (failure) {
    case 'missing':
      return MISSING
    case 'expired':
      return EXPIRED
    case 'keys_unavailable':
      return UNAVAILABLE
    default:
      return INVALID
  }
}

/**
 * A refused credential, thrown where a hook must throw (the `@fastify/jwt` path). Carries the status of its wire
 * error, so Fastify answers 401/503 even without a custom error handler; the message is the public one and never
 * contains any part of the token.
 */
export class TokenRefusedError extends Error {
  readonly code = 'TOKENS_ERR_REFUSED'
  readonly failure: TokenFailure
  readonly statusCode: 401 | 503
  constructor(failure: TokenFailure) {
    const wire = wireError(failure)
    super(
      wire.error === 'unavailable' ? 'signing keys unavailable, retry shortly' : wire.error.replace('_', ' '),
    )
    this.name = 'TokenRefusedError'
    this.failure = failure
    this.statusCode = wire.status
  }
}

// Errors that can reach a caller of @fastify/jwt's `request.jwtVerify()` once the shared pre-checks have passed
// (see `admit` in verifier.ts): fast-jwt's own codes and @fastify/jwt's wrappers of them.
const FOREIGN_CODES: Readonly<Record<string, TokenFailure>> = {
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: 'missing',
  FST_JWT_BAD_REQUEST: 'malformed',
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: 'expired',
  // After the pre-checks, the only "invalid" fast-jwt can still find is the signature.
  FST_JWT_AUTHORIZATION_TOKEN_INVALID: 'signature',
  FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED: 'untrusted',
  FAST_JWT_MISSING_SIGNATURE: 'signature',
  FAST_JWT_INVALID_SIGNATURE: 'signature',
  FAST_JWT_VERIFY_ERROR: 'signature',
  FAST_JWT_EXPIRED: 'expired',
  FAST_JWT_INACTIVE: 'not_yet_valid',
  FAST_JWT_INVALID_ALGORITHM: 'algorithm',
  FAST_JWT_INVALID_KEY: 'algorithm',
  FAST_JWT_INVALID_CRIT_HEADER: 'crit',
  FAST_JWT_MISSING_REQUIRED_CLAIM: 'claims',
  FAST_JWT_INVALID_CLAIM_TYPE: 'claims',
  FAST_JWT_INVALID_CLAIM_VALUE: 'claims',
  FAST_JWT_MALFORMED: 'malformed',
  FAST_JWT_INVALID_PAYLOAD: 'malformed',
  FAST_JWT_INVALID_TYPE: 'malformed',
}

/**
 * The failure behind an error thrown while verifying a token (by this package, fast-jwt or @fastify/jwt), or
 * undefined when the error is something else (a store outage in your `trusted` hook …): rethrow those.
 * @example
 * try { await request.jwtVerify() } catch (err) {
 *   const failure = tokenFailureOf(err)
 *   if (!failure) throw err
 *   const { status, error } = wireError(failure)
 * }
 */
export function tokenFailureOf(err: unknown): TokenFailure | undefined {
  if (err instanceof TokenRefusedError) return err.failure
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? FOREIGN_CODES[code] : undefined
}
