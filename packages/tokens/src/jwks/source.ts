import { EventEmitter } from 'node:events'
import { ASYMMETRIC_ALGS, SIGNING_ALGS, type AsymmetricAlg } from '../defaults.ts'
import {
  importPublicJwk,
  type KeyLookupFailure,
  type KeyResolver,
  type VerificationKey,
} from '../keys/public-key.ts'
import { TokensOptionsError } from '../options-error.ts'
import { fetchJwks, JwksFetchError } from './fetch.ts'

export interface JwksSourceOptions {
  /** The JWKS URL (`JWKS_URL`): http or https. */
  url: string
  /** Refetch interval, ms (`JWKS_REFRESH_S` × 1000). Shorter when the response's `max-age` says so. Default 60 000. */
  refreshMs?: number
  /** Without a successful fetch for this long, ms, keys are `keys_unavailable` (`JWKS_MAX_STALE_S` × 1000). Default 3 600 000. */
  maxStaleMs?: number
  /** After a successful fetch, an unknown `kid` triggers at most one refetch per this many ms. Default 10 000. */
  unknownKidCooldownMs?: number
  /** Abort a fetch (headers and body) after this many ms. Default 2 000. */
  timeoutMs?: number
  /** Largest JWKS body accepted, bytes. Default 65 536. */
  maxBytes?: number
  /** First retry after a failed fetch, ms; doubles per failure. Default 250. */
  retryInitialMs?: number
  /** Longest wait between retries once keys were loaded, ms. Before the first success it is at most 1 000. Default 10 000. */
  retryMaxMs?: number
  /**
   * The algorithms whose keys are imported (others are skipped). Default `SIGNING_ALGS` (ES256, EdDSA: Portcullis's
   * own keys); an identity provider's source passes what its discovery document advertises, within `ASYMMETRIC_ALGS`
   * (never `none` or HMAC: anything else throws).
   */
  algorithms?: readonly AsymmetricAlg[]
}

/** Why a `fetchFailed` event fired, and when the source tries again. */
export interface FetchFailure {
  readonly error: JwksFetchError
  readonly consecutiveFailures: number
  readonly retryInMs: number
}

/** A successful fetch: the kids now held, and what changed. */
export interface KeysUpdate {
  readonly kids: readonly string[]
  readonly added: readonly string[]
  /** No longer published, or published with different material under the same `kid`. */
  readonly removed: readonly string[]
}

/** Events of a `JwksSource`. Listeners run after the source's state is updated; they must not throw. */
export interface JwksSourceEvents {
  /** Keys were removed: close whatever was admitted with a token of these kids (realtime: 4401 `token_invalid`). */
  removed: [kids: readonly string[]]
  updated: [update: KeysUpdate]
  /** A fetch failed; cached keys stay in use (until `maxStaleMs`). Log it: the message never holds key material. */
  fetchFailed: [failure: FetchFailure]
}

/** A snapshot for `/readyz` and diagnostics. */
export interface JwksStatus {
  /** Keys were loaded and the last success is at most `maxStaleMs` old: verification can proceed. */
  readonly ready: boolean
  readonly kids: readonly string[]
  /** Epoch ms of the last successful fetch, or null before the first. */
  readonly lastSuccessAt: number | null
  readonly consecutiveFailures: number
}

const DEFAULTS = {
  refreshMs: 60_000,
  maxStaleMs: 3_600_000,
  unknownKidCooldownMs: 10_000,
  timeoutMs: 2_000,
  maxBytes: 65_536,
  retryInitialMs: 250,
  retryMaxMs: 10_000,
} satisfies Required<Omit<JwksSourceOptions, 'url' | 'algorithms'>>

/** Before the first success nothing can be verified (and `/readyz` is 503): retry at least once a second. */
const COLD_RETRY_MAX_MS = 1_000
/** However short `max-age` (or `no-cache`) is, refetch at most this often, ms. */
const MIN_REFRESH_MS = 1_000

