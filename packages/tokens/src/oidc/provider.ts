import { EventEmitter } from 'node:events'
import { createJwksSource, type FetchFailure, type JwksSource, type JwksStatus } from '../jwks/source.ts'
import { TokensOptionsError } from '../options-error.ts'
import type { ProviderTokenKind } from './claims.ts'
import { discoverProvider, ProviderDiscoveryError, type ProviderMetadata } from './discovery.ts'
import {
  createProviderVerifier,
  type ProviderVerifier,
  type ProviderVerifyExpectations,
  type ProviderVerifyResult,
} from './verify.ts'

export interface OidcProviderOptions {
  /** The issuer identifier (`OIDC_ISSUER`): `<issuer>/.well-known/openid-configuration` is fetched. */
  issuer: string
  /** The client id / audience tokens must be for (`OIDC_AUDIENCE`). */
  audience: string
  /** Abort a discovery or JWKS fetch after this many ms. Default 2 000. */
  timeoutMs?: number
  /** Largest discovery or JWKS body, bytes. Default 65 536. */
  maxBytes?: number
  /** JWKS refetch interval, ms. Default 60 000 (see `JwksSourceOptions`). */
  refreshMs?: number
  /** Without a successful JWKS fetch for this long, ms, keys are unavailable. Default 3 600 000. */
  maxStaleMs?: number
  /** First retry of a failed discovery, ms; doubles per failure up to 10 000. Default 250. */
  retryInitialMs?: number
}

/** Why a `discoveryFailed` event fired, and when discovery is tried again. */
export interface DiscoveryFailure {
  readonly error: ProviderDiscoveryError
  readonly consecutiveFailures: number
  readonly retryInMs: number
}

export interface OidcProviderEvents {
  discovered: [metadata: ProviderMetadata]
  /** Discovery failed: nothing verifies until it succeeds (`keys_unavailable`). Log it. */
  discoveryFailed: [failure: DiscoveryFailure]
  /** A JWKS fetch failed (cached keys stay in use). */
  fetchFailed: [failure: FetchFailure]
}

/** A snapshot for diagnostics. */
export interface OidcProviderStatus {
  readonly issuer: string
  readonly discovered: boolean
  /** Discovered, and the keys are loaded and fresh. */
  readonly ready: boolean
  readonly keys: JwksStatus | null
  readonly consecutiveDiscoveryFailures: number
}

const RETRY_MAX_MS = 10_000

/**
 * An OpenID Connect provider as a relying party sees it: discovery (retried with backoff until it succeeds), its
 * keys through the JWKS lifecycle of `JwksSource` (refresh, cold start, removal, staleness, size cap, no
 * redirects; only the asymmetric algorithms its discovery document advertises), and the verifier of its ID,
 * access and logout tokens (`createProviderVerifier`). Until discovery and the first key fetch succeed, every
 * verification answers `keys_unavailable` (a 503, never the client's fault).
 * @example
 * const idp = createOidcProvider({ issuer: config.OIDC_ISSUER, audience: config.OIDC_AUDIENCE })
 * idp.on('discoveryFailed', ({ error }) => log.warn({ reason: error.reason }, error.message))
 * const result = await idp.verify(subjectToken, 'id_token')
 */
export class OidcProvider extends EventEmitter<OidcProviderEvents> {
  readonly issuer: string
  readonly audience: string
  readonly #options: Required<OidcProviderOptions>
  #metadata: ProviderMetadata | null = null
  #keys: JwksSource | null = null
  #verifier: ProviderVerifier | null = null
  #failures = 0
  #nextAttemptAt = 0
  #inflight: Promise<boolean> | null = null
  #timer: NodeJS.Timeout | null = null
  readonly #closing = new AbortController()

  constructor(options: OidcProviderOptions) {
    super()
    const issuer = URL.parse(options.issuer)
    if (
      !issuer ||
      (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') ||
      issuer.search ||
      issuer.hash
    )
      throw new TokensOptionsError('issuer', 'an absolute http(s) URL without query or fragment')
    if (typeof options.audience !== 'string' || options.audience.length === 0)
      throw new TokensOptionsError('audience', 'a non-empty string')
    this.issuer = options.issuer
    this.audience = options.audience
    this.#options = {
      timeoutMs: 2_000,
      maxBytes: 65_536,
      refreshMs: 60_000,
      maxStaleMs: 3_600_000,
      retryInitialMs: 250,
      ...options,
    }
  }

