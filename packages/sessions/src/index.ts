export type {
  SessionRecord,
  TicketGrant,
  RefreshRotation,
  SessionStore,
  SessionSummary,
  SessionQuery,
  SessionPage,
} from './types.ts'
export {
  SPENT_REFRESH_KEPT,
  ENDED_SESSION_RETENTION_MS,
  retainUntil,
  DEFAULT_SESSION_PAGE,
  MAX_SESSION_PAGE,
} from './types.ts'
export { SESSION_CURSOR_PATTERN } from './keys.ts'
export {
  SessionEventSchema,
  SessionRevokedSchema,
  UserRolesChangedSchema,
  parseSessionEvent,
  sessionRevoked,
  userRolesChanged,
  type SessionEvent,
  type SessionRevoked,
  type UserRolesChanged,
} from './events.ts'
export { StoreUnavailableError, isStoreUnavailable } from './errors.ts'
export { hashSecret } from './hash.ts'
export { onStoreTimeouts, StoreTimeoutError } from './deadline.ts'
export { clientKey } from './client-key.ts'
