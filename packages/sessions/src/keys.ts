import { EVENT_PARTITIONS, partitionOf, partitionTag } from './partitions.ts'

/**
 * THE Redis key layout of Portcullis (api and realtime), all under one configurable prefix (`REDIS_KEY_PREFIX`).
 * Keys that one script touches together share a `{…}` hash tag, so every script runs on Redis Cluster; a script
 * that publishes an event does so on the sharded channel of its key's slot (`events`), so session and roles keys
 * carry their event partition's tag (see `EVENT_PARTITIONS`). IPs are used as they are (IPv6 colons are fine in
 * keys; callers pass `clientKey(ip)`).
 */
export interface Keys {
  /**
   * Hash: userId, username, createdAt, expiresAt, endsAt (ms); `rt` = live refresh hash; the spent refresh hashes
   * (at most SPENT_REFRESH_KEPT) as `x:<hash>` fields, in a ring of `xs:<slot>` fields counted by `xn`.
   */
  session(sid: string): string
  /** Set of the user's session ids (an index; stale ids are pruned on read). No script touches it with another key. */
  userSessions(userId: string): string
  /**
   * Sorted set of every session, all scored 0 so it orders by member: `sessionIndexMember(endsAt, sid)`. The admin
   * listing pages through it; ended members are pruned on every write and read, revoked or expired ones on read.
   * One key (one slot on a cluster): touched once per login and per listing page.
   */
  sessionIndex: string
  /** String: JSON array of the user's roles (in the slot of the user's event partition). */
  roles(userId: string): string
  /** String: JSON TicketGrant, under the SHA-256 of the ticket. */
  ticket(ticketHash: string): string
  /** The sharded channels of the event contract, one per partition (index = partition). */
  events: readonly string[]
  /** The event channel of a session id or user id: the one in the slot of its `session` / `roles` key. */
  eventsOf(id: string): string
  /** realtime: fixed-window connect counter of an IP (checked with the block in one script). */
  connectRate(ip: string): string
  /** realtime: fixed-window failed-authentication counter of an IP. */
  authFailures(ip: string): string
  /** realtime: present while the IP is blocked. */
  ipBlock(ip: string): string
  /**
   * realtime: sorted set of the user's live connections across all instances, scored by lease expiry (ms). Members
   * are `connectionLease(sid, connectionId)`, so the admin listing can count a session's connections.
   */
  userConnections(userId: string): string
  /** realtime: hash `{t: tokens, ts: ms}`, the user's message token bucket across all instances. */
  userMessageBucket(userId: string): string
  /** realtime: sharded channel that carries one protocol channel's publishes between instances (tagged by it). */
  fanout(channel: string): string
  /** api: failed logins of one username (its hash) from one client key (IP, IPv6 /64), fixed window. */
  loginFailuresFromClient(usernameHash: string, client: string): string
  /** api: failed logins of one username (its hash) from every client, fixed window. */
  loginFailures(usernameHash: string): string
  /** api: present while a client key logged in successfully as the username within 30 days. */
  knownLoginClient(usernameHash: string, client: string): string
  /** api: a session's ticket or refresh budget, fixed window. */
  sessionQuota(kind: string, sid: string): string
  /** api: prefix of @fastify/rate-limit's per-route, per-IP counters. */
  rateLimitPrefix: string
  /**
   * api: set of the Portcullis session ids opened by exchanges under one identity-provider session (hash of issuer
   * and the provider's `sid`), for back-channel logout; expires with the last of those sessions.
   */
  providerSessions(issuerSidHash: string): string
  /** api: present until the token's `exp` once a provider token (`kind`: subject, logout) was used (its hash). */
  providerTokenSeen(kind: string, tokenHash: string): string
}

/** The hash tag of an id's event partition. */
function tag(id: string): string {
  return partitionTag(partitionOf(id))
}

/**
 * The key layout under `prefix` (e.g. `portcullis:`).
 * @example keys('portcullis:').session('abc') // 'portcullis:session:{ev<k>.<n>}:abc' (k = partitionOf('abc'))
 */
