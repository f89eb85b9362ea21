import { performance } from 'node:perf_hooks'
import type { PacedKind, Pacer } from './net/pacer.ts'
import type { CaseBudget } from './types.ts'
import { CaseFailure } from './verdicts.ts'

/**
 * One case's spending: its hard caps (requests, frames) and its pacing under the deployment's per-IP limits.
 * Flood cases are `unpaced`: they cross the limits on purpose. Time spent waiting for the pacer is measured
 * (overlapping waits once), because it does not count against the case's time limit.
 */
export class Meter {
  readonly #budget: CaseBudget
  readonly #pacer: Pacer
  /** The pacer's key for this case's own address. */
  readonly #key: string
  readonly #unpaced: boolean
  readonly #signal: AbortSignal
  #requests = 0
  #frames = 0
  #pacedDone = 0
  #pacing = 0
  #pacingSince = 0

  constructor(o: { budget: CaseBudget; pacer: Pacer; key: string; unpaced: boolean; signal: AbortSignal }) {
    this.#budget = o.budget
    this.#pacer = o.pacer
    this.#key = o.key
    this.#unpaced = o.unpaced
    this.#signal = o.signal
  }

  get unpaced(): boolean {
    return this.#unpaced
  }

  /** Counts one request or upgrade attempt; throws at the cap (the request over it is never sent). */
  request(): void {
    if (this.#signal.aborted) throw new CaseFailure('stopped: the case ran out of time')
    this.#requests += 1
    if (this.#requests > this.#budget.requests)
      throw new CaseFailure(
        `stopped at its cap of ${this.#budget.requests} requests (a suite bug, not a finding)`,
      )
  }

  /** Counts one frame sent; throws at the cap. */
  readonly frame = (): void => {
    this.#frames += 1
    if (this.#frames > this.#budget.frames)
      throw new CaseFailure(
        `stopped at its cap of ${this.#budget.frames} frames (a suite bug, not a finding)`,
      )
  }

  /** Time spent waiting for the pacer so far, ms. */
  get pacedMs(): number {
    return this.#pacedDone + (this.#pacing > 0 ? performance.now() - this.#pacingSince : 0)
  }

  /** Waits until `needs` fit under the limits from `key` (default this case's address); no wait when unpaced. */
  async pace(needs: Partial<Record<PacedKind, number>>, key = this.#key): Promise<void> {
    if (this.#unpaced) return
    if (this.#pacing++ === 0) this.#pacingSince = performance.now()
    try {
      await this.#pacer.reserve(key, needs)
    } finally {
      if (--this.#pacing === 0) this.#pacedDone += performance.now() - this.#pacingSince
    }
  }

  /** Records what the deployment counts: an upgrade sent, a 401 received, a login sent. */
  record(kind: PacedKind, key = this.#key): void {
    this.#pacer.record(key, kind)
  }
}
