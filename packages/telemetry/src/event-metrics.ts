import { recordAuthFailure, recordIpBlocked, type AuthFailureSource } from './metrics.ts'
import type { SecurityEventFields } from './security-event.ts'

/**
 * Security events that are failed authentications, and where they happened. Keeping this table next to the
 * metric means the apps only log the event: `portcullis.auth.failures` follows from the vocabulary
 * (docs/reference/security-events.md lists the same mapping).
 */
export const AUTH_FAILURE_EVENTS: Readonly<Record<string, AuthFailureSource>> = {
  'auth.login.failed': 'login',
  'auth.refresh.failed': 'refresh',
  'auth.refresh.reused': 'refresh',
  'auth.token.rejected': 'bearer',
  'ws.auth.refresh_refused': 'socket_refresh',
}

/** Events that block an IP (`portcullis.ip.blocks`). */
export const IP_BLOCK_EVENTS: ReadonlySet<string> = new Set(['ip.blocked'])

/**
 * Moves the metrics a security event implies: auth failures (including a `ws.upgrade.refused` with status 401)
 * and IP blocks. Everything else is counted by `portcullis.security.events` alone.
 */
export function recordEventMetrics(name: string, fields: SecurityEventFields): void {
  const reason = typeof fields.reason === 'string' ? fields.reason : name
  const source = AUTH_FAILURE_EVENTS[name]
  if (source) recordAuthFailure(source, reason)
  else if (name === 'ws.upgrade.refused' && fields.status === 401) recordAuthFailure('upgrade', reason)
  if (IP_BLOCK_EVENTS.has(name))
    recordIpBlocked(typeof fields.source === 'string' ? fields.source : 'upgrade')
}
