import type { Role } from '@portcullis/protocol'
import type { SessionEvent } from './events.ts'

// Roles are the protocol's (one definition): the current roles in the store govern authorization, not token claims.
export type { Role }

/** One login session. Times are epoch milliseconds. */
export interface SessionRecord {
  /** Session id (opaque, URL-safe). */
  sid: string
  userId: string
  username: string
  /** When the session was created (ms). */
  createdAt: number
  /**
   * End of the current refresh window (ms): the session is gone after this unless refreshed. Never after
   * `endsAt` (the stores cap it).
   */
  expiresAt: number
  /**
   * Absolute end of the session (ms): `createdAt + SESSION_MAX_AGE_S`. Set once at creation; no refresh moves it.
   * Realtime closes the session's sockets at this moment (4401 `session_expired`).
   */
  endsAt: number
}

/**
 * How many spent refresh-token hashes a session keeps for reuse detection: the most recent ones. A spent token
 * older than that is still refused (`unknown`), it just no longer revokes the session (decision 0800).
 */
export const SPENT_REFRESH_KEPT = 32

/**
 * How long a session whose refresh window ran up to `endsAt` is kept after `endsAt`, inert (`getSession` → null),
 * so that a refresh with its token is answered `ended` (401 `session_expired`) rather than `unknown`: 24 hours,
 * in ms. A session that simply went unrefreshed past `expiresAt` is forgotten at once.
 */
export const ENDED_SESSION_RETENTION_MS = 24 * 3600 * 1000

/**
 * When a store may forget a session (epoch ms): at `expiresAt`, or `ENDED_SESSION_RETENTION_MS` after `endsAt`
 * when the refresh window reaches `endsAt`. `expiresAt` is taken already capped at `endsAt`.
 * @example retainUntil(1_000, 5_000) // 1_000;  retainUntil(5_000, 5_000) // 5_000 + 86_400_000
 */
export function retainUntil(expiresAt: number, endsAt: number): number {
  return expiresAt >= endsAt ? endsAt + ENDED_SESSION_RETENTION_MS : expiresAt
}

/** What a WebSocket ticket grants to the realtime server that redeems it. */
export interface TicketGrant {
  sid: string
  userId: string
  /** The `Origin` header of the ticket request, or null when none was sent. */
  origin: string | null
  /** `exp` (ms) of the access token that minted the ticket: the socket's lifetime. */
  accessExp: number
  /** W3C `traceparent` of the ticket request, to continue the trace into the upgrade. */
  traceparent: string | null
  /**
   * `kid` of the access token that minted the ticket: realtime refuses the ticket, and later closes its socket
   * 4401 `token_invalid`, once the api no longer publishes that key. Absent on tickets of older api versions.
   */
  kid?: string
}

/**
 * Outcome of `rotateRefresh`: `rotated` (the new hash is live), `reused` (a spent hash: the session is revoked),
 * `ended` (a hash of the session, presented at or after its `endsAt`), `unknown` (anything else: no such session,
 * a hash it never issued, or past its refresh window).
 */
export type RefreshRotation = 'rotated' | 'reused' | 'ended' | 'unknown'

/** A live session as the admin listing shows it (`listSessions`). Times are epoch milliseconds. */
export interface SessionSummary extends SessionRecord {
  /** The user's current roles in the store (empty when it holds none). */
  roles: Role[]
  /** When tokens were last issued for the session: its login, or its latest refresh. */
  refreshedAt: number
  /** The session's live WebSocket connections on every realtime instance (their connection leases). */
  connections: number
}

/** What `listSessions` lists. */
export interface SessionQuery {
  /** Only this user's sessions (default: everyone's). */
  userId?: string
  /** `nextCursor` of the previous page (default: the first page). */
  cursor?: string
  /** Sessions per page, 1–`MAX_SESSION_PAGE` (default `DEFAULT_SESSION_PAGE`). */
  limit?: number
}

