import type { RedisClient } from './client.ts'
import { withDeadline } from './deadline.ts'

/**
 * KEYS[1] counter. ARGV: window (ms), cost (integer). Fixed window: the first hit starts a window of ARGV[1] ms
 * and the count resets when it ends. Cost 0 reads the count; a negative cost refunds, never below 0 and never
 * starting a window. A counter that lost its expiry (it cannot, but a restored dump could) gets one again.
 * Returns {count, ms until the window ends} ({0, 0} when there is no window).
 */
export const FIXED_WINDOW_HIT = `
local cost = tonumber(ARGV[2])
if cost <= 0 and redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local n = redis.call('INCRBY', KEYS[1], cost)
if n < 0 then
  redis.call('SET', KEYS[1], 0, 'KEEPTTL')
  n = 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`

/** A fixed-window count after a hit. */
export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number
  /** Milliseconds until the window ends (0 when there is none). */
  resetMs: number
}

/** Options of `hitFixedWindow`. */
export interface FixedWindowOptions {
  /** Window length, ms. */
  windowMs: number
  /** What this hit adds (default 1; 0 reads; negative refunds an earlier hit). */
  cost?: number
  /** Rejects with `StoreTimeoutError` after this long without an answer (default 1000 ms). */
  timeoutMs?: number
}

/**
 * Counts a hit on a fixed-window counter in Redis, atomically (one Lua script on one key, cluster-safe), shared
 * by every instance that uses the same key. Rejects (never hangs) when Redis is unreachable: callers fail closed.
 * The one fixed-window counter of the workspace: every per-IP, per-username and per-session quota counts here.
 * @example
 * const { count, resetMs } = await hitFixedWindow(redis, keys(prefix).sessionQuota('ticket', sid), { windowMs: 60_000 })
 * if (count > limit) throw new RateLimited(Math.ceil(resetMs / 1000))
 */
export async function hitFixedWindow(
  client: Pick<RedisClient, 'eval'>,
  key: string,
  options: FixedWindowOptions,
): Promise<WindowCount> {
  const { windowMs, cost = 1, timeoutMs = 1000 } = options
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError('windowMs must be a positive integer')
  if (!Number.isInteger(cost)) throw new RangeError('cost must be an integer')
  const reply = await withDeadline(
    client.eval(FIXED_WINDOW_HIT, { keys: [key], arguments: [String(windowMs), String(cost)] }),
    timeoutMs,
  )
  const [count, resetMs] = reply as [number, number]
  return { count, resetMs }
}

/**
 * Seconds to put in `Retry-After` for a window that ends in `resetMs` ms: whole seconds, at least 1.
 * @example retryAfterSeconds(1200) // 2
 */
export function retryAfterSeconds(resetMs: number): number {
  return Math.max(1, Math.ceil(resetMs / 1000))
}
