import { SESSION_CURSOR_PATTERN, sessionIndexMember } from './keys.ts'
import { DEFAULT_SESSION_PAGE, MAX_SESSION_PAGE, type SessionQuery } from './types.ts'

const CURSOR = new RegExp(SESSION_CURSOR_PATTERN)

/** A `SessionQuery` with its defaults applied and checked. */
export interface ListingQuery {
  userId: string | undefined
  /** A `sessionIndex` member: the page starts below it (the listing runs newest first). */
  cursor: string | undefined
  limit: number
}

/** Applies the defaults of a `SessionQuery`; throws `RangeError` for a malformed cursor or limit. */
export function listingQuery(query: SessionQuery = {}): ListingQuery {
  const limit = query.limit ?? DEFAULT_SESSION_PAGE
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SESSION_PAGE)
    throw new RangeError(`listSessions: limit must be an integer from 1 to ${MAX_SESSION_PAGE}`)
  if (query.cursor !== undefined && !CURSOR.test(query.cursor))
    throw new RangeError('listSessions: malformed cursor')
  return { userId: query.userId, cursor: query.cursor, limit }
}

/**
 * One page of sessions held in memory (a user's, or the memory store's): newest first in the listing order
 * (`sessionIndexMember`, descending), those below `cursor`, at most `limit`, and the cursor of the next page.
 */
export function pageInMemory<T extends { sid: string; endsAt: number }>(
  sessions: readonly T[],
  { cursor, limit }: ListingQuery,
): { page: T[]; nextCursor: string | null } {
  const ordered = sessions
    .map((s) => ({ s, member: sessionIndexMember(s.endsAt, s.sid) }))
    .filter(({ member }) => cursor === undefined || member < cursor)
    .toSorted((a, b) => (a.member < b.member ? 1 : a.member > b.member ? -1 : 0))
  const page = ordered.slice(0, limit)
  const more = ordered.length > limit
  return { page: page.map(({ s }) => s), nextCursor: more ? (page.at(-1)?.member ?? null) : null }
}