/** One page of `listSessions`, newest session first. */
export interface SessionPage {
  sessions: SessionSummary[]
  /** Pass as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null
}

/** Sessions per `listSessions` page unless asked otherwise: 50. */
export const DEFAULT_SESSION_PAGE = 50
/** The largest `listSessions` page: 100. */
export const MAX_SESSION_PAGE = 100

/**
 * The session store shared by apps/api and apps/realtime. Implementations: `RedisSessionStore`
 * (production, `@portcullis/sessions/redis`) and `MemorySessionStore` (unit tests, `@portcullis/sessions/memory`).
 * Every method rejects (never hangs) when the backing store is unreachable; callers fail closed (503 / 1013).
 */
export interface SessionStore {
  /**
   * Stores a new session; it expires by itself at `expiresAt`, which is capped at `endsAt` (see `retainUntil`
   * for how long an ended session stays stored, inert).
   */
  createSession(s: SessionRecord): Promise<void>
  /**
   * The session, or null when unknown, past `expiresAt` (hence past `endsAt`), revoked, or stored without a
   * valid `endsAt` (fail closed).
   */
  getSession(sid: string): Promise<SessionRecord | null>
  /**
   * Atomically deletes the session and publishes `session.revoked`. False when it did not exist or had already
   * expired (no event then).
   */
  revokeSession(sid: string, reason: string): Promise<boolean>
  /** Revokes every session of the user (each with a `session.revoked` event); returns the revoked ids. */
  revokeUserSessions(userId: string, reason: string): Promise<string[]>
  /** Ids of the user's live sessions. */
  listUserSessions(userId: string): Promise<string[]>
  /**
   * One page of live sessions (everyone's, or one user's), newest first (by `endsAt`, then id; stable under
   * concurrent logins and revocations: a cursor is a position, not an offset), each with its user's current roles,
   * when it was last refreshed and its live connection count across realtime instances. A page may hold fewer than
   * `limit` sessions while `nextCursor` is not null (stale index entries were skipped). Throws `RangeError` for a
   * malformed cursor or limit (callers validate: `SESSION_CURSOR_PATTERN`).
   * @example const { sessions, nextCursor } = await store.listSessions({ userId: 'u_bob', limit: 20 })
   */
  listSessions(query?: SessionQuery): Promise<SessionPage>
  /** The user's current roles, or null for an unknown user. */
  getRoles(userId: string): Promise<Role[] | null>
  /**
   * The user's roles, seeding them with `initial` (without an event) when the user has none yet. Atomic: two
   * concurrent first logins agree. Used by the api when a user from its directory first logs in.
   */
  ensureRoles(userId: string, initial: Role[]): Promise<Role[]>
  /** Writes the user's roles and publishes `user.roles_changed`. */
  setRoles(userId: string, roles: Role[]): Promise<void>
  /** Stores a ticket grant for `ttlS` seconds under a hash of the ticket (the ticket itself is never stored). */
  saveTicket(ticket: string, grant: TicketGrant, ttlS: number): Promise<void>
  /** Atomically reads and deletes the grant: exactly one caller ever gets it. Null when unknown, spent or expired. */
  consumeTicket(ticket: string): Promise<TicketGrant | null>
  /**
   * Makes `refreshHash` (SHA-256 of a refresh token) the session's one live refresh token. Used at login;
   * `rotateRefresh` replaces it on every use. The token family is the session.
   */
  saveRefresh(sid: string, refreshHash: string): Promise<void>
  /**
   * Atomically spends `oldHash` and makes `newHash` the session's live refresh token, moving the session's
   * `expiresAt` (ms) to `min(expiresAt, endsAt)`. Presenting one of the `SPENT_REFRESH_KEPT` most recently spent
   * hashes means theft: the session is revoked (with a `session.revoked` event, reason `refresh_reused`). At or
   * after `endsAt`, the live or a spent hash of the session gets `ended` and changes nothing.
   */
  rotateRefresh(sid: string, oldHash: string, newHash: string, expiresAt: number): Promise<RefreshRotation>
  /** Publishes an event to every subscriber (every app instance). */
  publish(event: SessionEvent): Promise<void>
  /**
   * Calls `handler` for each valid event (invalid ones are dropped). `onLink(false)` when the subscription
   * link drops, `onLink(true)` when it is back. Resolves to an unsubscribe function.
   */
  subscribe(handler: (e: SessionEvent) => void, onLink?: (up: boolean) => void): Promise<() => Promise<void>>
  /** Resolves when the store answers; rejects when it is unreachable. */
  ping(): Promise<void>
  /** Releases connections (not the store's data). */
  close(): Promise<void>
}
