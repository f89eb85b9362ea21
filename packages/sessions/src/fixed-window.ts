import { lua, type RedisConnection } from './connection.ts'
import { keySlot } from './slots.ts'

/**
 * THE fixed-window counter of the workspace, one script run by SHA for every counter: the api's per-IP rate limit,
 * login failures and per-session quotas; realtime's per-IP connect rate and failed authentications.
 *
 * KEYS[1] counter; KEYS[2] optional block flag (same hash slot). ARGV: window ms, cost (integer), and optionally
 * the count that sets the block flag and the block's length in ms.
 * - While the block flag exists nothing is counted: returns {0, 0, flag's pttl (1000 if it has none), 0}.
 * - Else the first hit starts a window of ARGV[1] ms and the count resets when it ends. Cost 0 reads the count; a
 *   negative cost refunds, never below 0 and never starting a window. A counter that lost its expiry (a restored
 *   dump could) gets one again.
 * - A hit that brings the count to ARGV[3] sets the flag for ARGV[4] ms and deletes the counter.
 * Returns {count, ms until the window ends (0 when there is none), ms the flag still blocks, 1 if this hit set it}.
 */
export const FIXED_WINDOW = lua(
  'fixed_window',
  `
if KEYS[2] then
  local b = redis.call('PTTL', KEYS[2])
  if b ~= -2 then
    if b < 0 then b = 1000 end
    return {0, 0, b, 0}
  end
end
local cost = tonumber(ARGV[2])
if cost <= 0 and redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0, 0} end
local n = redis.call('INCRBY', KEYS[1], cost)
if n < 0 then
  redis.call('SET', KEYS[1], 0, 'KEEPTTL')
  n = 0
end
if KEYS[2] and ARGV[3] and cost > 0 and n >= tonumber(ARGV[3]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
  redis.call('DEL', KEYS[1])
  return {n, 0, tonumber(ARGV[4]), 1}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl, 0, 0}
`,
)

/** A fixed-window count after a hit. */
export interface WindowCount {
  /** Hits in the current window, this one included (0 while blocked: nothing is counted then). */
  count: number
  /** Milliseconds until the window ends (0 when there is none). */
  resetMs: number
  /** Milliseconds the block flag still holds (0 when not blocked; only with `block`). */
  blockedMs: number
  /** True when this hit reached `block.at` and set the flag. */
  blockedNow: boolean
}

/** Options of `hitFixedWindow`. */
export interface FixedWindowOptions {
  /** Window length, ms. */
  windowMs: number
  /** What this hit adds (default 1; 0 reads; negative refunds an earlier hit). */
  cost?: number
  /**
   * A block flag checked before counting (a blocked key counts nothing), set for `ms` when a hit brings the count
   * to `at` (omit `at` to only check it). Its key must share the counter's hash slot (a `{…}` tag).
   */
  block?: { key: string; at?: number; ms?: number }
}

/**
 * Counts a hit on a fixed-window counter in Redis, atomically (one script by SHA, one slot), shared by every
 * instance that uses the same key. Rejects with `StoreUnavailableError` (never hangs) when Redis cannot answer:
 * callers fail closed.
 * @example
 * const { count, resetMs } = await hitFixedWindow(redis, keys(prefix).sessionQuota('ticket', sid), { windowMs: 60_000 })
 * if (count > limit) throw new RateLimited(retryAfterSeconds(resetMs))
 */
export async function hitFixedWindow(
  redis: Pick<RedisConnection, 'run'>,
  key: string,
  options: FixedWindowOptions,
): Promise<WindowCount> {
  const { windowMs, cost = 1, block } = options
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError('windowMs must be a positive integer')
  if (!Number.isInteger(cost)) throw new RangeError('cost must be an integer')
  const keys = [key]
  const args: number[] = [windowMs, cost]
  if (block) {
    if (keySlot(block.key) !== keySlot(key)) throw new RangeError('the block key must share the counter slot')
    keys.push(block.key)
    if (block.at !== undefined) {
      if (!(Number.isInteger(block.at) && block.at >= 1 && Number.isInteger(block.ms) && block.ms! >= 1))
        throw new RangeError('block.at and block.ms must be positive integers')
      args.push(block.at, block.ms!)
    }
  }
  const [count, resetMs, blockedMs, now] = (await redis.run(FIXED_WINDOW, keys, args)) as number[]
  return { count: count!, resetMs: resetMs!, blockedMs: blockedMs!, blockedNow: now === 1 }
}

/**
 * Seconds to put in `Retry-After` for a window that ends in `resetMs` ms: whole seconds, at least 1.
 * @example retryAfterSeconds(1200) // 2
 */
export function retryAfterSeconds(resetMs: number): number {
  return Math.max(1, Math.ceil(resetMs / 1000))
}
