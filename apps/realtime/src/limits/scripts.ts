/** Lua scripts: each is atomic on Redis, so counters and caps hold across every realtime instance. */

/**
 * The per-IP gate of every upgrade, one round trip: KEYS[1] the IP's block flag, KEYS[2] its fixed-window connect
 * counter (same `{ip}` hash tag, so one Redis Cluster slot). ARGV: window ms.
 * Returns {block pttl, count, window ttl ms}: a blocked IP (pttl -1 or > 0) is not counted ({pttl, 0, 0});
 * otherwise pttl is -2 and the counter was incremented (fixed window, like @fastify/rate-limit's store).
 */
export const GATE_CONNECT = `
local b = redis.call('PTTL', KEYS[1])
if b ~= -2 then return {b, 0, 0} end
local n = redis.call('INCR', KEYS[2])
if n == 1 then
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
  return {-2, n, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {-2, n, ttl}
`

/**
 * KEYS[1] failure counter, KEYS[2] block flag. ARGV: window ms, threshold, block ms.
 * Returns 1 when this failure blocked the IP, else 0.
 */
export const RECORD_AUTH_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`

/**
 * KEYS[1] the user's connection zset. ARGV: now ms, lease expiry ms, max, connection id.
 * Drops expired leases (instances that died), then admits when under the cap. Returns 1 admitted, 0 refused.
 * The key itself expires with its longest lease (never earlier: a short lease must not drop the others).
 */
export const ACQUIRE_CONNECTION = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`

/** KEYS[1] the user's connection zset. ARGV: lease expiry ms, connection ids… Extends live leases. */
export const RENEW_CONNECTIONS = `
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i]) end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
return 1
`

/**
 * KEYS[1] the user's message bucket. ARGV: now ms, rate per s, burst, tokens spent.
 * Refills, charges the tokens an instance already admitted (the balance may go negative, down to -burst: the user
 * then waits it off), returns {milli-tokens left, the time of that balance (ms)}.
 */
export const CHARGE_MESSAGES = `
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
`
