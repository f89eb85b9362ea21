import {
  closeAction,
  parseServerMessage,
  type Role,
  type ServerMessage,
  type Welcome,
} from '@portcullis/protocol'
import { attemptCredential, openSocket, type AttemptCredential } from './connect-attempt.ts'
import { silent, type DebugLogger } from './debug.ts'
import { TypedEmitter } from './emitter.ts'
import { PortcullisError, asError, codeForStatus, notConnected } from './errors.ts'
import { ApiClient, type ExchangeRequest, type LoginReply } from './http.ts'
import { inboxChannel, inboxOwner } from './inbox.ts'
import { watchOnline } from './online.ts'
import { frameError, type ReplyMap } from './pending.ts'
import type { RateBudget } from './rate-budget.ts'
import { Reconnector } from './reconnector.ts'
import { RequestPipeline } from './requests.ts'
import { Session, type LoggedOutReason } from './session.ts'
import { Subscriptions } from './subscriptions.ts'
import { dial, globalWebSocketFactory, type WebSocketFactory, type WebSocketLike } from './transport.ts'
import type { ClientEvents, ClientOptions, CloseInfo, ConnectionState } from './types.ts'

/**
 * The Portcullis client: login (or an app's `tokenProvider`) and token refresh over HTTP, one authenticated
 * WebSocket with typed requests — queued while it (re)connects — and typed events, reconnects driven by the
 * protocol's close-code table.
 * @example
 * const client = new PortcullisClient({ apiUrl: 'http://localhost:3001', realtimeUrl: 'ws://localhost:3002' })
 * client.on('message', (m) => console.log(m.from.username, m.text))
 * await client.login('alice', 'alice-password')
 * await client.connect()
 * await client.subscribe('public:lobby')
 * await client.publish('public:lobby', 'hello')
 */
