export type { Role, SessionRecord, TicketGrant, RefreshRotation, SessionStore } from './types.ts'
export { ROLES } from './types.ts'
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
