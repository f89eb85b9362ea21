import {
  securityEvent,
  type SecurityEventFields,
  type SecurityEventList,
  type SecurityEventName,
} from '@portcullis/telemetry'
import type { EventLogger } from '@portcullis/telemetry'

/** Every security event the api emits: stable dotted names (documented in docs/reference/http-api.md). */
export const API_SECURITY_EVENTS = [
  'auth.login.succeeded',
  'auth.login.failed',
  'auth.login.throttled',
  'auth.login.busy',
  'auth.exchange.succeeded',
  'auth.exchange.failed',
  'auth.backchannel_logout.succeeded',
  'auth.backchannel_logout.failed',
  'auth.refresh.succeeded',
  'auth.refresh.failed',
  'auth.refresh.reused',
  'auth.token.rejected',
  'auth.ticket.issued',
  'auth.ticket.refused',
  'auth.quota.exceeded',
  'auth.forbidden',
  'auth.logout',
  'session.revoked',
  'user.roles_changed',
  'store.unavailable',
] as const satisfies SecurityEventList

/** A name from the api's vocabulary. */
export type ApiSecurityEvent = SecurityEventName<typeof API_SECURITY_EVENTS>

/** Writes one security event line (never secrets). */
export function apiEvent(log: EventLogger, name: ApiSecurityEvent, fields: SecurityEventFields = {}): void {
  securityEvent(log, name, fields)
}