  /** The discovery document's facts, once fetched. */
  get metadata(): ProviderMetadata | null {
    return this.#metadata
  }

  /** Discovered, keys loaded and fresh: tokens can be verified. */
  get ready(): boolean {
    return this.#keys?.ready ?? false
  }

  status(): OidcProviderStatus {
    return {
      issuer: this.issuer,
      discovered: this.#metadata !== null,
      ready: this.ready,
      keys: this.#keys?.status() ?? null,
      consecutiveDiscoveryFailures: this.#failures,
    }
  }

  /**
   * Verifies a token of the provider (see `createProviderVerifier` for the rules). Before discovery succeeded it
   * tries once more when the backoff allows, then answers `keys_unavailable`. Never throws.
   */
  async verify(
    token: unknown,
    kind: ProviderTokenKind,
    expect?: ProviderVerifyExpectations,
  ): Promise<ProviderVerifyResult> {
    if (!this.#verifier && (this.#inflight || Date.now() >= this.#nextAttemptAt)) await this.discover()
    if (!this.#verifier) return { ok: false, failure: 'keys_unavailable' }
    return await this.#verifier.verify(token, kind, expect)
  }

  /** Runs discovery now unless it already succeeded (joins one in flight); resolves true once discovered. */
  discover(): Promise<boolean> {
    if (this.#metadata) return Promise.resolve(true)
    if (this.#closing.signal.aborted) return Promise.resolve(false)
    this.#inflight ??= this.#attempt().finally(() => {
      this.#inflight = null
    })
    return this.#inflight
  }

  /** Resolves true once discovered and holding keys, or false after `timeoutMs`. */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!this.ready && Date.now() < deadline && !this.#closing.signal.aborted) {
      if (this.#keys) return await this.#keys.whenReady(Math.max(0, deadline - Date.now()))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return this.ready
  }

  /** Stops discovery retries and the key refresh; aborts fetches in flight. */
  close(): void {
    this.#closing.abort()
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#keys?.close()
  }

  async #attempt(): Promise<boolean> {
    const { timeoutMs, maxBytes, refreshMs, maxStaleMs, retryInitialMs } = this.#options
    try {
      const metadata = await discoverProvider(this.issuer, {
        timeoutMs,
        maxBytes,
        signal: this.#closing.signal,
      })
      const keys = createJwksSource({
        url: metadata.jwksUri,
        algorithms: metadata.algorithms,
        timeoutMs,
        maxBytes,
        refreshMs,
        maxStaleMs,
      })
      keys.on('fetchFailed', (failure) => this.emit('fetchFailed', failure))
      this.#metadata = metadata
      this.#keys = keys
      this.#verifier = createProviderVerifier({
        issuer: this.issuer,
        audience: this.audience,
        keys,
        algorithms: metadata.algorithms,
      })
      this.#failures = 0
      process.nextTick(() => this.emit('discovered', metadata))
      // The first verification after discovery should not find the keys still in flight.
      await keys.whenReady(timeoutMs)
      return true
    } catch (err) {
      if (this.#closing.signal.aborted) return false
      const error =
        err instanceof ProviderDiscoveryError ? err : new ProviderDiscoveryError('invalid', String(err))
      this.#failures += 1
      const base = Math.min(RETRY_MAX_MS, retryInitialMs * 2 ** (this.#failures - 1))
      const retryInMs = Math.round(base * (0.8 + Math.random() * 0.2))
      this.#nextAttemptAt = Date.now() + retryInMs
      this.#timer = setTimeout(() => void this.discover(), retryInMs)
      this.#timer.unref()
      const failure: DiscoveryFailure = { error, consecutiveFailures: this.#failures, retryInMs }
      process.nextTick(() => this.emit('discoveryFailed', failure))
      return false
    }
  }
}

/**
 * A started `OidcProvider`: discovery begins at once.
 * @example const idp = createOidcProvider({ issuer: 'https://id.example.com', audience: 'portcullis' })
 */
export function createOidcProvider(options: OidcProviderOptions): OidcProvider {
  const provider = new OidcProvider(options)
  void provider.discover()
  return provider
}
