import type { RtStore } from './rt-store.ts'

/** Admitted messages are charged to Redis at least this often (ms) while a user is sending. */
const FLUSH_MS = 50

/**
 * One user's message budget on this instance, enforced across instances without Redis on the per-message path.
 * The instance keeps a local estimate of the user's token bucket on Redis (refilled by the clock, decremented on
 * every admitted message) and charges what it admitted to Redis in small batches (every `burst/4` messages or
 * 50 ms); each answer re-syncs the estimate with what all instances spent. Over-admission across instances is
 * bounded by what they admit between two syncs. See docs/decisions/0202-per-user-message-budget.md.
 */
export class UserBudget {
  /** Estimated tokens in the shared bucket at `#at` (may be negative: the user waits it off). */
  #tokens: number
  #at = Date.now()
  #pending = 0
  #timer: NodeJS.Timeout | null = null
  readonly #userId: string
  readonly #store: RtStore
  readonly #perMs: number
  readonly #rate: number
  readonly #burst: number
  readonly #batch: number

  constructor(userId: string, store: RtStore, ratePerS: number, burst: number) {
    this.#userId = userId
    this.#store = store
    this.#rate = ratePerS
    this.#perMs = ratePerS / 1000
    this.#burst = burst
    this.#tokens = burst
    this.#batch = Math.max(1, Math.ceil(burst / 4))
  }

  /** Syncs the estimate with Redis before the user's first socket here is welcomed (never rejects). */
  prime(): Promise<void> {
    return this.#charge(0)
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
    if (this.#pending >= this.#batch) this.flush()
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref()
    return 0
  }

  /** Charges what is pending now (also called when one of the user's sockets here closes). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const spent = this.#pending
    if (spent === 0) return
    this.#pending = 0
    void this.#charge(spent)
  }

  #charge(spent: number): Promise<void> {
    return this.#store.chargeMessages(this.#userId, this.#rate, this.#burst, spent).then(
      ({ tokens }) => {
        // Redis's balance includes every charge so far, not what this instance admitted since this one left.
        this.#tokens = tokens - this.#pending
        this.#at = Date.now()
      },
      () => {
        // Redis unreachable: the local estimate and the per-connection bucket limit meanwhile; the store-health
        // monitor closes every socket (1013) if Redis stays away past STORE_GRACE_MS.
      },
    )
  }
}
