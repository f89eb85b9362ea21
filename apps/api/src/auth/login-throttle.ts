import { clientKey, hashSecret } from '@portcullis/sessions'
import {
  hitFixedWindow,
  keys as keyLayout,
  type Keys,
  type RedisConnection,
} from '@portcullis/sessions/redis'

/** The window of both failure counts, ms (docs/reference/http-api.md: 15 minutes). */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000

/** How long a client IP (/64) stays known for a username after a successful login, ms (docs/reference/http-api.md: 30 days). */
export const KNOWN_CLIENT_MS = 30 * 24 * 3600 * 1000

/** Options of `LoginThrottle`. */
export interface LoginThrottleOptions {
  /** REDIS_KEY_PREFIX. */
  prefix: string
  /** LOGIN_FAILURES_PER_USERNAME: failures per (username, client IP) per window before 429. */
  perClient: number
  /** LOGIN_FAILURES_PER_USERNAME_GLOBAL: failures per username from all IPs per window before only known IPs may try. */
  perUsername: number
  /** Default `LOGIN_WINDOW_MS`. */
  windowMs?: number
}

/** A refused attempt: `reason` is `username_ip` (this client's count) or `username_global` (the username's count). */
export interface LoginRefusal {
  allowed: false
  reason: 'username_ip' | 'username_global'
  retryAfterS: number
}

/** A counted attempt: settle it once the password was checked, or give it back when it never was. */
export interface LoginAttempt {
  allowed: true
  /** The password was right: the client's count resets, the username's is refunded, the client becomes known. */
  succeeded(): Promise<void>
  /** The password was never checked (busy): both counts are refunded. A wrong password settles nothing. */
  cancel(): Promise<void>
}

/**
 * Login throttling that is not a lock-out (docs/reference/http-api.md, decision 0802). Two fixed-window counts per
 * username, shared by all api instances through Redis:
 * - per (username, client IP; IPv6 by /64): past `perClient`, that client gets 429 for the username, even with
 *   the right password, until the window ends. Someone guessing `admin`'s password from one address never
 *   locks `admin` out elsewhere;
 * - per username across all IPs: past `perUsername`, only a client IP that logged in successfully as that user
 *   within 30 days may still try (with the right password, and still under its own count).
 * Attempts are counted BEFORE the password check, so parallel guesses cannot overshoot; an attempt refused or
 * never checked is refunded, so the counts are password checks that failed (or are running). Unknown usernames
 * are counted the same way (no enumeration). Usernames are keyed by hash, case-insensitively.
 * @example
 * const attempt = await throttle.begin(username, req.ip)
 * if (!attempt.allowed) throw new LoginThrottled(attempt.retryAfterS)
 */
export class LoginThrottle {
  readonly #redis: RedisConnection
  readonly #options: Required<LoginThrottleOptions>
  readonly #layout: Keys

  constructor(redis: RedisConnection, options: LoginThrottleOptions) {
    if (!(options.perClient >= 1) || !(options.perUsername >= 1))
      throw new RangeError('LoginThrottle: perClient and perUsername must be >= 1')
    this.#redis = redis
    this.#options = { windowMs: LOGIN_WINDOW_MS, ...options }
    this.#layout = keyLayout(options.prefix)
  }

  #keys(username: string, ip: string): { client: string; username: string; known: string } {
    const name = hashSecret(username.toLowerCase())
    const client = clientKey(ip)
    return {
      client: this.#layout.loginFailuresFromClient(name, client),
      username: this.#layout.loginFailures(name),
      known: this.#layout.knownLoginClient(name, client),
    }
  }

  async #hit(key: string, cost: number): Promise<{ count: number; resetMs: number }> {
    return await hitFixedWindow(this.#redis, key, { windowMs: this.#options.windowMs, cost })
  }

  /** Counts an attempt by `username` from `ip` before its password is checked; refuses past either count. */
  async begin(username: string, ip: string): Promise<LoginAttempt | LoginRefusal> {
    const keys = this.#keys(username, ip)
    const refuse = async (reason: LoginRefusal['reason'], resetMs: number, refund: string[]) => {
      await Promise.all(refund.map((key) => this.#hit(key, -1)))
      return { allowed: false, reason, retryAfterS: Math.max(1, Math.ceil(resetMs / 1000)) } as const
    }
    const client = await this.#hit(keys.client, 1)
    if (client.count > this.#options.perClient)
      return await refuse('username_ip', client.resetMs, [keys.client])
    const all = await this.#hit(keys.username, 1)
    if (all.count > this.#options.perUsername) {
      const known = await this.#redis.exists(keys.known)
      if (!known) return await refuse('username_global', all.resetMs, [keys.client, keys.username])
    }
    return {
      allowed: true,
      succeeded: async () => {
        await Promise.all([
          this.#redis.del(keys.client),
          this.#hit(keys.username, -1),
          this.#redis.set(keys.known, '1', { px: KNOWN_CLIENT_MS }),
        ])
      },
      cancel: async () => {
        await Promise.all([this.#hit(keys.client, -1), this.#hit(keys.username, -1)])
      },
    }
  }
}
