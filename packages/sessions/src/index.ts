export type { SessionRecord, TicketGrant, RefreshRotation, SessionStore } from './types.ts'
export { SPENT_REFRESH_KEPT, ENDED_SESSION_RETENTION_MS, retainUntil } from './types.ts'
export {
  SessionEventSchema,
  SessionRevokedSchema,
  UserRolesChangedSchema,
  parseSessionEvent,
  eventsChannel,
  sessionRevoked,
  userRolesChanged,
  type SessionEvent,
  type SessionRevoked,
  type UserRolesChanged,
} from './events.ts'
export { hashSecret } from './hash.ts'
export { withDeadline, onStoreTimeouts, StoreTimeoutError } from './deadline.ts'
export { clientKey } from './client-key.ts'
