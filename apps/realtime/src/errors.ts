import createError from '@fastify/error'

/**
 * Every refusal the realtime server makes before `101`, as `@fastify/error` constructors (an unreachable store is
 * `StoreUnavailableError` of `@portcullis/sessions`, thrown by the store itself and mapped in `PUBLIC_CODES`). The error handler turns
 * each into `{ error: <public code>, message }` with the constructor's status; 5xx messages are never shown.
 * Reasons finer than the public code (which claim failed, why a ticket was refused) go to the log only.
 */
export const RtErrors = {
  HANDSHAKE_MALFORMED: createError('RT_ERR_HANDSHAKE_MALFORMED', 'malformed WebSocket handshake', 400),
  IP_BLOCKED: createError('RT_ERR_LIMIT_IP_BLOCKED', 'too many failed authentications, try again later', 429),
  CONNECT_RATE: createError(
    'RT_ERR_LIMIT_CONNECT_RATE',
    'too many connection attempts, try again later',
    429,
  ),
  ORIGIN_FORBIDDEN: createError('RT_ERR_ORIGIN_FORBIDDEN', 'origin not allowed', 403),
  CREDENTIALS_MISSING: createError('RT_ERR_AUTH_MISSING', 'credentials required', 401),
  TOKEN_INVALID: createError('RT_ERR_AUTH_TOKEN_INVALID', 'invalid token', 401),
  TOKEN_EXPIRED: createError('RT_ERR_AUTH_TOKEN_EXPIRED', 'token expired', 401),
  TICKET_INVALID: createError('RT_ERR_AUTH_TICKET_INVALID', 'invalid or spent ticket', 401),
  SESSION_REVOKED: createError('RT_ERR_AUTH_SESSION_REVOKED', 'session revoked or unknown', 401),
  SHUTTING_DOWN: createError('RT_ERR_SHUTTING_DOWN', 'server shutting down, try again later', 503),
  USER_CONNECTIONS: createError('RT_ERR_LIMIT_USER_CONNECTIONS', 'too many connections for this user', 429),
  INSTANCE_FULL: createError('RT_ERR_LIMIT_INSTANCE_FULL', 'server at capacity, try again later', 503),
  NOT_WS_ENDPOINT: createError('RT_ERR_NOT_WS_ENDPOINT', 'no WebSocket endpoint at this path', 404),
  JWKS_UNAVAILABLE: createError('RT_ERR_AUTH_JWKS_UNAVAILABLE', 'service temporarily unavailable', 503),
} as const

/** Public `error` code of each internal code (the JSON body of a refusal). */
export const PUBLIC_CODES: Readonly<Record<string, string>> = {
  RT_ERR_HANDSHAKE_MALFORMED: 'bad_handshake',
  RT_ERR_LIMIT_IP_BLOCKED: 'ip_blocked',
  RT_ERR_LIMIT_CONNECT_RATE: 'rate_limited',
  RT_ERR_ORIGIN_FORBIDDEN: 'origin_forbidden',
  RT_ERR_AUTH_MISSING: 'missing_credentials',
  RT_ERR_AUTH_TOKEN_INVALID: 'invalid_token',
  RT_ERR_AUTH_TOKEN_EXPIRED: 'token_expired',
  RT_ERR_AUTH_TICKET_INVALID: 'invalid_ticket',
  RT_ERR_AUTH_SESSION_REVOKED: 'session_revoked',
  RT_ERR_SHUTTING_DOWN: 'unavailable',
  // @portcullis/sessions' StoreUnavailableError: Redis unreachable, stalled or failing over (fail closed).
  STORE_ERR_UNAVAILABLE: 'unavailable',
  RT_ERR_AUTH_JWKS_UNAVAILABLE: 'unavailable',
  RT_ERR_LIMIT_USER_CONNECTIONS: 'too_many_connections',
  RT_ERR_LIMIT_INSTANCE_FULL: 'unavailable',
  RT_ERR_NOT_WS_ENDPOINT: 'not_found',
}

/** Seconds a client should wait after a 503 (the `Retry-After` header). */
export const RETRY_AFTER_UNAVAILABLE_S = 2
