/** Reconnect backoff settings, in milliseconds. */
export interface BackoffOptions {
  /** Ceiling of the first retry window (ms). Default 250. */
  readonly baseMs?: number
  /** Largest window, however many attempts failed (ms). Default 30000. */
  readonly maxMs?: number
}

/** Default reconnect backoff: 250 ms, doubling, capped at 30 s. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 250, maxMs: 30_000 }

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a uniformly random delay in `[0, min(maxMs, baseMs * 2^attempt))`. Full jitter spreads a crowd of clients
 * that lost the same server over the whole window, so they do not reconnect in lockstep.
 * @param attempt 0 for the first retry after a failure, then 1, 2, …
 * @param random a source in [0, 1); injectable for tests
 * @example setTimeout(reconnect, backoffDelay(failures++))
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs
  // 2^attempt overflows to Infinity long after the cap is reached; Math.min keeps it finite.
  const window = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt))
  return Math.floor(random() * window)
}
