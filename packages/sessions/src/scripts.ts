import { lua } from './connection.ts'

/**
 * The session store's Lua scripts: each touches exactly one key (KEYS[1]) so it is atomic and cluster-safe, and is
 * run by SHA. Events are published from inside the script with `SPUBLISH` on the event channel of the key's slot
 * (`Keys.eventsOf`), so a revocation is never visible without its event, on one node and on a cluster alike.
 */

/** Lua `ms(v)`: a stored epoch-ms field as a number, or nil unless it is 1–16 decimal digits (as `parseSession`). */
const EPOCH_MS = `
local function ms(v)
  if type(v) == 'string' and #v <= 16 and string.match(v, '^%d+$') then return tonumber(v) end
  return nil
end
`

/**
 * KEYS[1] session. ARGV: sid, reason, at (ms), channel. Deletes the session; publishes and returns the userId only
 * when it was still live (an expired or ended one, kept inert, is deleted silently); nil otherwise.
 */
export const REVOKE_SESSION = lua(
  'revoke_session',
  `${EPOCH_MS}
local h = redis.call('HMGET', KEYS[1], 'userId', 'expiresAt', 'endsAt')
if not h[1] then return nil end
redis.call('DEL', KEYS[1])
local now, exp, ends = tonumber(ARGV[3]), ms(h[2]), ms(h[3])
if not exp or not ends or exp <= now or ends <= now then return nil end
redis.call('SPUBLISH', ARGV[4], cjson.encode({v = 1, type = 'session.revoked', sid = ARGV[1], userId = h[1],
  reason = ARGV[2], at = now}))
return h[1]
`,
)

/**
 * KEYS[1] session. ARGV: oldHash, newHash, expiresAt (ms, wanted), sid, now (ms), channel, spent hashes kept,
 * ended retention (ms). Returns {'rotated', uid, new expiresAt} | {'reused', uid} | {'ended', uid} | {'unknown', ''}.
 *
 * Only a hash the session issued (live `rt`, or a spent `x:<hash>`) gets anything but `unknown`. Past `endsAt`
 * it gets `ended` and nothing changes. Spent hashes live in a ring of `ARGV[7]` slots: `xn` counts rotations,
 * `xs:<n mod size>` names the hash in each slot, and the hash evicted from a slot loses its `x:` field, so the
 * session hash never holds more than `ARGV[7]` spent hashes. The new `expiresAt` is capped at `endsAt`; a window
 * that reaches `endsAt` keeps the key `ARGV[8]` ms past it (see `retainUntil`). `refreshedAt` records the rotation
 * (the admin listing's "last refreshed").
 */
export const ROTATE_REFRESH = lua(
  'rotate_refresh',
  `${EPOCH_MS}
local h = redis.call('HMGET', KEYS[1], 'userId', 'rt', 'expiresAt', 'endsAt')
local uid, exp, ends = h[1], ms(h[3]), ms(h[4])
if not uid or not exp or not ends then return {'unknown', ''} end
local live = h[2] == ARGV[1]
if not live and redis.call('HEXISTS', KEYS[1], 'x:' .. ARGV[1]) == 0 then return {'unknown', ''} end
local now = tonumber(ARGV[5])
if now >= ends then return {'ended', uid} end
if now >= exp then return {'unknown', ''} end
if not live then
  redis.call('DEL', KEYS[1])
  redis.call('SPUBLISH', ARGV[6], cjson.encode({v = 1, type = 'session.revoked', sid = ARGV[4], userId = uid,
    reason = 'refresh_reused', at = now}))
  return {'reused', uid}
end
local slot = 'xs:' .. (redis.call('HINCRBY', KEYS[1], 'xn', 1) % tonumber(ARGV[7]))
local evicted = redis.call('HGET', KEYS[1], slot)
if evicted then redis.call('HDEL', KEYS[1], 'x:' .. evicted) end
local until_ms, keep_ms = ARGV[3], ARGV[3]
if tonumber(ARGV[3]) >= ends then
  until_ms = h[4]
  keep_ms = string.format('%.0f', ends + tonumber(ARGV[8]))
end
redis.call('HSET', KEYS[1], 'rt', ARGV[2], slot, ARGV[1], 'x:' .. ARGV[1], '1', 'expiresAt', until_ms,
  'refreshedAt', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], keep_ms)
return {'rotated', uid, until_ms}
`,
)

/** KEYS[1] session. ARGV: hash. Sets the live refresh hash of an existing session; returns 1 or 0. */
export const SAVE_REFRESH = lua(
  'save_refresh',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'rt', ARGV[1])
return 1
`,
)

/**
 * KEYS[1] session. ARGV: userId, username, createdAt, expiresAt, endsAt (ms), keep until (ms, see `retainUntil`).
 * Writes the record and its expiry in one step.
 */
export const CREATE_SESSION = lua(
  'create_session',
  `
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'username', ARGV[2], 'createdAt', ARGV[3], 'expiresAt', ARGV[4],
  'endsAt', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
return 1
`,
)

/** KEYS[1] user index. ARGV: sid or '' (only extend), expiresAt (ms). Keeps the index alive as long as its longest session. */
export const INDEX_SESSION = lua(
  'index_session',
  `
if ARGV[1] ~= '' then redis.call('SADD', KEYS[1], ARGV[1]) end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local at = tonumber(ARGV[2])
local ttl = redis.call('PEXPIRETIME', KEYS[1])
if ttl < 0 or ttl < at then redis.call('PEXPIREAT', KEYS[1], at) end
return 1
`,
)

/** KEYS[1] roles. ARGV: roles JSON, userId, at (ms), channel. Writes and publishes `user.roles_changed`. */
export const SET_ROLES = lua(
  'set_roles',
  `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SPUBLISH', ARGV[4], '{"v":1,"type":"user.roles_changed","userId":' .. cjson.encode(ARGV[2]) ..
  ',"roles":' .. ARGV[1] .. ',"at":' .. ARGV[3] .. '}')
return 1
`,
)

/** KEYS[1] roles. ARGV: initial roles JSON. Seeds the roles when absent (no event); returns the stored JSON. */
export const ENSURE_ROLES = lua(
  'ensure_roles',
  `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`,
)

/**
 * KEYS[1] the session index. ARGV: member (`sessionIndexMember`), floor (`sessionIndexFloor(now)`). Adds the
 * session and drops every member that ended before now, so the index never outgrows the sessions of one
 * SESSION_MAX_AGE_S (revoked and expired ones are dropped when a listing reads them).
 */
export const INDEX_LIVE_SESSION = lua(
  'index_live_session',
  `
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[2])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 1
`,
)

/**
 * KEYS[1] the session index. ARGV: cursor member or '' (from the newest), count, floor (`sessionIndexFloor(now)`).
 * Drops the members that ended before now, then returns up to `count` members below the cursor, newest first.
 */
export const SESSION_INDEX_PAGE = lua(
  'session_index_page',
  `
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[3])
local top = '+'
if ARGV[1] ~= '' then top = '(' .. ARGV[1] end
return redis.call('ZRANGE', KEYS[1], top, '-', 'BYLEX', 'REV', 'LIMIT', 0, tonumber(ARGV[2]))
`,
)

/** KEYS[1] a user's connection leases (`Keys.userConnections`). ARGV: now (ms). The members whose lease runs past now. */
export const LIVE_LEASES = lua(
  'live_leases',
  `
return redis.call('ZRANGE', KEYS[1], '(' .. ARGV[1], '+inf', 'BYSCORE')
`,
)
