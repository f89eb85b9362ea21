/**
 * Redis key layout, all under one configurable prefix. Keys that one script touches together share a `{…}`
 * hash tag, so every script works on Redis Cluster: each script below touches ONE key.
 */
export interface Keys {
  /**
   * Hash: userId, username, createdAt, expiresAt, endsAt (ms); `rt` = live refresh hash; the spent refresh hashes
   * (at most SPENT_REFRESH_KEPT) as `x:<hash>` fields, in a ring of `xs:<slot>` fields counted by `xn`.
   */
  session(sid: string): string
  /** Set of the user's session ids (an index; stale ids are pruned on read). */
  userSessions(userId: string): string
  /** String: JSON array of the user's roles. */
  roles(userId: string): string
  /** String: JSON TicketGrant, under the SHA-256 of the ticket. */
  ticket(ticketHash: string): string
  /** Pub/sub channel of the event contract. */
  channel: string
}

/** The key layout under `prefix` (e.g. `portcullis:`). */
export function keys(prefix: string): Keys {
  return {
    session: (sid) => `${prefix}session:{s:${sid}}`,
    userSessions: (userId) => `${prefix}user:{u:${userId}}:sessions`,
    roles: (userId) => `${prefix}user:{u:${userId}}:roles`,
    ticket: (hash) => `${prefix}ticket:${hash}`,
    channel: `${prefix}events`,
  }
}
