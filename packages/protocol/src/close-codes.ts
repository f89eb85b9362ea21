/** What a client should do after a close with a given code. */
export type CloseAction =
  /** Reconnect with exponential backoff and full jitter. */
  | 'reconnect'
  /** Refresh the access token, then reconnect; if the refresh fails, log in again. */
  | 'refresh_then_reconnect'
  /** Reconnect only when the user needs the socket again. */
  | 'reconnect_on_demand'
  /** A client bug: do not reconnect automatically. */
  | 'fix_client'
  /** Back off for a while before reconnecting. */
  | 'back_off'

/** One row of the close-code table. */
export interface CloseCodeInfo {
  readonly code: number
  /** The close reason string the server sends (`null`: set by the ws library, no reason). */
  readonly reason: string | null
  readonly when: string
  readonly action: CloseAction
}

/**
 * Close codes the server uses, by name. Stable: never reuse a code for another meaning.
 * `docs/reference/protocol.md` lists the same table (a test keeps them in step).
 * @example if (event.code === CLOSE_CODES.sessionRevoked.code) showLogin()
 */
export const CLOSE_CODES = {
  goingAway: { code: 1001, reason: 'going_away', when: 'server shutdown', action: 'reconnect' },
  restart: { code: 1012, reason: 'restart', when: 'server restart', action: 'reconnect' },
  unsupportedData: { code: 1003, reason: 'unsupported_data', when: 'binary frame', action: 'fix_client' },
  invalidPayload: {
    code: 1007,
    reason: 'invalid_payload',
    when: 'a text frame that is not valid UTF-8 (RFC 6455 §8.1)',
    action: 'fix_client',
  },
  messageTooBig: {
    code: 1009,
    reason: null,
    when: 'frame larger than MAX_MESSAGE_BYTES',
    action: 'fix_client',
  },
  tryAgainLater: {
    code: 1013,
    reason: 'try_again_later',
    when: 'session store unreachable for STORE_GRACE_MS while connected, or a slow consumer',
    action: 'reconnect',
  },
  invalidMessages: {
    code: 4400,
    reason: 'invalid_messages',
    when: 'too many invalid messages (>= 10 within a minute)',
    action: 'fix_client',
  },
  tokenExpired: {
    code: 4401,
    reason: 'token_expired',
    when: 'token expired without auth.refresh',
    action: 'refresh_then_reconnect',
  },
  sessionRevoked: {
    code: 4401,
    reason: 'session_revoked',
    when: 'session revoked (logout, admin, refresh-token reuse)',
    action: 'refresh_then_reconnect',
  },
  sessionExpired: {
    code: 4401,
    reason: 'session_expired',
    when: 'the session reached its absolute lifetime (SESSION_MAX_AGE_S)',
    action: 'refresh_then_reconnect',
  },
  tokenInvalid: {
    code: 4401,
    reason: 'token_invalid',
    when: 'auth.refresh with an invalid token or one of another user or session, or the socket token was signed by a key no longer published',
    action: 'refresh_then_reconnect',
  },
  idleTimeout: {
    code: 4408,
    reason: 'idle_timeout',
    when: 'no client data frame for IDLE_TIMEOUT_MS (pongs do not count)',
    action: 'reconnect_on_demand',
  },
  rateLimited: {
    code: 4429,
    reason: 'rate_limited',
    when: 'more than MSG_BURST messages dropped for rate within 10 s',
    action: 'back_off',
  },
} as const satisfies Record<string, CloseCodeInfo>

export type CloseCodeName = keyof typeof CLOSE_CODES

/** Every row of the close-code table. */
export const CLOSE_CODE_LIST: readonly CloseCodeInfo[] = Object.values(CLOSE_CODES)

/**
 * The client action for a close code (and reason, which tells the three 4401 rows apart).
 * Codes the table does not list (1000, 1006 abnormal, 1011, …) are treated as `reconnect`.
 */
export function closeAction(code: number): CloseAction {
  return CLOSE_CODE_LIST.find((row) => row.code === code)?.action ?? 'reconnect'
}

/** True when a client may reconnect automatically (with backoff) after this close code. */
export function isRetryableClose(code: number): boolean {
  const action = closeAction(code)
  return action === 'reconnect' || action === 'back_off' || action === 'refresh_then_reconnect'
}
