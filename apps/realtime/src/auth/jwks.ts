import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'

/** The algorithms this server accepts. Pinned: a token's header never chooses anything else. */
export type SigningAlg = 'ES256' | 'EdDSA'

/** A verification key from the JWKS, imported once into a `KeyObject`. */
export interface VerificationKey {
  readonly kid: string
  readonly alg: SigningAlg
  readonly key: KeyObject
}

/** Fetches the JWKS document (injectable for tests); rejects on network errors or non-200. */
export type JwksFetcher = () => Promise<unknown>

export interface JwksOptions {
  fetcher: JwksFetcher
  /** An unknown `kid` triggers at most one refetch per this many ms (no stampede on forged kids). */
  minRefreshIntervalMs: number
  /** Called when a fetch fails or a key is skipped; never with key material. */
  onWarning?: (message: string, err?: unknown) => void
}

/** Imports one JWK when it is an ES256 (P-256) or EdDSA (Ed25519) public signing key; otherwise null. */
export function importJwk(jwk: unknown): VerificationKey | null {
  if (typeof jwk !== 'object' || jwk === null) return null
  const k = jwk as Record<string, unknown>
  if (typeof k.kid !== 'string' || k.kid.length === 0) return null
  if (k.use !== undefined && k.use !== 'sig') return null
  if ('d' in k) return null // a private key in a public JWKS is a misconfiguration: never use it
  let alg: SigningAlg
  if (k.kty === 'EC' && k.crv === 'P-256') alg = 'ES256'
  else if (k.kty === 'OKP' && k.crv === 'Ed25519') alg = 'EdDSA'
  else return null
  if (k.alg !== undefined && k.alg !== alg) return null
  try {
    return { kid: k.kid, alg, key: createPublicKey({ key: k as JsonWebKey, format: 'jwk' }) }
  } catch {
    return null
  }
}

/**
 * The api's public keys, cached by `kid`. Lookups are synchronous (the upgrade hot path); `refresh()` is
 * single-flight and rate-limited, so a flood of tokens with made-up `kid`s costs at most one fetch per interval.
 */
export class JwksCache {
  readonly #options: JwksOptions
  #keys = new Map<string, VerificationKey>()
  #inflight: Promise<void> | null = null
  #lastAttempt = Number.NEGATIVE_INFINITY

  constructor(options: JwksOptions) {
    this.#options = options
  }

  /** The key for `kid`, or undefined (then call `refresh()` and look again). */
  get(kid: string): VerificationKey | undefined {
    return this.#keys.get(kid)
  }

  /** Number of keys cached. */
  get size(): number {
    return this.#keys.size
  }

  /**
   * Refetches the JWKS unless a fetch ran within `minRefreshIntervalMs` (then resolves at once, or joins the
   * fetch in flight). Never rejects: on failure the previous keys stay in place.
   */
  refresh(force = false): Promise<void> {
    if (this.#inflight) return this.#inflight
    const now = Date.now()
    if (!force && now - this.#lastAttempt < this.#options.minRefreshIntervalMs) return Promise.resolve()
    this.#lastAttempt = now
    this.#inflight = this.#load().finally(() => {
      this.#inflight = null
    })
    return this.#inflight
  }

  async #load(): Promise<void> {
    try {
      const doc = await this.#options.fetcher()
      const list = (doc as { keys?: unknown } | null)?.keys
      if (!Array.isArray(list)) throw new Error('JWKS has no keys array')
      const next = new Map<string, VerificationKey>()
      for (const jwk of list) {
        const key = importJwk(jwk)
        if (key) next.set(key.kid, key)
        else this.#options.onWarning?.('skipped a JWKS entry that is not an ES256/EdDSA public signing key')
      }
      this.#keys = next
    } catch (err) {
      this.#options.onWarning?.('JWKS fetch failed; keeping the cached keys', err)
    }
  }
}

/** A fetcher for `url` with a timeout; the body is capped at 64 KiB. */
export function httpJwksFetcher(url: string, timeoutMs = 2000): JwksFetcher {
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' })
    if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`)
    const text = await res.text()
    if (text.length > 65_536) throw new Error('JWKS too large')
    return JSON.parse(text) as unknown
  }
}
