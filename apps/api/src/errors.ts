import createError from '@fastify/error'

/**
 * Every expected failure of the api, with its HTTP status. The wire code (`{ error }`) is in `WIRE_CODES`.
 * 5xx messages reach clients only for these expected failures (their messages are fixed texts, never a value).
 * A 429/503 error may carry `retryAfterS` (seconds): the error handler sends it as `Retry-After`.
 */
export const InvalidCredentials = createError(
  'API_ERR_AUTH_INVALID_CREDENTIALS',
  'invalid username or password',
  401,
)
export const Unauthorized = createError(
  'API_ERR_AUTH_UNAUTHORIZED',
  'missing, invalid or expired access token',
  401,
)
export const InvalidRefreshToken = createError(
  'API_ERR_AUTH_INVALID_REFRESH_TOKEN',
  'invalid, expired or revoked refresh token',
  401,
)
export const SessionExpired = createError(
  'API_ERR_AUTH_SESSION_EXPIRED',
  'the session reached its maximum age: log in again',
  401,
)
export const InvalidSubjectToken = createError(
  'API_ERR_AUTH_INVALID_SUBJECT_TOKEN',
  'the subject token was not accepted',
  401,
)
export const InvalidLogoutToken = createError(
  'API_ERR_AUTH_INVALID_LOGOUT_TOKEN',
  'the logout token was not accepted',
  400,
)
export const NoIdentityProvider = createError(
  'API_ERR_AUTH_NO_IDENTITY_PROVIDER',
  'no identity provider is configured (OIDC_ISSUER)',
  404,
)
export const IdentityProviderUnavailable = createError(
  'API_ERR_AUTH_IDP_UNAVAILABLE',
  "the identity provider's keys are unavailable, retry shortly",
  503,
)
export const Forbidden = createError('API_ERR_AUTH_FORBIDDEN', 'this requires role %s', 403)
export const OriginNotAllowed = createError('API_ERR_AUTH_ORIGIN_NOT_ALLOWED', 'origin not allowed', 403)
export const NotFound = createError('API_ERR_HTTP_NOT_FOUND', '%s not found', 404)
export const LoginThrottled = createError(
  'API_ERR_AUTH_THROTTLED',
  'too many login attempts, retry in %d seconds',
  429,
)
export const RateLimited = createError('API_ERR_RATE_LIMITED', 'too many requests, retry in %d seconds', 429)
export const LoginBusy = createError('API_ERR_AUTH_BUSY', 'too many logins in progress, retry shortly', 503)

/** Fastify error codes → stable lowercase wire codes. */
export const WIRE_CODES: Readonly<Record<string, string>> = {
  API_ERR_AUTH_INVALID_CREDENTIALS: 'invalid_credentials',
  API_ERR_AUTH_UNAUTHORIZED: 'unauthorized',
  API_ERR_AUTH_INVALID_REFRESH_TOKEN: 'invalid_refresh_token',
  API_ERR_AUTH_SESSION_EXPIRED: 'session_expired',
  API_ERR_AUTH_INVALID_SUBJECT_TOKEN: 'invalid_subject_token',
  API_ERR_AUTH_INVALID_LOGOUT_TOKEN: 'invalid_request',
  API_ERR_AUTH_NO_IDENTITY_PROVIDER: 'not_found',
  API_ERR_AUTH_IDP_UNAVAILABLE: 'temporarily_unavailable',
  API_ERR_AUTH_FORBIDDEN: 'forbidden',
  API_ERR_AUTH_ORIGIN_NOT_ALLOWED: 'origin_not_allowed',
  API_ERR_HTTP_NOT_FOUND: 'not_found',
  API_ERR_AUTH_THROTTLED: 'rate_limited',
  API_ERR_RATE_LIMITED: 'rate_limited',
  API_ERR_AUTH_BUSY: 'temporarily_unavailable',
  // @portcullis/sessions' StoreUnavailableError: Redis unreachable, stalled or failing over (503 + Retry-After).
  STORE_ERR_UNAVAILABLE: 'store_unavailable',
  FST_ERR_VALIDATION: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
}

/** Wire code by status, for errors without a known code (e.g. Fastify's JSON parser, rate limiter). */
export function wireCodeForStatus(status: number): string {
  if (status === 400) return 'invalid_request'
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 405) return 'method_not_allowed'
  if (status === 413) return 'payload_too_large'
  if (status === 415) return 'unsupported_media_type'
  if (status === 429) return 'rate_limited'
  if (status === 503) return 'store_unavailable'
  return status >= 500 ? 'internal_error' : 'invalid_request'
}

/**
 * Attaches `Retry-After` seconds to an expected error.
 * @example throw withRetryAfter(new RateLimited(5), 5)
 */
export function withRetryAfter<E extends Error>(err: E, retryAfterS: number): E & { retryAfterS: number } {
  return Object.assign(err, { retryAfterS })
}
