import { backoffDelay } from './backoff.ts'
import { silent, type DebugLogger } from './debug.ts'
import { PortcullisError } from './errors.ts'
import type { ApiClient, ExchangeRequest, LoginReply, UserInfo } from './http.ts'
import {
  checkGrant,
  type AccessGrant,
  type TokenProvider,
  type TokenRequestReason,
} from './token-provider.ts'

/** Why the client lost its session. */
export type LoggedOutReason =
  /** `logout()` was called. */
  | 'logout'
  /** The refresh token was refused (revoked session, reuse detected, expired), or the token provider ended the session. */
  | 'refresh_failed'
  /** The server closed the socket 4401 and the follow-up refresh (or token provider) refused. */
  | 'session_revoked'

/** Options of the token keeper. */
export interface SessionOptions {
  /**
   * Refresh when this fraction of the access token's lifetime has passed, plus up to `refreshJitter` more.
   * Default 0.75 (+ up to 0.15): a 300 s token is refreshed between 225 s and 270 s, before the server's
   * 30 s `auth.expiring` warning, and tabs that logged in together do not refresh together.
   */
  readonly refreshAt?: number
  readonly refreshJitter?: number
  /** Source of randomness in [0, 1); injectable for tests. */
  readonly random?: () => number
  /**
   * Where access tokens come from when the app holds them itself (e.g. from the identity-provider exchange):
   * the SDK then has no password login and no refresh token of its own (see `TokenProvider`). Default: none
   * (`login(username, password)` and the api's refresh route).
   */
  readonly tokenProvider?: TokenProvider
}

interface Callbacks {
  /** New tokens are in place (after login or refresh). */
  readonly onTokens: (expiresAt: number) => void
  /** Tokens were dropped; the user must log in again. */
  readonly onLoggedOut: (reason: LoggedOutReason) => void
  /** A background refresh failed and will be retried. */
  readonly onError: (error: PortcullisError) => void
  readonly debug?: DebugLogger
}

/** A renewed token is never scheduled for renewal sooner than this (ms), whatever a provider claims. */
const MIN_RENEW_DELAY_MS = 1000

/**
 * Holds the access and refresh tokens **in memory only** (never `localStorage`: an XSS could read it;
 * see docs/decisions/0300) and renews the access token before it expires — from the api's refresh route, or
 * from the app's `tokenProvider`. Renewals are single-flight: the refresh token rotates and re-using a spent
 * one revokes the whole session, so two concurrent refreshes must never both send it.
 */
export class Session {
  readonly #api: ApiClient
  readonly #callbacks: Callbacks
  readonly #debug: DebugLogger
  readonly #refreshAt: number
  readonly #refreshJitter: number
  readonly #random: () => number
  readonly #provider: TokenProvider | undefined
  #accessToken: string | undefined
  #refreshToken: string | undefined
  #expiresAt = 0
  #user: UserInfo | undefined
  #sessionId: string | undefined
  #inflight: Promise<string> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #retries = 0
  /** Bumped whenever the tokens are replaced by a login or dropped: a renewal started before is stale. */
  #generation = 0
  /** With a provider: true until the session ends (provider said so, refusal, logout); `resume()` restarts. */
  #active = true

  constructor(api: ApiClient, callbacks: Callbacks, options: SessionOptions = {}) {
    this.#api = api
    this.#callbacks = callbacks
    this.#debug = callbacks.debug ?? silent
    this.#refreshAt = options.refreshAt ?? 0.75
    this.#refreshJitter = options.refreshJitter ?? 0.15
    this.#random = options.random ?? Math.random
    this.#provider = options.tokenProvider
  }

  /** True while the client holds tokens — or, with a token provider, until the session ended. */
  get loggedIn(): boolean {
    return this.#provider ? this.#active : this.#accessToken !== undefined
  }

  /** The user from the last login or grant (roles as of then; live roles come from the socket). */
  get user(): UserInfo | undefined {
    return this.#user
  }

  get sessionId(): string | undefined {
    return this.#sessionId
  }

  /** When the current access token expires (epoch ms); 0 when there is none. */
  get expiresAt(): number {
    return this.#expiresAt
  }

  /** The current access token; throws `logged_out` when there is none. */
  accessToken(): string {
    if (this.#accessToken === undefined) throw loggedOutError()
    return this.#accessToken
  }

  async login(username: string, password: string): Promise<LoginReply> {
    return await this.#begin(this.#api.login(username, password))
  }

  /** A session from the api's token exchange (an identity provider's token), held like a login's. */
  async exchange(request: ExchangeRequest): Promise<LoginReply> {
    return await this.#begin(this.#api.exchange(request))
  }

  async #begin(pending: Promise<LoginReply>): Promise<LoginReply> {
    const reply = await pending
    this.#generation++
    this.#inflight = undefined
    this.#accept(reply, 'login')
    return reply
  }

