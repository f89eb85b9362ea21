import type { Welcome } from '@portcullis/protocol'

/** A snapshot of the client's estimate of the server's message budget. */
export interface RateBudget {
  /** Whole frames the client may still send right now without being dropped (estimate). */
  readonly tokens: number
  /** Bucket size (`MSG_BURST`). */
  readonly burst: number
  /** Refill rate, frames per second (`MSG_RATE_PER_S`). */
  readonly ratePerS: number
}

/**
 * A local mirror of the server's per-socket token bucket, seeded from `welcome.limits`. The server is
 * authoritative; this estimate lets a UI show the remaining budget and lets callers pace themselves.
 * Every frame the client sends spends a token (invalid ones too, as on the server); a `rate_limited`
 * error means the server's bucket is empty, so the mirror empties too.
 */
export class RateBudgetMirror {
  #burst = 0
  #ratePerS = 0
  #tokens = 0
  #updatedAt = 0
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Starts a full bucket for a new socket. */
  reset(limits: Welcome['limits']): void {
    this.#burst = limits.msgBurst
    this.#ratePerS = limits.msgRatePerS
    this.#tokens = limits.msgBurst
    this.#updatedAt = this.#now()
  }

  /** One frame was sent. */
  spend(): void {
    this.#refill()
    this.#tokens = Math.max(0, this.#tokens - 1)
  }

  /** The server said `rate_limited`: its bucket is empty now. */
  exhausted(): void {
    this.#refill()
    this.#tokens = 0
  }

  snapshot(): RateBudget {
    this.#refill()
    return { tokens: Math.floor(this.#tokens), burst: this.#burst, ratePerS: this.#ratePerS }
  }

  #refill(): void {
    const now = this.#now()
    const elapsedS = Math.max(0, now - this.#updatedAt) / 1000
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsedS * this.#ratePerS)
    this.#updatedAt = now
  }
}
