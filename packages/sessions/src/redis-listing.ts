import type { RedisConnection } from './connection.ts'
import { LISTING_FIELDS, parseListed, type ListedSession } from './grant.ts'
import { indexMemberSession, leaseSession, sessionIndexFloor, type Keys } from './keys.ts'
import { pageInMemory, type ListingQuery } from './listing.ts'
import { LIVE_LEASES, SESSION_INDEX_PAGE } from './scripts.ts'
import type { Role, SessionPage, SessionSummary } from './types.ts'

/** Index reads one listing page may take to fill itself past stale members (each reads at most `limit`). */
const INDEX_ROUNDS = 4

/** What the listing needs of `RedisSessionStore`. */
export interface RedisListingDeps {
  /** The store's connection (every call already bounded by its deadline). */
  redis: RedisConnection
  keys: Keys
  /** The user's current roles (the store's `getRoles`). */
  roles: (userId: string) => Promise<Role[] | null>
}

/**
 * `RedisSessionStore.listSessions` (decision 0920): pages of the session index (`keys.sessionIndex`), or of one
 * user's set, each session checked against its hash (stale members are dropped as they are met), with the user's
 * current roles and the session's live connection leases.
 */
export class RedisListing {
  readonly #d: RedisListingDeps

  constructor(deps: RedisListingDeps) {
    this.#d = deps
  }

  async list(q: ListingQuery, now: number): Promise<SessionPage> {
    const found =
      q.userId === undefined ? await this.#indexPage(q, now) : await this.#userPage(q.userId, q, now)
    return { sessions: await this.#summaries(found.page, now), nextCursor: found.nextCursor }
  }

  /** The session as the listing shows it, or null when it is no longer live. */
  async #listed(sid: string, now: number): Promise<ListedSession | null> {
    const { redis, keys } = this.#d
    return parseListed(sid, await redis.hmGet(keys.session(sid), LISTING_FIELDS), now)
  }

  /** Reads the index down from the cursor, dropping members whose session is gone, until the page is full. */
  async #indexPage(
    q: ListingQuery,
    now: number,
  ): Promise<{ page: ListedSession[]; nextCursor: string | null }> {
    const { redis, keys } = this.#d
    const page: ListedSession[] = []
    let cursor = q.cursor
    for (let round = 0; round < INDEX_ROUNDS; round++) {
      const want = q.limit - page.length
      const members = (await redis.run(
        SESSION_INDEX_PAGE,
        [keys.sessionIndex],
        [cursor ?? '', want, sessionIndexFloor(now)],
      )) as string[]
      const read = await Promise.all(
        members.map(async (member) => {
          const sid = indexMemberSession(member)
          return sid === null ? null : await this.#listed(sid, now)
        }),
      )
      const stale = members.filter((_, i) => read[i] === null)
      if (stale.length > 0) await redis.zRem(keys.sessionIndex, stale)
      for (const session of read) if (session) page.push(session)
      cursor = members.at(-1) ?? cursor
      if (members.length < want) return { page, nextCursor: null }
      if (page.length === q.limit) break
    }
    return { page, nextCursor: cursor ?? null }
  }

  /** One user's sessions, from their set (a handful: paged in memory), pruning stale ids like `listUserSessions`. */
  async #userPage(
    userId: string,
    q: ListingQuery,
    now: number,
  ): Promise<{ page: ListedSession[]; nextCursor: string | null }> {
    const { redis, keys } = this.#d
    const index = keys.userSessions(userId)
    const sids = await redis.sMembers(index)
    const read = await Promise.all(sids.map((sid) => this.#listed(sid, now)))
    const stale = sids.filter((_, i) => read[i] === null)
    if (stale.length > 0) await redis.sRem(index, stale)
    return pageInMemory(
      read.filter((s): s is ListedSession => s !== null && s.userId === userId),
      q,
    )
  }

  /** Adds each session's user roles and live connection count (one roles read and one lease read per user). */
  async #summaries(page: ListedSession[], now: number): Promise<SessionSummary[]> {
    const { redis, keys, roles } = this.#d
    const users = [...new Set(page.map((s) => s.userId))]
    const perUser = new Map(
      await Promise.all(
        users.map(async (userId) => {
          const [current, leases] = await Promise.all([
            roles(userId),
            redis.run(LIVE_LEASES, [keys.userConnections(userId)], [now]) as Promise<string[]>,
          ])
          return [userId, { roles: current ?? [], leases: leases.map(leaseSession) }] as const
        }),
      ),
    )
    return page.map((s) => {
      const user = perUser.get(s.userId)
      return {
        ...s,
        roles: [...(user?.roles ?? [])],
        connections: user?.leases.filter((sid) => sid === s.sid).length ?? 0,
      }
    })
  }
}
