import { eventsChannel, parseSessionEvent, type SessionEvent } from './events.ts'
import type { RedisClient } from './client.ts'
import { parseGrant, parseRoles, parseSession, SESSION_FIELDS } from './grant.ts'
import { withDeadline } from './deadline.ts'
import { hashSecret } from './hash.ts'
import { keys, sessionIndexFloor, sessionIndexMember, type Keys } from './keys.ts'
import { listingQuery } from './listing.ts'
import { RedisListing } from './redis-listing.ts'
import {
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
  /** A client from `createRedisClient` (connected or connecting). The store does not close it unless `ownsClient`. */
  client: RedisClient
  /** Key prefix, e.g. `portcullis:` (REDIS_KEY_PREFIX). */
  prefix: string
  /** Close `client` in `close()` (default false). */
  ownsClient?: boolean
  /** Clock in epoch ms (tests). */
  now?: () => number
  /** Every store call rejects with `StoreTimeoutError` after this long without an answer (default 1000 ms). */
  timeoutMs?: number
}

/**
 * The session store on Redis: atomic Lua per key, all keys under `prefix`, events on `<prefix>events`.
 * Commands reject fast when Redis is unreachable (see `createRedisClient`): callers fail closed.
 * @example const store = new RedisSessionStore({ client: redis, prefix: config.REDIS_KEY_PREFIX })
 */
export class RedisSessionStore implements SessionStore {
  readonly #client: RedisClient
  readonly #keys: Keys
  readonly #owns: boolean
  readonly #now: () => number
  readonly #subscribers = new Set<RedisClient>()
  readonly #timeoutMs: number
  readonly #listing: RedisListing

