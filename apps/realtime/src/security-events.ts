import {
  securityEvent,
  type EventLogger,
  type SecurityEventFields,
  type SecurityEventList,
} from '@portcullis/telemetry'

/**
 * The realtime server's security-event vocabulary: stable names, one structured log line each
 * (`{ event, reason, ip, origin, userId, sessionId, connectionId, traceId, … }`). Never tokens, tickets or bodies.
 */
export const REALTIME_EVENTS = [
  /** An upgrade refused before `101`; `reason` says why, `status` the HTTP status. */
  'ws.upgrade.refused',
  /** A socket authenticated and open (`via`: ticket, subprotocol, authorization, query). */
  'ws.connected',
  /** A socket closed: `code`, `closeReason`, `durationMs`. */
  'ws.closed',
  /** A client frame dropped for rate (logged once per window, not per frame). */
  'ws.rate_limited',
  /** A client frame that failed parsing or authorization (`reason`). */
  'ws.invalid_message',
  /** An `auth.refresh` accepted or refused. */
  'ws.auth.refreshed',
  'ws.auth.refresh_refused',
  /** A session's sockets closed after revocation (`latencyMs` from the event's `at`). */
  'session.revoked',
  /** A user's roles changed on live sockets (`dropped` subscriptions). */
  'session.roles_changed',
  /** Live sessions re-checked after the event link came back (`revoked` count). */
  'session.revalidated',
  /** An IP crossed AUTH_FAILURES_PER_MIN and is blocked for AUTH_BLOCK_S. */
  'ip.blocked',
  /** Keys the api no longer publishes (`kids`): the `sockets` admitted or refreshed with them closed 4401. */
  'keys.removed',
  /** The session store stayed unreachable past STORE_GRACE_MS: live sockets closed 1013. */
  'store.unreachable',
  /** A slow consumer closed 1013. */
  'ws.backpressure',
] as const satisfies SecurityEventList

export type RealtimeEvent = (typeof REALTIME_EVENTS)[number]

/** Writes one realtime security event (typed name). */
export function rtEvent(log: EventLogger, name: RealtimeEvent, fields: SecurityEventFields = {}): void {
  securityEvent(log, name, fields)
}
