/**
 * A token bucket (capacity `burst`, refill `ratePerS`), synchronous and allocation-free: the per-connection
 * message limit on the hot path. Times are epoch ms.
 */
export class TokenBucket {
  #tokens: number
  #last: number
  readonly #perMs: number
  readonly #burst: number

  constructor(ratePerS: number, burst: number, now = Date.now()) {
    this.#perMs = ratePerS / 1000
    this.#burst = burst
    this.#tokens = burst
    this.#last = now
  }

  /** Takes one token: 0 when granted, else the ms until one is available. */
  take(now: number): number {
    const tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs)
    this.#last = now
    if (tokens >= 1) {
      this.#tokens = tokens - 1
      return 0
    }
    this.#tokens = tokens
    return Math.ceil((1 - tokens) / this.#perMs)
  }
}