export function keys(prefix: string): Keys {
  const rt = `${prefix}rt:`
  const events = Array.from({ length: EVENT_PARTITIONS }, (_, k) => `${prefix}events:{${partitionTag(k)}}`)
  return {
    session: (sid) => `${prefix}session:{${tag(sid)}}:${sid}`,
    userSessions: (userId) => `${prefix}user:{u:${userId}}:sessions`,
    sessionIndex: `${prefix}sessions:index`,
    roles: (userId) => `${prefix}roles:{${tag(userId)}}:${userId}`,
    ticket: (hash) => `${prefix}ticket:${hash}`,
    events,
    eventsOf: (id) => events[partitionOf(id)]!,
    connectRate: (ip) => `${rt}ip:{${ip}}:connect`,
    authFailures: (ip) => `${rt}ip:{${ip}}:fail`,
    ipBlock: (ip) => `${rt}ip:{${ip}}:block`,
    userConnections: (userId) => `${rt}user:{${userId}}:conns`,
    userMessageBucket: (userId) => `${rt}user:{${userId}}:msg`,
    loginFailuresFromClient: (name, client) => `${prefix}login:fail:${name}:${client}`,
    loginFailures: (name) => `${prefix}login:fail:${name}`,
    knownLoginClient: (name, client) => `${prefix}login:known:${name}:${client}`,
    sessionQuota: (kind, sid) => `${prefix}quota:${kind}:${sid}`,
    rateLimitPrefix: `${prefix}ratelimit:`,
    fanout: (channel) => `${rt}ch:{${channel}}`,
    providerSessions: (hash) => `${prefix}idp:sid:${hash}`,
    providerTokenSeen: (kind, hash) => `${prefix}idp:seen:${kind}:${hash}`,
  }
}

/** Digits of the end time in a `sessionIndex` member: zero-padded, so the lexical order is the numeric order. */
const INDEX_TIME_DIGITS = 16

/** What a session listing cursor looks like (a `sessionIndex` member), for route schemas. */
export const SESSION_CURSOR_PATTERN = `^\\d{${INDEX_TIME_DIGITS}}:[A-Za-z0-9_-]{1,128}$`
const SESSION_CURSOR = new RegExp(SESSION_CURSOR_PATTERN)

/**
 * A member of `sessionIndex`: the session's absolute end (ms, 16 digits) and its id. Lexical order = by end, then
 * id: the admin listing's order (newest login first when read in reverse) and its cursor.
 * @example sessionIndexMember(1764300000000, 'abc') // '0001764300000000:abc'
 */
export function sessionIndexMember(endsAt: number, sid: string): string {
  return `${String(Math.max(0, Math.trunc(endsAt))).padStart(INDEX_TIME_DIGITS, '0')}:${sid}`
}

/** The lowest `sessionIndex` member of a session that has not ended at `now` (ms): a bound for pruning ended ones. */
export function sessionIndexFloor(now: number): string {
  return String(Math.max(0, Math.trunc(now))).padStart(INDEX_TIME_DIGITS, '0')
}

/**
 * The session id of a `sessionIndex` member, or null when it is not one.
 * @example indexMemberSession('0001764300000000:abc') // 'abc'
 */
export function indexMemberSession(member: string): string | null {
  return SESSION_CURSOR.test(member) ? member.slice(INDEX_TIME_DIGITS + 1) : null
}

/**
 * A member of `userConnections`: the connection's session and id (neither contains `:`). Realtime leases and
 * releases connections under it; the admin listing counts a session's connections by its prefix.
 * @example connectionLease('sid1', 'conn1') // 'sid1:conn1'
 */
export function connectionLease(sid: string, connectionId: string): string {
  return `${sid}:${connectionId}`
}

/**
 * The session id of a `userConnections` member, or null for a member without one (written by a realtime instance
 * older than connection leases: it counts for no session until its lease ends).
 * @example leaseSession('sid1:conn1') // 'sid1'
 */
export function leaseSession(member: string): string | null {
  const at = member.indexOf(':')
  return at > 0 ? member.slice(0, at) : null
}
