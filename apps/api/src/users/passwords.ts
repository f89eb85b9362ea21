import { hash, verify } from '@node-rs/argon2'
import { Bulkhead, DEFAULT_PASSWORD_CONCURRENCY, type BulkheadOptions } from './bulkhead.ts'

/** argon2id cost. Defaults are OWASP's first recommendation: m = 19456 KiB (19 MiB), t = 2, p = 1. */
export interface HashOptions {
  /** KiB. */
  memoryCost: number
  timeCost: number
  parallelism: number
}

export const DEFAULT_HASH_OPTIONS: HashOptions = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

/**
 * argon2id hashing, plus a dummy hash of the same cost so that an unknown username costs the same verify
 * work as a wrong password (no enumeration by timing). Verifies run through a `Bulkhead`: at most
 * `concurrency.maxConcurrent` at once and `maxQueued` waiting; beyond that `verify` rejects at once with
 * `BulkheadFull`, so a login flood costs bounded CPU and memory instead of an ever longer queue.
 * @example const hasher = new PasswordHasher(DEFAULT_HASH_OPTIONS, { maxConcurrent: 2, maxQueued: 8 })
 */
export class PasswordHasher {
  readonly #options: HashOptions
  readonly #gate: Bulkhead
  #dummy: Promise<string>

  constructor(
    options: HashOptions = DEFAULT_HASH_OPTIONS,
    concurrency: BulkheadOptions = DEFAULT_PASSWORD_CONCURRENCY,
  ) {
    this.#options = options
    this.#gate = new Bulkhead(concurrency)
    this.#dummy = hash('portcullis-dummy-password', options)
  }

  /** An argon2id PHC string for `password`. */
  async hash(password: string): Promise<string> {
    return await hash(password, this.#options)
  }

  /**
   * True when `password` matches `phc`; with `phc = null` (unknown user) verifies against the dummy and is false.
   * Rejects with `BulkheadFull` at once when too many verifies are running and waiting.
   */
  async verify(phc: string | null, password: string): Promise<boolean> {
    const target = phc ?? (await this.#dummy)
    return await this.#gate.run(async () => {
      try {
        return (await verify(target, password)) && phc !== null
      } catch {
        return false
      }
    })
  }
}
