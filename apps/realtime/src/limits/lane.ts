/**
 * Runs background Redis work (lease renewals, slot releases) with at most `maxInFlight` calls outstanding.
 * node-redis rejects every command once its queue holds `commandsQueueMaxLength` (10 000): a burst of one call per
 * user at 10 000 connections filled it, and an upgrade arriving in that moment was refused 503 although Redis was
 * healthy. Bounding the background lane keeps the queue's headroom for upgrades and spreads the burst over time.
 */
export class Lane {
  readonly #max: number
  #inFlight = 0
  readonly #waiting: Array<() => void> = []

  constructor(maxInFlight: number) {
    if (!(maxInFlight >= 1)) throw new Error('Lane: maxInFlight must be >= 1')
    this.#max = maxInFlight
  }

  /** Calls outstanding plus calls waiting for a turn. */
  get size(): number {
    return this.#inFlight + this.#waiting.length
  }

  /** Runs `task` once fewer than `maxInFlight` tasks are outstanding; settles like it. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#inFlight >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    this.#inFlight += 1
    try {
      return await task()
    } finally {
      this.#inFlight -= 1
      this.#waiting.shift()?.()
    }
  }
}
