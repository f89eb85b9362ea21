import type { LuaScript, RedisConnection } from './connection.ts'
import { EventFeed } from './event-feed.ts'
import type { SessionEvent } from './events.ts'
import { parseGrant, parseRoles, parseSession, SESSION_FIELDS } from './grant.ts'
import { hashSecret } from './hash.ts'
import { keys, sessionIndexFloor, sessionIndexMember, type Keys } from './keys.ts'
import { listingQuery } from './listing.ts'
import { RedisListing } from './redis-listing.ts'
import {
  CREATE_SESSION,
  ENSURE_ROLES,
  INDEX_LIVE_SESSION,
  INDEX_SESSION,
  REVOKE_SESSION,
  ROTATE_REFRESH,
  SAVE_REFRESH,
  SET_ROLES,
} from './scripts.ts'
import {
  ENDED_SESSION_RETENTION_MS,
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

/** Options of `RedisSessionStore`. */
export interface RedisSessionStoreOptions {
  /** THE Redis connection (`connectRedis`: one node or a cluster). The store does not close it unless `ownsRedis`. */
  redis: RedisConnection
  /** Key prefix, e.g. `portcullis:` (REDIS_KEY_PREFIX). */
  prefix: string
  /** Close `redis` in `close()` (default false). */
  ownsRedis?: boolean
  /** Clock in epoch ms (tests). */
  now?: () => number
}

/**
 * The session store on Redis, one node or a cluster alike: one atomic Lua script per key (run by SHA), all keys
 * under `prefix` (`keys()`), events on the sharded channel of the changed key's slot. Every call rejects with
 * `StoreUnavailableError` when Redis cannot serve it (never hangs, see `RedisConnection`): callers fail closed.
 * @example const store = new RedisSessionStore({ redis, prefix: config.REDIS_KEY_PREFIX })
 */
export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisConnection
  readonly #keys: Keys
  readonly #owns: boolean
  readonly #now: () => number
  readonly #feeds = new Set<EventFeed>()
  readonly #listing: RedisListing

  constructor(options: RedisSessionStoreOptions) {
    this.#redis = options.redis
    this.#keys = keys(options.prefix)
    this.#owns = options.ownsRedis ?? false
    this.#now = options.now ?? Date.now
    this.#listing = new RedisListing({
      redis: this.#redis,
      keys: this.#keys,
      roles: (userId) => this.getRoles(userId),
    })
  }

  async #run(script: LuaScript, key: string, args: Array<string | number>): Promise<unknown> {
    return await this.#redis.run(script, [key], args)
  }

  async createSession(s: SessionRecord): Promise<void> {
    const expiresAt = Math.min(s.expiresAt, s.endsAt)
    await this.#run(CREATE_SESSION, this.#keys.session(s.sid), [
      s.userId,
      s.username,
      s.createdAt,
      expiresAt,
      s.endsAt,
      retainUntil(expiresAt, s.endsAt),
    ])
    await this.#run(INDEX_SESSION, this.#keys.userSessions(s.userId), [s.sid, expiresAt])
    await this.#run(INDEX_LIVE_SESSION, this.#keys.sessionIndex, [
      sessionIndexMember(s.endsAt, s.sid),
      sessionIndexFloor(this.#now()),
    ])
  }

  async getSession(sid: string): Promise<SessionRecord | null> {
    // HMGET, not HGETALL: the hash also holds up to SPENT_REFRESH_KEPT spent hashes nobody needs here.
    const fields = await this.#redis.hmGet(this.#keys.session(sid), SESSION_FIELDS)
    return parseSession(sid, fields, this.#now())
  }

  async revokeSession(sid: string, reason: string): Promise<boolean> {
    const uid = await this.#run(REVOKE_SESSION, this.#keys.session(sid), [
      sid,
      reason,
      this.#now(),
      this.#keys.eventsOf(sid),
    ])
    if (typeof uid !== 'string') return false
    await this.#redis.sRem(this.#keys.userSessions(uid), [sid])
    return true
  }

  async revokeUserSessions(userId: string, reason: string): Promise<string[]> {
    const sids = await this.#redis.sMembers(this.#keys.userSessions(userId))
    const results = await Promise.all(
      sids.map(async (sid) => ((await this.revokeSession(sid, reason)) ? sid : null)),
    )
    return results.filter((sid): sid is string => sid !== null)
  }

  async listUserSessions(userId: string): Promise<string[]> {
    const index = this.#keys.userSessions(userId)
    const sids = await this.#redis.sMembers(index)
    const now = this.#now()
    const live = await Promise.all(
      sids.map(async (sid) => {
        const fields = await this.#redis.hmGet(this.#keys.session(sid), SESSION_FIELDS)
        return parseSession(sid, fields, now) !== null
      }),
    )
    const stale = sids.filter((_, i) => !live[i])
    if (stale.length) await this.#redis.sRem(index, stale)
    return sids.filter((_, i) => live[i])
  }

  async listSessions(query?: SessionQuery): Promise<SessionPage> {
    return await this.#listing.list(listingQuery(query), this.#now())
  }

  async getRoles(userId: string): Promise<Role[] | null> {
    return parseRoles(await this.#redis.get(this.#keys.roles(userId)))
  }

  async ensureRoles(userId: string, initial: Role[]): Promise<Role[]> {
    const raw = await this.#run(ENSURE_ROLES, this.#keys.roles(userId), [
      JSON.stringify([...new Set(initial)]),
    ])
    return parseRoles(typeof raw === 'string' ? raw : null) ?? []
  }

  async setRoles(userId: string, roles: Role[]): Promise<void> {
    const unique = [...new Set(roles)]
    await this.#run(SET_ROLES, this.#keys.roles(userId), [
      JSON.stringify(unique),
      userId,
      this.#now(),
      this.#keys.eventsOf(userId),
    ])
  }

  async saveTicket(ticket: string, grant: TicketGrant, ttlS: number): Promise<void> {
    await this.#redis.set(this.#keys.ticket(hashSecret(ticket)), JSON.stringify(grant), { ex: ttlS })
  }

  async consumeTicket(ticket: string): Promise<TicketGrant | null> {
    // GETDEL is atomic: of any number of concurrent redeemers exactly one gets the grant.
    return parseGrant(await this.#redis.getDel(this.#keys.ticket(hashSecret(ticket))))
  }

  async saveRefresh(sid: string, refreshHash: string): Promise<void> {
    const ok = await this.#run(SAVE_REFRESH, this.#keys.session(sid), [refreshHash])
    if (ok !== 1) throw new Error('saveRefresh: no such session')
  }

  async rotateRefresh(
    sid: string,
    oldHash: string,
    newHash: string,
    expiresAt: number,
  ): Promise<RefreshRotation> {
    const reply = (await this.#run(ROTATE_REFRESH, this.#keys.session(sid), [
      oldHash,
      newHash,
      expiresAt,
      sid,
      this.#now(),
      this.#keys.eventsOf(sid),
      SPENT_REFRESH_KEPT,
      ENDED_SESSION_RETENTION_MS,
    ])) as [RefreshRotation, string, string?]
    const [result, uid, until] = reply
    if (result === 'rotated')
      await this.#run(INDEX_SESSION, this.#keys.userSessions(uid), ['', until ?? expiresAt])
    if (result === 'reused') await this.#redis.sRem(this.#keys.userSessions(uid), [sid])
    return result
  }

  async publish(event: SessionEvent): Promise<void> {
    // The partition of the session (revoked) or of the user (roles): the channel the scripts would use.
    const channel = this.#keys.eventsOf(event.type === 'session.revoked' ? event.sid : event.userId)
    await this.#redis.publish(channel, JSON.stringify(event))
  }

  /**
   * Subscribes to every event partition (see `EventFeed`): `onLink(false)` as soon as events may be getting lost
   * (a connection dropped, a failover moving a channel), `onLink(true)` once every partition delivered a probe again.
   */
  async subscribe(
    handler: (e: SessionEvent) => void,
    onLink?: (up: boolean) => void,
  ): Promise<() => Promise<void>> {
    let notify = onLink
    const feed = new EventFeed({
      redis: this.#redis,
      channels: this.#keys.events,
      onEvent: handler,
      onLink: (up) => notify?.(up),
    })
    await feed.start()
    this.#feeds.add(feed)
    return async () => {
      if (!this.#feeds.delete(feed)) return
      notify = undefined
      await feed.close()
    }
  }

  async ping(): Promise<void> {
    await this.#redis.ping()
  }

  async close(): Promise<void> {
    await Promise.all([...this.#feeds].map((feed) => feed.close()))
    this.#feeds.clear()
    if (this.#owns) await this.#redis.close()
  }
}
