import { hashSecret } from '@portcullis/sessions'
import type { RedisClient } from '@portcullis/sessions/redis'
import { storeCall } from '../store-guard.ts'

/** The per-username failure window, ms (docs/reference/http-api.md: 15 minutes). */
export const USERNAME_WINDOW_MS = 15 * 60 * 1000

/** KEYS[1] counter; ARGV window ms. Counts one attempt; returns {count, pttl}. */
const ATTEMPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
`

/**
 * Per-username login throttle in Redis (shared by all api instances). Every attempt is counted BEFORE the
 * password is checked (so parallel guesses cannot overshoot); a success resets the count. Once more than
 * `limit` attempts fall in the window, every attempt — right password included — is refused until it ends.
 * Unknown usernames are counted the same way (no enumeration). Usernames are keyed by hash.
 */
export class LoginThrottle {
  readonly #redis: RedisClient
  readonly #prefix: string
  readonly #limit: number
  readonly #windowMs: number

  constructor(redis: RedisClient, prefix: string, limit: number, windowMs = USERNAME_WINDOW_MS) {
    this.#redis = redis
    this.#prefix = prefix
    this.#limit = limit
    this.#windowMs = windowMs
  }

  #key(username: string): string {
    return `${this.#prefix}login:fail:${hashSecret(username.toLowerCase())}`
  }

  /** Counts an attempt; `allowed: false` with the seconds until the window ends when throttled. */
  async attempt(username: string): Promise<{ allowed: boolean; retryAfterS: number }> {
    const [count, pttl] = (await storeCall(() =>
      this.#redis.eval(ATTEMPT, { keys: [this.#key(username)], arguments: [String(this.#windowMs)] }),
    )) as [number, number]
    return { allowed: count <= this.#limit, retryAfterS: Math.max(1, Math.ceil(pttl / 1000)) }
  }

  /** Forgets the failures after a successful login. */
  async reset(username: string): Promise<void> {
    await storeCall(() => this.#redis.del(this.#key(username)))
  }
}