export class PortcullisClient extends TypedEmitter<ClientEvents> {
  /** The api's routes, typed (admin calls: `client.api.setRoles(client.accessToken(), userId, roles)`). */
  readonly api: ApiClient
  readonly #session: Session
  readonly #options: ClientOptions
  readonly #createWebSocket: WebSocketFactory
  readonly #debug: DebugLogger
  readonly #requests: RequestPipeline
  readonly #reconnector: Reconnector
  readonly #subscriptions = new Subscriptions((channel, urgent) =>
    this.#requests.request({ type: 'subscribe', channel }, urgent),
  )
  #state: ConnectionState = 'idle'
  #socket: WebSocketLike | undefined
  #welcome: Welcome | undefined
  /** The user of the last `welcome` (a token provider need not say who it is), until logged out. */
  #welcomeUser: Welcome['user'] | undefined
  #roles: Role[] = []
  #socketExpiresAt = 0
  /** The access token the live socket runs on (what its expiry derives from). */
  #socketToken: string | undefined
  /** True while the caller wants a socket: set by `connect()`, cleared by `disconnect()`/`logout()`/terminal closes. */
  #wanted = false
  /** Counts `#open` calls, so a stale attempt (stopped while awaiting its ticket) gives up quietly. */
  #attempt = 0
  #stopWatchingOnline: (() => void) | undefined
  #lastClose: CloseInfo | undefined
  #waiters: Array<{ resolve: (w: Welcome) => void; reject: (e: PortcullisError) => void }> = []

  constructor(options: ClientOptions) {
    super()
    this.#options = options
    this.#debug = options.debug ?? silent
    this.#createWebSocket = options.createWebSocket ?? globalWebSocketFactory
    this.#requests = new RequestPipeline(
      {
        timeoutMs: options.requestTimeoutMs ?? 10_000,
        maxQueued: options.maxQueuedRequests ?? 100,
        pongTimeoutMs: options.pongTimeoutMs ?? 5000,
      },
      {
        awaitSocket: () => this.#awaitSocket(),
        onUnresponsive: (socket) => this.#onUnresponsive(socket),
        debug: this.#debug,
      },
    )
    this.#reconnector = new Reconnector(options, {
      open: () => void this.#open(),
      renew: () => this.#session.refresh('rejected', 'session_revoked'),
      failed: (error) => this.#afterFailure(asError(error)),
      giveUp: (state, error) => this.#giveUp(state, error),
      waiting: () => this.#setState('reconnecting'),
      wanted: () => this.#wanted,
      debug: this.#debug,
    })
    this.api = new ApiClient(options)
    this.#session = new Session(
      this.api,
      {
        onTokens: () => this.#onTokens(),
        onLoggedOut: (reason) => this.#onLoggedOut(reason),
        onError: (error) => this.#emitError(error),
        debug: this.#debug,
      },
      options,
    )
  }

  /** The connection state (see `ConnectionState`); every change is also a `state` event. */
  get state(): ConnectionState {
    return this.#state
  }
  /** The user from login (or the token provider, or `welcome`), with the live roles once the socket reported them. */
  get user(): { id: string; username: string; roles: Role[] } | undefined {
    const user = this.#session.user ?? this.#welcomeUser
    return (
      user && { id: user.id, username: user.username, roles: [...(this.#welcome ? this.#roles : user.roles)] }
    )
  }
  /** The session id from login (not a secret: admins revoke sessions by it). */
  get sessionId(): string | undefined {
    return this.#session.sessionId
  }
  /** True while the client holds tokens (with a `tokenProvider`: until the session ended). */
  get loggedIn(): boolean {
    return this.#session.loggedIn
  }
  /** When the access token expires (epoch ms), 0 when logged out. */
  get tokenExpiresAt(): number {
    return this.#session.expiresAt
  }
  /** When the server closes the socket unless refreshed (epoch ms), 0 without a socket. */
  get socketExpiresAt(): number {
    return this.#socketExpiresAt
  }
  /** The last close seen, kept across reconnects. */
  get lastClose(): CloseInfo | undefined {
    return this.#lastClose
  }
  /** Channels this client is subscribed to (or will re-subscribe to after a reconnect). */
  get channels(): string[] {
    return this.#subscriptions.channels
  }
  /** Requests waiting for the socket (made while it (re)connects); sent after `welcome`, oldest first. */
  get queuedRequests(): number {
    return this.#requests.queued
  }
  /** The estimated remaining message budget of the socket. */
  rateBudget(): RateBudget {
    return this.#requests.budget.snapshot()
  }
  /** An admin's access token for the api's admin routes (`client.api.setRoles(client.accessToken(), …)`). */
  accessToken(): string {
    return this.#session.accessToken()
  }

  /**
   * Logs in; the tokens stay in memory (the reply carries them too: do not persist them). A 401 rejects with
   * `invalid_credentials`. A socket of an earlier login is closed first and its subscriptions forgotten.
   * Not available with a `tokenProvider` (throws a `TypeError`).
   */
  async login(username: string, password: string): Promise<LoginReply> {
    if (this.#options.tokenProvider)
      throw new TypeError('login: this client gets its tokens from tokenProvider')
    if (this.#wanted || this.#socket) {
      this.#stop('idle', 1000, 'login')
      this.#subscriptions.clear()
    }
    return await this.#session.login(username, password)
  }

  /**
   * Signs in with a token of the api's identity provider (`POST /v1/auth/exchange`): after your app's OpenID
   * Connect sign-in (authorization code + PKCE), hand over the ID token and the nonce you sent. The session is then
   * held exactly like a login's (refresh, tickets, logout). A refused token rejects with `invalid_credentials`.
   * Not available with a `tokenProvider` (throws a `TypeError`).
   * @example await client.exchange({ subjectToken: idToken, nonce })
   */
  async exchange(request: ExchangeRequest): Promise<LoginReply> {
    if (this.#options.tokenProvider)
      throw new TypeError('exchange: this client gets its tokens from tokenProvider')
    if (this.#wanted || this.#socket) {
      this.#stop('idle', 1000, 'login')
      this.#subscriptions.clear()
    }
    return await this.#session.exchange(request)
  }

  /** Revokes the session at the api, closes the socket and drops the tokens (`loggedOut` with `logout`). */
  async logout(): Promise<void> {
    this.#stop('idle', 1000, 'logout')
    await this.#session.logout()
  }

  /** Refreshes the access token now (the live socket gets `auth.refresh` too). */
  async refresh(): Promise<void> {
    await this.#session.refresh()
  }

  /**
   * Opens the socket (and keeps it open across retryable closes); resolves on `welcome`. With a
   * `tokenProvider`, a session that ended starts again (the provider is asked for an `initial` token).
   */
  connect(): Promise<Welcome> {
    const promise = new Promise<Welcome>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    if (this.#state === 'open' && this.#welcome) this.#settleWaiters(this.#welcome)
    else if (this.#state !== 'connecting') {
      this.#session.resume()
      this.#wanted = true
      this.#stopWatchingOnline ??= watchOnline(() => this.#onOnline())
      this.#reconnector.reset()
      this.#reconnector.cancel()
      void this.#open()
    }
    return promise
  }

  /** Closes the socket and stops reconnecting; the session stays logged in. */
  disconnect(): void {
    this.#stop('closed', 1000, 'client_disconnect')
  }

  /** `subscribe`; the channel is re-subscribed after reconnects until `unsubscribe` or a `forbidden` drop. */
  subscribe(channel: string): Promise<ReplyMap['subscribe']> {
    return this.#subscriptions.subscribe(channel)
  }

  /** `unsubscribe`; the channel is no longer restored after reconnects. */
  async unsubscribe(channel: string): Promise<ReplyMap['unsubscribe']> {
    this.#subscriptions.forget(channel)
    return await this.#requests.request({ type: 'unsubscribe', channel })
  }

  /** `publish` plain text (1–2000 code points) to a channel; resolves with the server's `messageId`. */
  async publish(channel: string, text: string): Promise<ReplyMap['publish']> {
    return await this.#requests.request({ type: 'publish', channel, text })
  }

  /**
   * A direct message: `publish` to the inbox of `userId` (`user:<userId>`). The server stamps `from`; only
   * that user receives it (you do not: show your own copy from the reply).
   * @example const { messageId } = await client.sendDirect(bob.id, 'hi bob')
   */
  async sendDirect(userId: string, text: string): Promise<ReplyMap['publish']> {
    return await this.publish(inboxChannel(userId), text)
  }

  /**
   * Subscribes to your own inbox (`user:<yourId>`, restored after reconnects like any channel); its messages
   * arrive as `direct` events (and as `message`). Waits for `welcome` when only the socket knows who you are.
   */
  async subscribeInbox(): Promise<ReplyMap['subscribe']> {
    const id = this.#userId() ?? (this.#wanted ? (await this.connect()).user.id : undefined)
    if (id === undefined) throw notConnected('subscribeInbox')
    return await this.subscribe(inboxChannel(id))
  }

  /** Application-level `ping`; resolves with `pong` (counts as activity for the idle timer, unlike ws pings). */
  async ping(): Promise<ReplyMap['ping']> {
    return await this.#requests.request({ type: 'ping' })
  }

  /**
   * Sends an arbitrary text frame, bypassing the schemas — for demonstrating and testing the server's
   * handling of invalid input. The server's `error` reply arrives as an `error` event.
   */
  sendRaw(data: string): void {
    if (this.#state !== 'open' || !this.#requests.sendRaw(data)) throw notConnected('sendRaw')
  }

  /** No open socket: may a request wait for one? */
  #awaitSocket(): boolean {
    if (!this.loggedIn) return false
    if (this.#wanted) return true
    // After an idle timeout the socket is reopened on demand (the close-code table's advice for 4408).
    if (this.#state !== 'closed' || this.#lastClose?.action !== 'reconnect_on_demand') return false
    this.connect().catch(() => {}) // a failure rejects the queued request too
    return true
  }

  async #open(): Promise<void> {
    // A stop (and maybe a new connect) while the ticket call is in flight makes this attempt stale.
    const attempt = ++this.#attempt
    this.#setState('connecting')
    const mode = this.#options.auth ?? 'ticket'
    let credential: AttemptCredential
    try {
      credential = await attemptCredential(this.#session, this.api, mode)
    } catch (error) {
      if (attempt === this.#attempt) this.#afterFailure(asError(error))
      return
    }
    if (!this.#wanted || attempt !== this.#attempt) return
    this.#debug('dial', { auth: mode, failures: this.#reconnector.failures })
    let socket: WebSocketLike | undefined
    try {
      socket = openSocket(
        this.#createWebSocket,
        dial(this.#options.realtimeUrl, mode, credential.credential),
        {
          onFrame: (data) => {
            if (this.#socket === socket) this.#onFrame(data)
          },
          onClose: (code, reason, refusedStatus) => {
            if (this.#socket === socket) this.#onSocketClose(code, reason, refusedStatus)
          },
        },
      )
    } catch (error) {
      return this.#afterFailure(asError(error))
    }
    this.#socket = socket
    this.#socketToken = credential.token
  }

  #onSocketClose(code: number, reason: string, refusedStatus: number | undefined): void {
    this.#socket = undefined
    if (!this.#welcome && refusedStatus !== undefined) {
      const message = `upgrade refused: HTTP ${refusedStatus}`
      return this.#afterFailure(
        new PortcullisError(codeForStatus(refusedStatus), message, {
          source: 'socket',
          status: refusedStatus,
        }),
      )
    }
    if (!this.#welcome) {
      // A browser hides why an upgrade failed (always 1006); say so instead of failing silently.
      const message = `the WebSocket closed before welcome (${code}): refused upgrade or network failure`
      this.#emitError(new PortcullisError('network', message, { source: 'socket' }))
    }
    this.#onClose(code, reason)
  }

  #onFrame(data: unknown): void {
    const parsed = parseServerMessage(data)
    if (!parsed.ok) {
      this.#emitError(new PortcullisError('protocol', parsed.error.message, { source: 'socket' }))
      return
    }
    const message = parsed.message
    if (message.type === 'auth.refreshed') this.#setSocketExpiry(message.expiresAt)
    if (this.#requests.frame(message)) return
    this.#onPush(message)
  }

  #onPush(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        return this.#onWelcome(message)
      case 'message':
        this.emit('message', message)
        if (inboxOwner(message.channel) === this.#userId()) this.emit('direct', message)
        return
      case 'session.updated':
        this.#roles = [...message.roles]
        return this.emit('rolesChanged', { roles: [...message.roles] })
      case 'unsubscribed':
        this.#subscriptions.forget(message.channel)
        return this.emit('unsubscribed', { channel: message.channel, reason: message.reason })
      case 'auth.expiring':
        this.emit('expiring', { expiresAt: message.expiresAt })
        // If the session already holds a newer token (its auth.refresh failed or is in flight), hand that one
        // over; otherwise (a late timer, a sleeping laptop) refresh now, which hands it over when done.
        if (
          this.#session.loggedIn &&
          this.#session.expiresAt &&
          this.#session.accessToken() !== this.#socketToken
        ) {
          this.#onTokens()
        } else this.#session.refresh().catch((error: unknown) => this.#emitError(asError(error)))
        return
      case 'error':
        return this.#emitError(frameError(message))
      default:
        // A reply whose request already timed out: nothing waits for it.
        return
    }
  }

  #onWelcome(welcome: Welcome): void {
    this.#welcome = welcome
    this.#welcomeUser = welcome.user
    this.#roles = [...welcome.user.roles]
    this.#reconnector.reset()
    if (this.#socket) this.#requests.open(this.#socket, welcome.limits)
    this.#setSocketExpiry(welcome.expiresAt)
    this.#setState('open')
    this.#debug('welcome', {
      connectionId: welcome.connectionId,
      restoring: this.#subscriptions.size,
      queued: this.#requests.queued,
    })
    // Restores first, then the requests that waited for this socket, oldest first.
    this.#subscriptions.restore((_channel, error) => this.#emitError(asError(error)))
    this.#requests.flush()
    this.emit('welcome', welcome)
    this.emit('rolesChanged', { roles: [...welcome.user.roles] })
    this.#settleWaiters(welcome)
  }

  #onClose(code: number, reason: string): void {
    this.#welcome = undefined
    this.#socketExpiresAt = 0
    this.#requests.closed(notConnected('request', code))
    const step = this.#reconnector.afterClose(code)
    const action = closeAction(code)
    this.#lastClose = { code, reason, action, willReconnect: this.#wanted && step.kind !== 'stop' }
    this.#debug('close', { code, reason, action, willReconnect: this.#lastClose.willReconnect })
    this.emit('close', this.#lastClose)
    if (!this.#wanted) return
    const error = new PortcullisError('not_connected', `closed ${code} ${reason}`, { source: 'socket' })
    this.#reconnector.apply(step, error)
  }

  /** The liveness check failed: drop the socket without waiting for a close handshake that cannot complete. */
  #onUnresponsive(socket: WebSocketLike): void {
    if (this.#socket !== socket) return
    this.#socket = undefined
    socket.close(1000, 'unresponsive')
    // 1006: no close frame was received (RFC 6455 §7.1.5); the table's action for it is `reconnect`.
    this.#onClose(1006, 'unresponsive')
  }

  /** The browser is back online: reconnect now rather than at the end of a backoff wait; check an open socket. */
  #onOnline(): void {
    this.#debug('online', { state: this.#state })
    if (this.#state === 'open') this.#requests.suspect('online')
    else this.#reconnector.cutShort()
  }

  /** A connect attempt failed before the socket opened: decide from the typed error. */
  #afterFailure(error: PortcullisError): void {
    this.#socket = undefined
    if (!this.#wanted) return
    if (!this.loggedIn) return this.#giveUp('idle', error)
    const step = this.#reconnector.afterFailure(error)
    if (!(step.kind === 'stop' && step.state === 'idle')) this.#emitError(error)
    this.#reconnector.apply(step, error)
  }

  #giveUp(state: 'idle' | 'closed', error: PortcullisError): void {
    this.#wanted = false
    this.#stopWatchingOnline?.()
    this.#stopWatchingOnline = undefined
    this.#reconnector.cancel()
    this.#setState(state)
    // Requests that waited for a socket will not get one: they fail with the reason.
    this.#requests.abandon(error)
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.reject(error)
  }

  #stop(state: 'idle' | 'closed', code: number, reason: string): void {
    this.#attempt++
    const socket = this.#socket
    this.#socket = undefined
    this.#welcome = undefined
    this.#socketExpiresAt = 0
    this.#requests.closed(notConnected('request', code))
    if (socket) {
      socket.close(code, reason)
      this.#lastClose = { code, reason, action: closeAction(code), willReconnect: false }
      this.emit('close', this.#lastClose)
    }
    this.#giveUp(state, new PortcullisError('not_connected', reason, { source: 'client' }))
  }

  #onTokens(): void {
    this.#emitExpiry()
    const socket = this.#socket
    if (this.#state !== 'open' || !socket) return
    // Move the live socket's expiry with the new token (`auth.refresh` → `auth.refreshed`).
    const token = this.#session.accessToken()
    this.#requests.request({ type: 'auth.refresh', accessToken: token }, true).then(
      () => {
        if (this.#socket === socket) this.#socketToken = token
      },
      (error: unknown) => this.#emitError(asError(error)),
    )
  }

  #onLoggedOut(reason: LoggedOutReason): void {
    this.#stop('idle', 1000, 'logged_out')
    this.#subscriptions.clear()
    this.#welcomeUser = undefined
    this.#emitExpiry()
    this.#debug('logged out', { reason })
    this.emit('loggedOut', { reason })
  }

  #userId(): string | undefined {
    return (this.#session.user ?? this.#welcomeUser)?.id
  }

  #setSocketExpiry(expiresAt: number): void {
    this.#socketExpiresAt = expiresAt
    this.#emitExpiry()
  }

  #emitExpiry(): void {
    this.emit('expiry', { tokenExpiresAt: this.#session.expiresAt, socketExpiresAt: this.#socketExpiresAt })
  }

  #emitError(error: PortcullisError): void {
    this.#debug('error', { code: error.code, source: error.source, status: error.status })
    this.emit('error', error)
  }

  #setState(state: ConnectionState): void {
    const previous = this.#state
    if (previous === state) return
    this.#state = state
    this.#debug('state', { from: previous, to: state })
    this.emit('state', { state, previous })
  }

  #settleWaiters(welcome: Welcome): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.resolve(welcome)
  }
}
