import { randomBytes } from 'node:crypto'

/** A session id: 128 random bits, base64url (22 chars; matches the realtime `user:`-style name charset). */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url')
}

/** A WebSocket ticket: 256 random bits, base64url (the contract's floor: 128). */
export function newTicket(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * A refresh token: `<sid>.<256 random bits, base64url>`. The session id lets the store find the token family
 * (the session) in one key; only the SHA-256 of the whole token is stored.
 */
export function newRefreshToken(sid: string): string {
  return `${sid}.${randomBytes(32).toString('base64url')}`
}

/** Refresh token shape, for the route schema. */
export const REFRESH_TOKEN_PATTERN = '^[A-Za-z0-9_-]{16,64}\\.[A-Za-z0-9_-]{43}$'

/** The session id part of a well-formed refresh token. */
export function refreshTokenSid(token: string): string {
  return token.slice(0, token.indexOf('.'))
}