  constructor(options: RedisSessionStoreOptions) {
    this.#client = options.client
    this.#keys = keys(options.prefix)
    this.#owns = options.ownsClient ?? false
    this.#now = options.now ?? Date.now
    this.#timeoutMs = options.timeoutMs ?? 1000
    if (this.#keys.channel !== eventsChannel(options.prefix)) throw new Error('channel layout mismatch')
    this.#listing = new RedisListing({
      client: this.#client,
      keys: this.#keys,
      call: (work) => this.#t(work),
      roles: (userId) => this.getRoles(userId),
    })
  }

  /** Bounds one Redis call (see `withDeadline`). */
  async #t<T>(work: Promise<T>): Promise<T> {
    return await withDeadline(work, this.#timeoutMs)
  }

  async #eval(script: string, key: string, args: Array<string | number>): Promise<unknown> {
    return await this.#t(this.#client.eval(script, { keys: [key], arguments: args.map(String) }))
  }

  async createSession(s: SessionRecord): Promise<void> {
    const key = this.#keys.session(s.sid)
    const expiresAt = Math.min(s.expiresAt, s.endsAt)
    const multi = this.#client
      .multi()
      .hSet(key, {
        userId: s.userId,
        username: s.username,
        createdAt: String(s.createdAt),
        expiresAt: String(expiresAt),
        endsAt: String(s.endsAt),
      })
      .pExpireAt(key, retainUntil(expiresAt, s.endsAt))
    await this.#t(multi.exec())
    await this.#eval(INDEX_SESSION, this.#keys.userSessions(s.userId), [s.sid, expiresAt])
    await this.#eval(INDEX_LIVE_SESSION, this.#keys.sessionIndex, [
      sessionIndexMember(s.endsAt, s.sid),
      sessionIndexFloor(this.#now()),
    ])
  }

  async getSession(sid: string): Promise<SessionRecord | null> {
    // HMGET, not HGETALL: the hash also holds up to SPENT_REFRESH_KEPT spent hashes nobody needs here.
    const fields = await this.#t(this.#client.hmGet(this.#keys.session(sid), [...SESSION_FIELDS]))
    return parseSession(sid, fields, this.#now())
  }

  async revokeSession(sid: string, reason: string): Promise<boolean> {
    const uid = await this.#eval(REVOKE_SESSION, this.#keys.session(sid), [
      sid,
      reason,
      this.#now(),
      this.#keys.channel,
    ])
    if (typeof uid !== 'string') return false
    await this.#t(this.#client.sRem(this.#keys.userSessions(uid), sid))
    return true
  }

  async revokeUserSessions(userId: string, reason: string): Promise<string[]> {
    const sids = await this.#t(this.#client.sMembers(this.#keys.userSessions(userId)))
    const results = await Promise.all(
      sids.map(async (sid) => ((await this.revokeSession(sid, reason)) ? sid : null)),
    )
    return results.filter((sid): sid is string => sid !== null)
  }

  async listUserSessions(userId: string): Promise<string[]> {
    const index = this.#keys.userSessions(userId)
    const sids = await this.#t(this.#client.sMembers(index))
    const now = this.#now()
    const live = await Promise.all(
      sids.map(async (sid) => {
        const fields = await this.#t(this.#client.hmGet(this.#keys.session(sid), [...SESSION_FIELDS]))
        return parseSession(sid, fields, now) !== null
      }),
    )
    const stale = sids.filter((_, i) => !live[i])
    if (stale.length) await this.#t(this.#client.sRem(index, stale))
    return sids.filter((_, i) => live[i])
  }

  async listSessions(query?: SessionQuery): Promise<SessionPage> {
    return await this.#listing.list(listingQuery(query), this.#now())
  }

  async getRoles(userId: string): Promise<Role[] | null> {
    return parseRoles(await this.#t(this.#client.get(this.#keys.roles(userId))))
  }

  async ensureRoles(userId: string, initial: Role[]): Promise<Role[]> {
    const raw = await this.#eval(ENSURE_ROLES, this.#keys.roles(userId), [
      JSON.stringify([...new Set(initial)]),
    ])
    return parseRoles(typeof raw === 'string' ? raw : null) ?? []
  }

  async setRoles(userId: string, roles: Role[]): Promise<void> {
    const unique = [...new Set(roles)]
    await this.#eval(SET_ROLES, this.#keys.roles(userId), [
      JSON.stringify(unique),
      userId,
      this.#now(),
      this.#keys.channel,
    ])
  }

  async saveTicket(ticket: string, grant: TicketGrant, ttlS: number): Promise<void> {
    await this.#t(
      this.#client.set(this.#keys.ticket(hashSecret(ticket)), JSON.stringify(grant), {
        expiration: { type: 'EX', value: ttlS },
      }),
    )
  }

  async consumeTicket(ticket: string): Promise<TicketGrant | null> {
    // GETDEL is atomic: of any number of concurrent redeemers exactly one gets the grant.
    return parseGrant(await this.#t(this.#client.getDel(this.#keys.ticket(hashSecret(ticket)))))
  }

  async saveRefresh(sid: string, refreshHash: string): Promise<void> {
    const ok = await this.#eval(SAVE_REFRESH, this.#keys.session(sid), [refreshHash])
    if (ok !== 1) throw new Error('saveRefresh: no such session')
  }

  async rotateRefresh(
    sid: string,
    oldHash: string,
    newHash: string,
    expiresAt: number,
  ): Promise<RefreshRotation> {
    const reply = (await this.#eval(ROTATE_REFRESH, this.#keys.session(sid), [
      oldHash,
      newHash,
      expiresAt,
      sid,
      this.#now(),
      this.#keys.channel,
      SPENT_REFRESH_KEPT,
      ENDED_SESSION_RETENTION_MS,
    ])) as [RefreshRotation, string, string?]
    const [result, uid, until] = reply
    if (result === 'rotated')
      await this.#eval(INDEX_SESSION, this.#keys.userSessions(uid), ['', until ?? expiresAt])
    if (result === 'reused') await this.#t(this.#client.sRem(this.#keys.userSessions(uid), sid))
    return result
  }

  async publish(event: SessionEvent): Promise<void> {
    await this.#t(this.#client.publish(this.#keys.channel, JSON.stringify(event)))
  }

  async subscribe(
    handler: (e: SessionEvent) => void,
    onLink?: (up: boolean) => void,
  ): Promise<() => Promise<void>> {
    const sub = this.#client.duplicate()
    let up = false
    const link = (next: boolean): void => {
      if (next === up) return
      up = next
      onLink?.(next)
    }
    // The subscriber reconnects and resubscribes by itself; `onLink` lets callers fail closed meanwhile.
    sub.on('error', () => link(false))
    sub.on('reconnecting', () => link(false))
    sub.on('end', () => link(false))
    sub.on('ready', () => link(true))
    try {
      await this.#t(sub.connect())
      await this.#t(
        sub.subscribe(this.#keys.channel, (message: string) => {
          const event = parseSessionEvent(message)
          if (event) handler(event)
        }),
      )
    } catch (err) {
      sub.destroy()
      throw err
    }
    link(true)
    this.#subscribers.add(sub)
    return async () => {
      if (!this.#subscribers.delete(sub)) return
      onLink = undefined
      sub.destroy()
    }
  }

  async ping(): Promise<void> {
    await this.#t(this.#client.ping())
  }

  async close(): Promise<void> {
    for (const sub of this.#subscribers) sub.destroy()
    this.#subscribers.clear()
    if (this.#owns && this.#client.isOpen) await this.#client.close()
  }
}
