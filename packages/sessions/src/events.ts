import { RoleSchema } from '@portcullis/protocol'
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'

/**
 * The versioned cross-app event contract carried on Redis sharded pub/sub (the partition channels of `keys()`)
 * between apps/api and every apps/realtime instance. Add only new `type`s or optional fields; a breaking change bumps `v`. Consumers drop events they
 * cannot parse (never crash).
 */

/** A session was revoked (logout, admin, refresh-token reuse, expiry sweep): close its sockets at once. */
export const SessionRevokedSchema = Type.Object(
  {
    v: Type.Literal(1, { description: 'contract version' }),
    type: Type.Literal('session.revoked'),
    sid: Type.String({ minLength: 1, maxLength: 128, description: 'the revoked session id' }),
    userId: Type.String({ minLength: 1, maxLength: 128, description: 'owner of the session' }),
    reason: Type.String({
      maxLength: 64,
      description: 'stable reason, e.g. `logout`, `admin`, `refresh_reused`',
    }),
    at: Type.Number({ description: 'epoch ms when published (for latency metrics)' }),
  },
  { additionalProperties: false },
)
export type SessionRevoked = Static<typeof SessionRevokedSchema>

/** A user's roles changed: live sockets of the user re-check their subscriptions at once. */
export const UserRolesChangedSchema = Type.Object(
  {
    v: Type.Literal(1, { description: 'contract version' }),
    type: Type.Literal('user.roles_changed'),
    userId: Type.String({ minLength: 1, maxLength: 128, description: 'the user whose roles changed' }),
    roles: Type.Array(RoleSchema, { maxItems: 8, description: 'the complete new role list' }),
    at: Type.Number({ description: 'epoch ms when published (for latency metrics)' }),
  },
  { additionalProperties: false },
)
export type UserRolesChanged = Static<typeof UserRolesChangedSchema>

/** Every event on the channel. */
export const SessionEventSchema = Type.Union([SessionRevokedSchema, UserRolesChangedSchema])
export type SessionEvent = Static<typeof SessionEventSchema>

const validator = Compile(SessionEventSchema)

/**
 * Parses a raw pub/sub payload (JSON string or already-parsed value); null for anything that is not a valid v1
 * event (bad JSON, unknown type or version, extra fields).
 * @example const e = parseSessionEvent(message); if (e?.type === 'session.revoked') closeSession(e.sid)
 */
export function parseSessionEvent(raw: unknown): SessionEvent | null {
  let value = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      return null
    }
  }
  return validator.Check(value) ? value : null
}

/** Builds a `session.revoked` event stamped now. */
export function sessionRevoked(sid: string, userId: string, reason: string, at = Date.now()): SessionRevoked {
  return { v: 1, type: 'session.revoked', sid, userId, reason, at }
}

/** Builds a `user.roles_changed` event stamped now. */
export function userRolesChanged(
  userId: string,
  roles: UserRolesChanged['roles'],
  at = Date.now(),
): UserRolesChanged {
  return { v: 1, type: 'user.roles_changed', userId, roles, at }
}
