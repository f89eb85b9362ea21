import type { RtStore } from './rt-store.ts'

/**
 * One user's message budget on this instance, leased in small batches from the user's token bucket on Redis
 * (shared by every instance). `take()` is synchronous: Redis is never on the per-message path; the next batch is
 * fetched in the background when the local pool runs low. See docs/decisions/0202-per-user-message-budget.md.
 */
export class UserBudget {
  #tokens = 0
  #inflight: Promise<void> | null = null
  #waitMs = 0
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

  /** Leases up to a full burst before the first message (awaited at connect; never rejects). */
  prime(): Promise<void> {
    return this.#tokens > 0 ? Promise.resolve() : this.#lease(this.#burst)
  }

  /** Takes one token: 0 when granted, else a hint of ms until the budget refills. */
  take(): number {
    if (this.#tokens < this.#batch) void this.#lease(this.#batch)
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return 0
    }
    return Math.max(this.#waitMs, Math.ceil(1000 / this.#rate))
  }

  #lease(want: number): Promise<void> {
    this.#inflight ??= this.#store
      .leaseMessages(this.#userId, this.#rate, this.#burst, want)
      .then(
        ({ granted, waitMs }) => {
          this.#tokens += granted
          this.#waitMs = waitMs
        },
        () => {
          // Redis unreachable: only the per-connection bucket limits for now; the store-health monitor closes
          // every socket (1013) if Redis stays away past STORE_GRACE_MS.
          this.#tokens += want
        },
      )
      .finally(() => {
        this.#inflight = null
      })
    return this.#inflight
  }
}
