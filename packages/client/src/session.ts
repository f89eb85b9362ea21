import { backoffDelay } from './backoff.ts'
import { PortcullisError } from './errors.ts'
import type { ApiClient, LoginReply, TokenPair, UserInfo } from './http.ts'

/** Why the client lost its session. */
export type LoggedOutReason =
  /** `logout()` was called. */
  | 'logout'
  /** The refresh token was refused (revoked session, reuse detected, expired). */
  | 'refresh_failed'
  /** The server closed the socket 4401 and the follow-up refresh was refused. */
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
}

interface Callbacks {
  /** New tokens are in place (after login or refresh). */
  readonly onTokens: (expiresAt: number) => void
  /** Tokens were dropped; the user must log in again. */
  readonly onLoggedOut: (reason: LoggedOutReason) => void
  /** A background refresh failed and will be retried. */
  readonly onError: (error: PortcullisError) => void
}

/**
 * Holds the access and refresh tokens **in memory only** (never `localStorage`: an XSS could read it;
 * see docs/decisions/0300) and refreshes the access token before it expires. Refreshes are single-flight:
 * the refresh token rotates and re-using a spent one revokes the whole session, so two concurrent
 * refreshes must never both send it.
 */
export class Session {
  readonly #api: ApiClient
  readonly #callbacks: Callbacks
  readonly #refreshAt: number
  readonly #refreshJitter: number
  readonly #random: () => number
  #accessToken: string | undefined
  #refreshToken: string | undefined
  #expiresAt = 0
  #user: UserInfo | undefined
  #sessionId: string | undefined
  #inflight: Promise<string> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #retries = 0

  constructor(api: ApiClient, callbacks: Callbacks, options: SessionOptions = {}) {
    this.#api = api
    this.#callbacks = callbacks
    this.#refreshAt = options.refreshAt ?? 0.75
    this.#refreshJitter = options.refreshJitter ?? 0.15
    this.#random = options.random ?? Math.random
  }

  /** True while the client holds tokens. */
  get loggedIn(): boolean {
    return this.#accessToken !== undefined
  }

  /** The user from the last login (roles as of login; live roles come from the socket). */
  get user(): UserInfo | undefined {
    return this.#user
  }

  get sessionId(): string | undefined {
    return this.#sessionId
  }

  /** When the current access token expires (epoch ms); 0 when logged out. */
  get expiresAt(): number {
    return this.#expiresAt
  }

  /** The current access token; throws `logged_out` when there is none. */
  accessToken(): string {
    if (this.#accessToken === undefined) throw loggedOutError()
    return this.#accessToken
  }

  async login(username: string, password: string): Promise<LoginReply> {
    const reply = await this.#api.login(username, password)
    this.#inflight = undefined
    this.#user = reply.user
    this.#sessionId = reply.sessionId
    this.#accept(reply)
    return reply
  }

  /**
   * Exchanges the refresh token for a new pair; concurrent callers share one request. A 401 means the
   * session is gone: tokens are dropped and `onLoggedOut` fires. Other failures reject and keep the tokens.
   */
  refresh(reason: LoggedOutReason = 'refresh_failed'): Promise<string> {
    if (this.#refreshToken === undefined) return Promise.reject(loggedOutError())
    this.#inflight ??= this.#doRefresh(this.#refreshToken, reason).finally(() => {
      this.#inflight = undefined
    })
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

  /** Drops the tokens and the refresh timer without telling anyone. */
  clear(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#accessToken = undefined
    this.#refreshToken = undefined
    this.#expiresAt = 0
    this.#retries = 0
  }

  async #doRefresh(refreshToken: string, reason: LoggedOutReason): Promise<string> {
    let pair: TokenPair
    try {
      pair = await this.#api.refresh(refreshToken)
    } catch (error) {
      // A refresh token that was replaced meanwhile (logout, new login) is not ours to judge.
      if (this.#refreshToken !== refreshToken) throw error
      if (
        error instanceof PortcullisError &&
        (error.code === 'unauthorized' || error.code === 'bad_request')
      ) {
        this.clear()
        this.#callbacks.onLoggedOut(reason)
      }
      throw error
    }
    if (this.#refreshToken !== refreshToken) throw loggedOutError()
    if (pair.user) this.#user = pair.user
    if (pair.sessionId) this.#sessionId = pair.sessionId
    this.#accept(pair)
    return pair.accessToken
  }

  #accept(pair: TokenPair): void {
    this.#accessToken = pair.accessToken
    this.#refreshToken = pair.refreshToken
    this.#expiresAt = Date.now() + pair.expiresIn * 1000
    this.#retries = 0
    this.#schedule(pair.expiresIn * 1000 * (this.#refreshAt + this.#random() * this.#refreshJitter))
    this.#callbacks.onTokens(this.#expiresAt)
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

function loggedOutError(): PortcullisError {
  return new PortcullisError('logged_out', 'not logged in', { source: 'client' })
}
