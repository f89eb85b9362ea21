import {
  hitFixedWindow,
  keys,
  retryAfterSeconds,
  type Keys,
  type RedisConnection,
} from '@portcullis/sessions/redis'
import type { FastifyRequest } from 'fastify'
import { RateLimited, withRetryAfter } from '../errors.ts'
import { apiEvent } from '../security-events.ts'

/** What a session spends: ws-ticket mints and refreshes, each with its own budget. */
export type QuotaKind = 'ticket' | 'refresh'

/** The quota window, ms: TICKET_RATE_PER_MIN is per minute. */
export const QUOTA_WINDOW_MS = 60_000

/**
 * Per-session quotas of the credential routes (docs/reference/http-api.md: `TICKET_RATE_PER_MIN` tickets and refreshes per session per
 * minute; decision 0803): a fixed window per session and kind in Redis, shared by every api instance. Past the
 * budget the route answers 429 `rate_limited` with `Retry-After`, and an `auth.quota.exceeded` event is logged.
 * @example await app.sessionQuota.take(req, 'ticket', auth.claims.sid) // throws RateLimited past the budget
 */
export class SessionQuota {
  readonly #redis: RedisConnection
  readonly #keys: Keys
  readonly #perMin: number

  constructor(redis: RedisConnection, prefix: string, perMin: number) {
    if (!(perMin >= 1)) throw new RangeError('SessionQuota: perMin must be >= 1')
    this.#redis = redis
    this.#keys = keys(prefix)
    this.#perMin = perMin
  }

  async #hit(kind: QuotaKind, sid: string, cost: number): Promise<{ count: number; resetMs: number }> {
    const key = this.#keys.sessionQuota(kind, sid)
    return await hitFixedWindow(this.#redis, key, { windowMs: QUOTA_WINDOW_MS, cost })
  }

  #refuse(req: FastifyRequest, kind: QuotaKind, sid: string, resetMs: number): never {
    apiEvent(req.log, 'auth.quota.exceeded', { reason: kind, ip: req.ip, sessionId: sid, level: 'warn' })
    const retryAfterS = retryAfterSeconds(resetMs)
    throw withRetryAfter(new RateLimited(retryAfterS), retryAfterS)
  }

  /** Counts one use and throws 429 when it is beyond the budget. For tickets (the caller is authenticated). */
  async take(req: FastifyRequest, kind: QuotaKind, sid: string): Promise<void> {
    const { count, resetMs } = await this.#hit(kind, sid, 1)
    if (count > this.#perMin) this.#refuse(req, kind, sid, resetMs)
  }

  /**
   * Throws 429 when the budget is spent, without counting. Refresh checks first and `count`s only once the
   * token proved to be the session's: a forged token that names a session must not spend its budget.
   */
  async check(req: FastifyRequest, kind: QuotaKind, sid: string): Promise<void> {
    const { count, resetMs } = await this.#hit(kind, sid, 0)
    if (count >= this.#perMin) this.#refuse(req, kind, sid, resetMs)
  }

  /**
   * Counts one use that already happened; never refuses and never fails. It runs after the refresh token was
   * rotated: failing the request then would lose the new token, and the client's retry with the old one would
   * look like reuse and revoke the session. A count lost to a store error only makes the quota one more lenient.
   */
  async count(kind: QuotaKind, sid: string): Promise<void> {
    await this.#hit(kind, sid, 1).catch(() => {})
  }
}
