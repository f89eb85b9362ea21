import type { RtStore } from './rt-store.ts'

/** While the user's budget is ample, admitted messages are charged to Redis at least this often (ms). */
const SYNC_MS = 5000

/**
 * One user's message budget on this instance, enforced across instances without Redis on the per-message path.
 * The instance keeps a local estimate of the user's token bucket on Redis (refilled by the clock, decremented on
 * every admitted message: synchronous) and charges what it admitted in batches, at most one call in flight:
 * - while the estimate is at least half the burst: every `burst/4` messages or every 5 s;
 * - below half the burst, and for the user's first message here: at once (then after each answer).
 * Each answer re-syncs the estimate with what all instances spent. A user who never sends costs no Redis call.
 * Over-admission across instances is bounded by what each admits between two syncs (at most `burst/4` messages
 * per instance while the budget is ample, one round trip's worth near the limit).
 * See docs/decisions/0202-per-user-message-budget.md.
 */
export class UserBudget {
  /** Estimated tokens in the shared bucket at `#at` (may be negative: the user waits it off). */
  #tokens: number
  #at = Date.now()
  #pending = 0
  #synced = false
  #inFlight = false
  #timer: NodeJS.Timeout | null = null
  readonly #userId: string
  readonly #store: RtStore
  readonly #perMs: number
  readonly #rate: number
  readonly #burst: number
  readonly #batch: number
  readonly #lowWater: number

  constructor(userId: string, store: RtStore, ratePerS: number, burst: number) {
    this.#userId = userId
    this.#store = store
    this.#rate = ratePerS
    this.#perMs = ratePerS / 1000
    this.#burst = burst
    this.#tokens = burst
    this.#batch = Math.max(1, Math.ceil(burst / 4))
    this.#lowWater = burst / 2
  }

  /** Takes one token: 0 when admitted, else the ms until the user's shared bucket has one again. */
  take(now: number): number {
    const tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs)
    this.#at = now
    if (tokens < 1) {
      this.#tokens = tokens
      return Math.ceil((1 - tokens) / this.#perMs)
    }
    this.#tokens = tokens - 1
    this.#pending += 1
    if (this.#urgent()) this.flush()
    else this.#timer ??= setTimeout(() => this.flush(), SYNC_MS).unref()
    return 0
  }

  /** Charges what is pending now (also called when one of the user's sockets here closes). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#pending === 0 || this.#inFlight) return
    const spent = this.#pending
    this.#pending = 0
    this.#inFlight = true
    this.#store.chargeMessages(this.#userId, this.#rate, this.#burst, spent).then(
      ({ tokens }) => {
        // Redis's balance includes every charge so far, not what this instance admitted since this one left.
        this.#tokens = tokens - this.#pending
        this.#at = Date.now()
        this.#synced = true
        this.#settled()
      },
      () => {
        // Redis unreachable: the local estimate and the per-connection bucket limit meanwhile; the store-health
        // monitor closes every socket (1013) if Redis stays away past STORE_GRACE_MS. Retry on the slow path.
        this.#pending += spent
        this.#settled(true)
      },
    )
  }

  #urgent(): boolean {
    return !this.#synced || this.#pending >= this.#batch || this.#tokens < this.#lowWater
  }

  #settled(failed = false): void {
    this.#inFlight = false
    if (this.#pending === 0) return
    if (!failed && this.#urgent()) this.flush()
    else this.#timer ??= setTimeout(() => this.flush(), SYNC_MS).unref()
  }
}
