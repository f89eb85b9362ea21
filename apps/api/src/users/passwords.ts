import { hash, verify } from '@node-rs/argon2'

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
 * work as a wrong password (no enumeration by timing).
 */
export class PasswordHasher {
  readonly #options: HashOptions
  #dummy: Promise<string>

  constructor(options: HashOptions = DEFAULT_HASH_OPTIONS) {
    this.#options = options
    this.#dummy = hash('portcullis-dummy-password', options)
  }

  /** An argon2id PHC string for `password`. */
  async hash(password: string): Promise<string> {
    return await hash(password, this.#options)
  }

  /** True when `password` matches `phc`; with `phc = null` (unknown user) verifies against the dummy and is false. */
  async verify(phc: string | null, password: string): Promise<boolean> {
    const target = phc ?? (await this.#dummy)
    let ok = false
    try {
      ok = await verify(target, password)
    } catch {
      ok = false
    }
    return ok && phc !== null
  }
}
