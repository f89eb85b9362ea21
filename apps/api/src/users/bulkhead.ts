import { availableParallelism } from 'node:os'

/** Bounds of a `Bulkhead`. */
export interface BulkheadOptions {
  /** Calls running at once (>= 1). */
  maxConcurrent: number
  /** Calls waiting for a slot (>= 0); one more is refused at once with `BulkheadFull`. */
  maxQueued: number
}

/**
 * The default bound of password checks: one argon2id verify per core, at most 4 (libuv's thread pool, which
 * runs them, has 4 threads shared with fs, dns and crypto), and 4 waiting per running one. On 2 cores: 2 running,
 * 8 waiting; at ~30–50 ms per verify (m = 19 MiB, t = 2), a waiting login starts within ~0.2 s.
 */
export const DEFAULT_PASSWORD_CONCURRENCY: BulkheadOptions = (() => {
  const maxConcurrent = Math.min(4, Math.max(1, availableParallelism()))
  return { maxConcurrent, maxQueued: 4 * maxConcurrent }
})()

/** A call refused because every slot and every queue place was taken. */
export class BulkheadFull extends Error {
  constructor() {
    super('bulkhead full')
    this.name = 'BulkheadFull'
  }
}

/**
 * Bounded concurrency with a bounded FIFO queue: never an unbounded backlog. When `maxConcurrent` calls run and
 * `maxQueued` wait, `run` rejects at once with `BulkheadFull` (callers answer 503 + Retry-After).
 * @example const gate = new Bulkhead({ maxConcurrent: 2, maxQueued: 8 }); await gate.run(() => verify(hash, pw))
 */
export class Bulkhead {
  readonly #options: BulkheadOptions
  readonly #waiting: Array<() => void> = []
  #running = 0

  constructor(options: BulkheadOptions) {
    if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1)
      throw new RangeError('Bulkhead: maxConcurrent must be an integer >= 1')
    if (!Number.isInteger(options.maxQueued) || options.maxQueued < 0)
      throw new RangeError('Bulkhead: maxQueued must be an integer >= 0')
    this.#options = { ...options }
  }

  /** Calls running now. */
  get running(): number {
    return this.#running
  }

  /** Calls waiting now. */
  get queued(): number {
    return this.#waiting.length
  }

  /** Runs `work` in a slot, waiting in the queue when all are busy; rejects with `BulkheadFull` when it is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.#options.maxConcurrent) this.#running += 1
    else if (this.#waiting.length < this.#options.maxQueued)
      // The releasing call hands its slot over: `#running` stays as it is.
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    else throw new BulkheadFull()
    try {
      return await work()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#running -= 1
    }
  }
}
