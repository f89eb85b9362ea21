import type { RtStore } from './rt-store.ts'

/**
 * One user's message budget on this instance, leased in small batches from the user's token bucket on Redis
 * (shared by every instance). `take()` is synchronous: Redis is never on the per-message path; the next batch is
 * fetched in the background when the local pool runs low, and while it is on its way the pool may run up to one
 * batch into debt (repaid by the next lease) unless Redis just said the user's bucket is empty.
 * See docs/decisions/0202-per-user-message-budget.md.
 */
export class UserBudget {
  #tokens = 0
  #inflight: Promise<void> | null = null
  /** Until this instant (epoch ms) the shared bucket is known to be empty: no debt allowed. */
  #exhaustedUntil = 0
  readonly #userId: string
  readonly #store: RtStore
  readonly #rate: number
  readonly #burst: number
  readonly #batch: number

  constructor(userId: string, store: RtStore, ratePerS: number, burst: number) {
    this.#userId = userId
    this.#store = store
    this.#rate = ratePerS
    this.#burst = burst
    this.#batch = Math.max(1, Math.ceil(burst / 4))
  }

  /**
   * Leases up to a full burst before the user's first socket here sends anything (awaited at connect; never
   * rejects), so a fresh connection's first burst is not refused for want of a round trip.
   */
  prime(): Promise<void> {
    return this.#tokens > 0 ? Promise.resolve() : this.#lease(this.#burst)
  }

  /** Takes one token: 0 when granted, else a hint of ms until the budget refills. */
  take(now: number): number {
    if (this.#tokens < this.#batch + 1) void this.#lease()
    if (this.#tokens >= 1 || (now >= this.#exhaustedUntil && this.#tokens > -this.#batch)) {
      this.#tokens -= 1
      return 0
    }
    return Math.max(Math.ceil(1000 / this.#rate), this.#exhaustedUntil - now)
  }

  #lease(want = this.#batch): Promise<void> {
    this.#inflight ??= this.#store
      .leaseMessages(this.#userId, this.#rate, this.#burst, want)
      .then(
        ({ granted, waitMs }) => {
          this.#tokens += granted
          if (granted < want) this.#exhaustedUntil = Date.now() + Math.max(1, waitMs)
        },
        () => {
          // Redis unreachable: only the per-connection bucket limits for now; the store-health monitor closes
          // every socket (1013) if Redis stays away past STORE_GRACE_MS.
          this.#tokens = Math.max(this.#tokens, 0) + want
        },
      )
      .finally(() => {
        this.#inflight = null
      })
    return this.#inflight
  }
}
