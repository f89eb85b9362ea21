import { StoreUnavailableError } from './errors.ts'
import { sessionRevoked, userRolesChanged, type SessionEvent } from './events.ts'
import { hashSecret } from './hash.ts'
import { connectionLease, leaseSession } from './keys.ts'
import { listingQuery, pageInMemory } from './listing.ts'
import {
  retainUntil,
  SPENT_REFRESH_KEPT,
  type RefreshRotation,
  type Role,
  type SessionPage,
  type SessionQuery,
  type SessionRecord,
  type SessionStore,
  type TicketGrant,
} from './types.ts'

interface StoredSession extends SessionRecord {
  /** Login or the latest rotation (ms). */
  refreshedAt: number
  refresh: string | null
  /** The most recently spent refresh hashes, oldest first (at most SPENT_REFRESH_KEPT). */
  spent: string[]
}

/**
 * The session store in process memory, for unit tests and single-process demos: same semantics as
 * `RedisSessionStore` (expiry by the injected clock, single-use tickets, events to every subscriber of this
 * instance). `setDown(true)` makes every call reject, to test fail-closed paths.
 * @example const store = new MemorySessionStore({ now: () => clock.now })
 */
export class MemorySessionStore implements SessionStore {
  readonly #now: () => number
  readonly #sessions = new Map<string, StoredSession>()
  readonly #roles = new Map<string, Role[]>()
  readonly #tickets = new Map<string, { grant: TicketGrant; expiresAt: number }>()
  /** Connection leases by user: `connectionLease(sid, id)` → lease end (ms), like realtime's sorted sets. */
  readonly #leases = new Map<string, Map<string, number>>()
  readonly #handlers = new Set<{
    handler: (e: SessionEvent) => void
    onLink?: ((up: boolean) => void) | undefined
  }>()
  #down = false

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  /** Simulates the store becoming unreachable (true) or coming back (false); subscribers see `onLink`. */
  setDown(down: boolean): void {
    if (down === this.#down) return
    this.#down = down
    for (const h of this.#handlers) h.onLink?.(!down)
  }

  #check(): void {
    if (this.#down) throw new StoreUnavailableError({ cause: new Error('MemorySessionStore.setDown(true)') })
  }

  /** The stored session, live or kept inert after its end (see `retainUntil`); forgets it once past that. */
  #stored(sid: string): StoredSession | null {
    const s = this.#sessions.get(sid)
    if (!s) return null
    if (retainUntil(s.expiresAt, s.endsAt) <= this.#now()) {
      this.#sessions.delete(sid)
      return null
    }
    return s
  }

  /** The session while it is live: before `expiresAt` (which is never after `endsAt`). */
  #live(sid: string): StoredSession | null {
    const s = this.#stored(sid)
    return s && this.#now() < s.expiresAt ? s : null
  }

  async createSession(s: SessionRecord): Promise<void> {
    this.#check()
    const expiresAt = Math.min(s.expiresAt, s.endsAt)
    this.#sessions.set(s.sid, { ...s, expiresAt, refreshedAt: s.createdAt, refresh: null, spent: [] })
  }

  async getSession(sid: string): Promise<SessionRecord | null> {
    this.#check()
    const s = this.#live(sid)
    if (!s) return null
    const { refresh: _r, spent: _s, refreshedAt: _at, ...record } = s
    return record
  }

  async revokeSession(sid: string, reason: string): Promise<boolean> {
    this.#check()
    const s = this.#live(sid)
    this.#sessions.delete(sid)
    if (!s) return false
    this.#emit(sessionRevoked(sid, s.userId, reason, this.#now()))
    return true
  }

  async revokeUserSessions(userId: string, reason: string): Promise<string[]> {
    const sids = await this.listUserSessions(userId)
    for (const sid of sids) await this.revokeSession(sid, reason)
    return sids
  }

  async listUserSessions(userId: string): Promise<string[]> {
    this.#check()
    return [...this.#sessions.keys()].filter((sid) => this.#live(sid)?.userId === userId)
  }

  async listSessions(query?: SessionQuery): Promise<SessionPage> {
    this.#check()
    const q = listingQuery(query)
    const live = [...this.#sessions.keys()]
      .map((sid) => this.#live(sid))
      .filter((s): s is StoredSession => s !== null && (q.userId === undefined || s.userId === q.userId))
    const { page, nextCursor } = pageInMemory(live, q)
    const now = this.#now()
    const sessions = page.map(({ refresh: _r, spent: _s, ...s }) => {
      const leases = [...(this.#leases.get(s.userId) ?? [])]
      return {
        ...s,
        roles: [...(this.#roles.get(s.userId) ?? [])],
        connections: leases.filter(([lease, until]) => until > now && leaseSession(lease) === s.sid).length,
      }
    })
    return { sessions, nextCursor }
  }

  /**
   * Records a live WebSocket connection of a session until `untilMs` (epoch ms), as realtime's connection leases do
   * in Redis: `listSessions` counts it. For tests of listings; realtime itself always runs on Redis.
   */
  leaseConnection(userId: string, sid: string, connectionId: string, untilMs: number): void {
    let leases = this.#leases.get(userId)
    if (!leases) this.#leases.set(userId, (leases = new Map()))
    leases.set(connectionLease(sid, connectionId), untilMs)
  }

  /** Ends a connection lease (`leaseConnection`). */
  releaseConnection(userId: string, sid: string, connectionId: string): void {
    this.#leases.get(userId)?.delete(connectionLease(sid, connectionId))
  }

  async getRoles(userId: string): Promise<Role[] | null> {
    this.#check()
    const roles = this.#roles.get(userId)
    return roles ? [...roles] : null
  }

  async ensureRoles(userId: string, initial: Role[]): Promise<Role[]> {
    this.#check()
    if (!this.#roles.has(userId)) this.#roles.set(userId, [...new Set(initial)])
    return [...(this.#roles.get(userId) ?? [])]
  }

  async setRoles(userId: string, roles: Role[]): Promise<void> {
    this.#check()
    const unique = [...new Set(roles)]
    this.#roles.set(userId, unique)
    this.#emit(userRolesChanged(userId, unique, this.#now()))
  }

  async saveTicket(ticket: string, grant: TicketGrant, ttlS: number): Promise<void> {
    this.#check()
    this.#tickets.set(hashSecret(ticket), { grant: { ...grant }, expiresAt: this.#now() + ttlS * 1000 })
  }

  async consumeTicket(ticket: string): Promise<TicketGrant | null> {
    this.#check()
    const key = hashSecret(ticket)
    const entry = this.#tickets.get(key)
    this.#tickets.delete(key)
    if (!entry || entry.expiresAt <= this.#now()) return null
    return entry.grant
  }

  async saveRefresh(sid: string, refreshHash: string): Promise<void> {
    this.#check()
    const s = this.#live(sid)
    if (!s) throw new Error('saveRefresh: no such session')
    s.refresh = refreshHash
  }

  async rotateRefresh(
    sid: string,
    oldHash: string,
    newHash: string,
    expiresAt: number,
  ): Promise<RefreshRotation> {
    this.#check()
    const s = this.#stored(sid)
    if (!s) return 'unknown'
    const live = s.refresh === oldHash
    if (!live && !s.spent.includes(oldHash)) return 'unknown'
    const now = this.#now()
    if (now >= s.endsAt) return 'ended'
    if (now >= s.expiresAt) return 'unknown'
    if (!live) {
      this.#sessions.delete(sid)
      this.#emit(sessionRevoked(sid, s.userId, 'refresh_reused', now))
      return 'reused'
    }
    s.spent.push(oldHash)
    if (s.spent.length > SPENT_REFRESH_KEPT) s.spent.shift()
    s.refresh = newHash
    s.refreshedAt = now
    s.expiresAt = Math.min(expiresAt, s.endsAt)
    return 'rotated'
  }

  async publish(event: SessionEvent): Promise<void> {
    this.#check()
    this.#emit(event)
  }

  #emit(event: SessionEvent): void {
    // Like pub/sub, delivery is asynchronous to the publisher.
    const copy = structuredClone(event)
    queueMicrotask(() => {
      for (const h of this.#handlers) h.handler(copy)
    })
  }

  async subscribe(
    handler: (e: SessionEvent) => void,
    onLink?: (up: boolean) => void,
  ): Promise<() => Promise<void>> {
    this.#check()
    const entry = { handler, onLink }
    this.#handlers.add(entry)
    onLink?.(true)
    return async () => {
      this.#handlers.delete(entry)
    }
  }

  async ping(): Promise<void> {
    this.#check()
  }

  async close(): Promise<void> {
    this.#handlers.clear()
  }
}