  /** With a token provider: a session that ended may start again (the next renewal asks `initial`). */
  resume(): void {
    if (this.#provider) this.#active = true
  }

  /**
   * Renews the access token; concurrent callers share one request. A refusal (401 from the refresh route,
   * `null` from the provider) means the session is gone: tokens are dropped and `onLoggedOut(loggedOut)`
   * fires. Other failures reject and keep the tokens.
   * @param reason what the provider is told (`initial` whenever no token is held yet)
   */
  refresh(
    reason: TokenRequestReason = 'refresh',
    loggedOut: LoggedOutReason = 'refresh_failed',
  ): Promise<string> {
    if (!this.loggedIn || (!this.#provider && this.#refreshToken === undefined)) {
      return Promise.reject(loggedOutError())
    }
    if (!this.#inflight) {
      const inflight = this.#renew(reason, loggedOut).finally(() => {
        if (this.#inflight === inflight) this.#inflight = undefined
      })
      this.#inflight = inflight
    }
    return this.#inflight
  }

  /** Revokes the session at the api (best effort) and drops the tokens. */
  async logout(): Promise<void> {
    const token = this.#accessToken
    this.clear()
    try {
      if (token !== undefined) await this.#api.logout(token)
    } finally {
      this.#callbacks.onLoggedOut('logout')
    }
  }

  /** Drops the tokens and the refresh timer (and ends a provider's session) without telling anyone. */
  clear(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#generation++
    this.#inflight = undefined
    this.#accessToken = undefined
    this.#refreshToken = undefined
    this.#expiresAt = 0
    this.#retries = 0
    this.#active = false
  }

  async #renew(reason: TokenRequestReason, loggedOut: LoggedOutReason): Promise<string> {
    const generation = this.#generation
    const asked = this.#accessToken === undefined ? 'initial' : reason
    this.#debug('token renewal', { reason: asked, source: this.#provider ? 'provider' : 'refresh' })
    let grant: (AccessGrant & { refreshToken?: string }) | null
    try {
      grant = this.#provider
        ? await this.#ask(this.#provider, asked)
        : await this.#api.refresh(this.#refreshToken!)
    } catch (error) {
      // Tokens replaced meanwhile (logout, new login) are not this renewal's to judge.
      if (generation === this.#generation && isRefusal(error)) this.#end(loggedOut)
      throw error
    }
    if (generation !== this.#generation) throw loggedOutError()
    if (grant === null) {
      this.#end(loggedOut)
      throw new PortcullisError('logged_out', 'the token provider ended the session', { source: 'client' })
    }
    this.#accept(grant, asked)
    return grant.accessToken
  }

  async #ask(provider: TokenProvider, reason: TokenRequestReason): Promise<AccessGrant | null> {
    const answer = await provider({ reason })
    try {
      return checkGrant(answer)
    } catch (error) {
      // A bug in the app: say what is wrong (the session then ends), rather than only `loggedOut`.
      this.#callbacks.onError(error as PortcullisError)
      throw error
    }
  }

  #accept(grant: AccessGrant & { refreshToken?: string }, why: string): void {
    const fresh = grant.accessToken !== this.#accessToken
    this.#accessToken = grant.accessToken
    // With a provider the app keeps any refresh token (a login/exchange reply may carry one): never held here.
    if (!this.#provider) this.#refreshToken = grant.refreshToken
    if (grant.user) this.#user = grant.user
    if (grant.sessionId) this.#sessionId = grant.sessionId
    this.#expiresAt = Date.now() + grant.expiresIn * 1000
    this.#retries = 0
    const delayMs = grant.expiresIn * 1000 * (this.#refreshAt + this.#random() * this.#refreshJitter)
    this.#schedule(Math.max(MIN_RENEW_DELAY_MS, delayMs))
    this.#debug('token', { why, expiresInS: grant.expiresIn, fresh })
    // The same token again (a provider with nothing newer) moves nothing: no `auth.refresh`.
    if (fresh) this.#callbacks.onTokens(this.#expiresAt)
  }

  #end(reason: LoggedOutReason): void {
    this.clear()
    this.#callbacks.onLoggedOut(reason)
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#backgroundRefresh(), Math.max(0, delayMs))
    // In Node a pending refresh must not keep the process alive by itself.
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  async #backgroundRefresh(): Promise<void> {
    try {
      await this.refresh()
    } catch (error) {
      if (!this.loggedIn) return
      const err =
        error instanceof PortcullisError
          ? error
          : new PortcullisError('network', String(error), { source: 'client' })
      this.#callbacks.onError(err)
      // Transient (network, 429, 503): try again with backoff, but never past the token's expiry.
      const wait = Math.max(
        err.retryAfterMs ?? 0,
        backoffDelay(this.#retries++, { baseMs: 500, maxMs: 15_000 }, this.#random),
      )
      const untilExpiry = this.#expiresAt - Date.now() - 1000
      this.#schedule(untilExpiry > 0 ? Math.min(wait, untilExpiry) : wait)
    }
  }
}

/** A refused renewal: the session is gone (as opposed to a network failure or a 429/503 worth retrying). */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof PortcullisError &&
    (error.code === 'unauthorized' || error.code === 'bad_request' || error.code === 'logged_out')
  )
}

function loggedOutError(): PortcullisError {
  return new PortcullisError('logged_out', 'not logged in', { source: 'client' })
}
