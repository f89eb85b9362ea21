/**
 * Lua scripts: each touches exactly one key (KEYS[1]) so it is atomic and cluster-safe. Events are published
 * from inside the script, so a revocation is never visible without its event.
 */

/** KEYS[1] session. ARGV: sid, reason, at (ms), channel. Deletes and publishes; returns the userId or nil. */
export const REVOKE_SESSION = `
local uid = redis.call('HGET', KEYS[1], 'userId')
if not uid then return nil end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[4], cjson.encode({v = 1, type = 'session.revoked', sid = ARGV[1], userId = uid,
  reason = ARGV[2], at = tonumber(ARGV[3])}))
return uid
`

/**
 * KEYS[1] session. ARGV: oldHash, newHash, expiresAt (ms), sid, at (ms), channel.
 * Returns {'rotated', uid} | {'reused', uid} | {'unknown', ''}.
 */
export const ROTATE_REFRESH = `
local uid = redis.call('HGET', KEYS[1], 'userId')
if not uid then return {'unknown', ''} end
if redis.call('HGET', KEYS[1], 'rt') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'rt', ARGV[2], 'x:' .. ARGV[1], '1', 'expiresAt', ARGV[3])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  return {'rotated', uid}
end
if redis.call('HEXISTS', KEYS[1], 'x:' .. ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[6], cjson.encode({v = 1, type = 'session.revoked', sid = ARGV[4], userId = uid,
    reason = 'refresh_reused', at = tonumber(ARGV[5])}))
  return {'reused', uid}
end
return {'unknown', ''}
`

/** KEYS[1] session. ARGV: hash. Sets the live refresh hash of an existing session; returns 1 or 0. */
export const SAVE_REFRESH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'rt', ARGV[1])
return 1
`

/** KEYS[1] user index. ARGV: sid or '' (only extend), expiresAt (ms). Keeps the index alive as long as its longest session. */
export const INDEX_SESSION = `
if ARGV[1] ~= '' then redis.call('SADD', KEYS[1], ARGV[1]) end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local at = tonumber(ARGV[2])
local ttl = redis.call('PEXPIRETIME', KEYS[1])
if ttl < 0 or ttl < at then redis.call('PEXPIREAT', KEYS[1], at) end
return 1
`

/** KEYS[1] roles. ARGV: roles JSON, userId, at (ms), channel. Writes and publishes `user.roles_changed`. */
export const SET_ROLES = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[4], '{"v":1,"type":"user.roles_changed","userId":' .. cjson.encode(ARGV[2]) ..
  ',"roles":' .. ARGV[1] .. ',"at":' .. ARGV[3] .. '}')
return 1
`

/** KEYS[1] roles. ARGV: initial roles JSON. Seeds the roles when absent (no event); returns the stored JSON. */
export const ENSURE_ROLES = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`