function validated(options: JwksSourceOptions): Required<JwksSourceOptions> {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new TokensOptionsError('url', 'an absolute http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TokensOptionsError('url', 'an absolute http(s) URL')
  const out = { ...DEFAULTS, algorithms: SIGNING_ALGS, ...options }
  for (const name of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const value = out[name]
    if (!Number.isFinite(value) || value <= 0) throw new TokensOptionsError(name, 'a positive number')
  }
  const known: readonly unknown[] = ASYMMETRIC_ALGS
  if (
    !Array.isArray(out.algorithms) ||
    out.algorithms.length === 0 ||
    !out.algorithms.every((alg) => known.includes(alg))
  )
    throw new TokensOptionsError('algorithms', `a non-empty list of ${ASYMMETRIC_ALGS.join(', ')}`)
  return out
}

/**
 * The keys of a remote JWKS, kept fresh (docs/guides/verify-tokens.md, "Keys: rotation, removal, outages"):
 * - fetched at once, then every `refreshMs` (sooner when `Cache-Control: max-age` says so);
 * - a failed fetch is retried with backoff from `retryInitialMs` (at most a second apart until the first
 *   success), never held back by the limiter below;
 * - an unknown `kid` refetches at most once per `unknownKidCooldownMs` after a success (single-flight);
 * - on failure the cached keys stay; past `maxStaleMs` without a success every lookup is `keys_unavailable`;
 * - removed keys are reported (`removed` event); timers are unref'd; `close()` stops everything.
 * @example
 * const keys = createJwksSource({ url: config.JWKS_URL, refreshMs: config.JWKS_REFRESH_S * 1000 })
 * keys.on('removed', (kids) => closeSocketsAdmittedWith(kids))
 * app.get('/readyz', (_, reply) => reply.code(keys.ready ? 200 : 503).send())
 */
export class JwksSource extends EventEmitter<JwksSourceEvents> implements KeyResolver {
  readonly #options: Required<JwksSourceOptions>
  #keys = new Map<string, VerificationKey>()
  #lastSuccessAt: number | null = null
  #failures = 0
  /** Earliest time a lookup miss may trigger a fetch (cooldown after a success, backoff after a failure). */
  #nextFetchAt = 0
  #inflight: Promise<boolean> | null = null
  #timer: NodeJS.Timeout | null = null
  readonly #closing = new AbortController()

  constructor(options: JwksSourceOptions) {
    super()
    this.#options = validated(options)
  }

  /** Keys are loaded and not stale past `maxStaleMs`. */
  get ready(): boolean {
    return this.#lastSuccessAt !== null && Date.now() - this.#lastSuccessAt <= this.#options.maxStaleMs
  }

  status(): JwksStatus {
    return {
      ready: this.ready,
      kids: [...this.#keys.keys()],
      lastSuccessAt: this.#lastSuccessAt,
      consecutiveFailures: this.#failures,
    }
  }

  /** The key of `kid` when the source is ready and holds it; never fetches. */
  get(kid: string): VerificationKey | undefined {
    return this.ready ? this.#keys.get(kid) : undefined
  }

  /**
   * The key of `kid`. A hit returns synchronously. A miss (unknown `kid`, keys not loaded or too stale) waits for
   * the fetch in flight, or starts one when the cooldown/backoff allows, then answers: the key, `unknown_kid`
   * (keys are fresh and do not hold it) or `keys_unavailable` (no usable keys, or the last fetch failed, so an
   * unknown `kid` may be a key we could not fetch).
   */
  resolve(kid: string): VerificationKey | KeyLookupFailure | Promise<VerificationKey | KeyLookupFailure> {
    return this.get(kid) ?? this.#resolveMiss(kid)
  }

  async #resolveMiss(kid: string): Promise<VerificationKey | KeyLookupFailure> {
    if (this.#inflight || Date.now() >= this.#nextFetchAt) await this.refresh()
    if (!this.ready) return 'keys_unavailable'
    const key = this.#keys.get(kid)
    if (key) return key
    return this.#failures > 0 ? 'keys_unavailable' : 'unknown_kid'
  }

  /**
   * Fetches now, ignoring cooldown and backoff (joins a fetch in flight); resolves true on success, never rejects.
   * Not for request paths: lookups call it only as the limiter allows.
   */
  refresh(): Promise<boolean> {
    if (this.#closing.signal.aborted) return Promise.resolve(false)
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = null
    })
    return this.#inflight
  }

  /** Resolves true once ready, or false after `timeoutMs` (server start-up: wait a little for the keys). */
  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return true
    return await new Promise<boolean>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.off('updated', done)
        resolve(this.ready)
      }
      const timer = setTimeout(done, timeoutMs)
      this.on('updated', done)
    })
  }

  /** Stops the timer and aborts a fetch in flight. Cached keys keep answering lookups. */
  close(): void {
    this.#closing.abort()
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  async #load(): Promise<boolean> {
    const { url, timeoutMs, maxBytes } = this.#options
    try {
      const fetched = await fetchJwks(url, { timeoutMs, maxBytes, signal: this.#closing.signal })
      this.#apply(this.#imported(fetched.keys), fetched.maxAgeS)
      return true
    } catch (err) {
      if (this.#closing.signal.aborted) return false
      this.#failed(err instanceof JwksFetchError ? err : new JwksFetchError('invalid', String(err)))
      return false
    }
  }

  /** The usable keys of a document; reuses the previous object of an unchanged key. */
  #imported(entries: unknown[]): Map<string, VerificationKey> {
    const next = new Map<string, VerificationKey>()
    const skipped: string[] = []
    for (const entry of entries) {
      const result = importPublicJwk(entry, this.#options.algorithms)
      if ('skipped' in result) {
        skipped.push(result.skipped)
        continue
      }
      const { key } = result
      if (next.has(key.kid)) throw new JwksFetchError('invalid', `duplicate kid ${key.kid}`)
      const old = this.#keys.get(key.kid)
      next.set(key.kid, old?.publicPem === key.publicPem ? old : key)
    }
    // An empty key set would refuse every token: treat it as a broken answer and keep what we have.
    if (next.size === 0)
      throw new JwksFetchError(
        'invalid',
        `no usable ${this.#options.algorithms.join('/')} signing key (${skipped.join('; ') || 'empty'})`,
      )
    return next
  }

  #apply(next: Map<string, VerificationKey>, maxAgeS: number | undefined): void {
    const prev = this.#keys
    const removed = [...prev.keys()].filter((kid) => next.get(kid) !== prev.get(kid))
    const added = [...next.keys()].filter((kid) => next.get(kid) !== prev.get(kid))
    const now = Date.now()
    this.#keys = next
    this.#lastSuccessAt = now
    this.#failures = 0
    this.#nextFetchAt = now + this.#options.unknownKidCooldownMs
    const { refreshMs } = this.#options
    // `max-age` may shorten the interval, down to MIN_REFRESH_MS; it never lengthens it.
    const target =
      maxAgeS === undefined ? refreshMs : Math.min(refreshMs, Math.max(MIN_REFRESH_MS, maxAgeS * 1000))
    // Up to 10 % early, so instances that started together spread out; never later than asked.
    this.#schedule(target * (0.9 + Math.random() * 0.1))
    const update: KeysUpdate = { kids: [...next.keys()], added, removed }
    process.nextTick(() => {
      if (removed.length > 0) this.emit('removed', removed)
      this.emit('updated', update)
    })
  }

  #failed(error: JwksFetchError): void {
    this.#failures += 1
    const { retryInitialMs, retryMaxMs } = this.#options
    const cap = this.#lastSuccessAt === null ? Math.min(COLD_RETRY_MAX_MS, retryMaxMs) : retryMaxMs
    const base = Math.min(cap, retryInitialMs * 2 ** (this.#failures - 1))
    const retryInMs = Math.round(base * (0.8 + Math.random() * 0.2))
    this.#nextFetchAt = Date.now() + retryInMs
    this.#schedule(retryInMs)
    const failure: FetchFailure = { error, consecutiveFailures: this.#failures, retryInMs }
    process.nextTick(() => this.emit('fetchFailed', failure))
  }

  #schedule(delayMs: number): void {
    if (this.#closing.signal.aborted) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.refresh(), delayMs)
    this.#timer.unref()
  }
}

/**
 * A started `JwksSource`: the first fetch begins at once.
 * @example const keys = createJwksSource({ url: 'https://api.example.com/.well-known/jwks.json' })
 */
export function createJwksSource(options: JwksSourceOptions): JwksSource {
  const source = new JwksSource(options)
  void source.refresh()
  return source
}
