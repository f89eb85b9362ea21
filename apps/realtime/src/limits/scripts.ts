import { lua } from '@portcullis/sessions/redis'

/**
 * The realtime limits' own Lua scripts, run by SHA: each touches one key, so it is atomic on Redis and holds across
 * every realtime instance (and runs on Redis Cluster). The per-IP connect rate and failed-authentication counts are
 * the workspace's one fixed-window counter (`hitFixedWindow` of `@portcullis/sessions/redis`), not scripts here.
 */

/**
 * KEYS[1] the user's connection zset. ARGV: now ms, lease expiry ms, max, connection id.
 * Drops expired leases (instances that died), then admits when under the cap. Returns 1 admitted, 0 refused.
 * The key itself expires with its longest lease (never earlier: a short lease must not drop the others).
 */
export const ACQUIRE_CONNECTION = lua(
  'acquire_connection',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`,
)

/**
 * KEYS: connection zsets of one or more users. ARGV[1]: lease expiry ms; ARGV[2 .. #KEYS+1]: how many connection ids
 * each key has; then the ids, key after key. Extends live leases (never re-adds a released one) and each key's expiry.
 */
export const RENEW_CONNECTIONS = lua(
  'renew_connections',
  `
local at = ARGV[1]
local pos = #KEYS + 2
for k = 1, #KEYS do
  local last = pos + tonumber(ARGV[k + 1]) - 1
  for i = pos, last do redis.call('ZADD', KEYS[k], 'XX', at, ARGV[i]) end
  pos = last + 1
  local top = redis.call('ZRANGE', KEYS[k], -1, -1, 'WITHSCORES')
  if top[2] then redis.call('PEXPIREAT', KEYS[k], top[2]) end
end
return 1
`,
)

/**
 * KEYS[1] the user's message bucket. ARGV: now ms, rate per s, burst, tokens spent.
 * Refills, charges the tokens an instance already admitted (the balance may go negative, down to -burst: the user
 * then waits it off), returns {milli-tokens left, the time of that balance (ms)}.
 */
export const CHARGE_MESSAGES = lua(
  'charge_messages',
  `
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local spent = tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then tokens = burst; ts = now end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
tokens = math.max(-burst, tokens - spent)
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(2 * burst * 1000 / rate) + 1000)
return {math.floor(tokens * 1000), now}
`,
)
