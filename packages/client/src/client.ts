import {
  closeAction,
  parseServerMessage,
  type Role,
  type ServerMessage,
  type Welcome,
} from '@portcullis/protocol'
import { TypedEmitter } from './emitter.ts'
import { PortcullisError, codeForStatus } from './errors.ts'
import { ApiClient, type LoginReply } from './http.ts'
import { PendingRequests, frameError, type ReplyMap } from './pending.ts'
import { RateBudgetMirror, type RateBudget } from './rate-budget.ts'
import { stepAfterClose, stepAfterFailure, type PolicyInput, type ReconnectStep } from './reconnect-policy.ts'
import { Session, type LoggedOutReason } from './session.ts'
import type { ClientEvents, ClientOptions, CloseInfo, ConnectionState } from './types.ts'
import {
  OPEN,
  dial,
  globalWebSocketFactory,
  refusedUpgradeStatus,
  type WebSocketFactory,
  type WebSocketLike,
} from './transport.ts'

/** Refresh before connecting when the access token has less than this left (ms). */
const EXPIRY_MARGIN_MS = 5000

/**
 * The Portcullis client: login and token refresh over HTTP, one authenticated WebSocket with typed
 * requests and events, reconnects driven by the protocol's close-code table.
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
  readonly #random: () => number
  readonly #pending: PendingRequests
  readonly #budget = new RateBudgetMirror()
  /** Channels the caller subscribed to; re-subscribed after a reconnect. */
  readonly #channels = new Set<string>()
  readonly #subscribing = new Map<string, Promise<ReplyMap['subscribe']>>()
  #state: ConnectionState = 'idle'
  #socket: WebSocketLike | undefined
  #welcome: Welcome | undefined
  #roles: Role[] = []
  #socketExpiresAt = 0
  /** The access token the live socket runs on (what its expiry derives from). */
  #socketToken: string | undefined
  /** True while the caller wants a socket: set by `connect()`, cleared by `disconnect()`/`logout()`/terminal closes. */
  #wanted = false
  #failures = 0
  /** Counts `#open` calls, so a stale attempt (stopped while awaiting its ticket) gives up quietly. */
  #attempt = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastClose: CloseInfo | undefined
  #waiters: Array<{ resolve: (w: Welcome) => void; reject: (e: PortcullisError) => void }> = []

  constructor(options: ClientOptions) {
    super()
    this.#options = options
    this.#random = options.random ?? Math.random
    this.#createWebSocket = options.createWebSocket ?? globalWebSocketFactory
    this.#pending = new PendingRequests(options.requestTimeoutMs ?? 10_000)
    this.api = new ApiClient(options)
    this.#session = new Session(
      this.api,
      {
        onTokens: () => this.#onTokens(),
        onLoggedOut: (reason) => this.#onLoggedOut(reason),
        onError: (error) => this.emit('error', error),
      },
      options,
    )
  }

  /** The connection state (see `ConnectionState`); every change is also a `state` event. */
  get state(): ConnectionState {
    return this.#state
  }
  /** The user from login, with the live roles once the socket reported them. */
  get user(): { id: string; username: string; roles: Role[] } | undefined {
    const user = this.#session.user
    return (
      user && {
        id: user.id,
        username: user.username,
        roles: this.#welcome ? [...this.#roles] : [...user.roles],
      }
    )
  }
  /** The session id from login (not a secret: admins revoke sessions by it). */
  get sessionId(): string | undefined {
    return this.#session.sessionId
  }
  /** True while the client holds tokens. */
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
    return [...this.#channels]
  }
  /** The estimated remaining message budget of the socket. */
  rateBudget(): RateBudget {
    return this.#budget.snapshot()
  }
  /** An admin's access token for the api's admin routes (`client.api.setRoles(client.accessToken(), …)`). */
  accessToken(): string {
    return this.#session.accessToken()
  }

  /**
   * Logs in; the tokens stay in memory (the reply carries them too: do not persist them). A 401 rejects with
   * `invalid_credentials`. A socket of an earlier login is closed first and its subscriptions forgotten.
   */
  async login(username: string, password: string): Promise<LoginReply> {
    if (this.#wanted || this.#socket) {
      this.#stop('idle', 1000, 'login')
      this.#channels.clear()
    }
    return await this.#session.login(username, password)
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

  /** Opens the socket (and keeps it open across retryable closes); resolves on `welcome`. */
  connect(): Promise<Welcome> {
    const promise = new Promise<Welcome>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    if (this.#state === 'open' && this.#welcome) this.#settleWaiters(this.#welcome)
    else if (this.#state !== 'connecting') {
      this.#wanted = true
      this.#failures = 0
      clearTimeout(this.#timer)
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
    // Concurrent subscribes to one channel share a request (UI code often asks twice in one tick).
    let inflight = this.#subscribing.get(channel)
    if (!inflight) {
      inflight = this.#request({ type: 'subscribe', channel })
        .then((reply) => {
          this.#channels.add(channel)
          return reply
        })
        .finally(() => this.#subscribing.delete(channel))
      this.#subscribing.set(channel, inflight)
    }
    return inflight
  }

  /** `unsubscribe`; the channel is no longer restored after reconnects. */
  async unsubscribe(channel: string): Promise<ReplyMap['unsubscribe']> {
    this.#channels.delete(channel)
    return await this.#request({ type: 'unsubscribe', channel })
  }

  /** `publish` plain text (1–2000 code points) to a channel; resolves with the server's `messageId`. */
  async publish(channel: string, text: string): Promise<ReplyMap['publish']> {
    return await this.#request({ type: 'publish', channel, text })
  }

  /** Application-level `ping`; resolves with `pong` (counts as activity for the idle timer, unlike ws pings). */
  async ping(): Promise<ReplyMap['ping']> {
    return await this.#request({ type: 'ping' })
  }

  /**
   * Sends an arbitrary text frame, bypassing the schemas — for demonstrating and testing the server's
   * handling of invalid input. The server's `error` reply arrives as an `error` event.
   */
  sendRaw(data: string): void {
    if (this.#state !== 'open' || !this.#socket) throw notConnected('sendRaw')
    this.#budget.spend()
    this.#socket.send(data)
  }

  async #request<T extends keyof ReplyMap>(
    message: { type: T } & Record<string, unknown>,
  ): Promise<ReplyMap[T]> {
    // After an idle timeout the socket is reopened on demand (the close-code table's advice for 4408).
    if (this.#state === 'closed' && this.#lastClose?.action === 'reconnect_on_demand' && this.loggedIn) {
      await this.connect()
    }
    const socket = this.#socket
    if (this.#state !== 'open' || !socket || socket.readyState !== OPEN) throw notConnected(message.type)
    const { id, reply } = this.#pending.add(message.type)
    this.#budget.spend()
    try {
      socket.send(JSON.stringify({ ...message, id }))
    } catch (cause) {
      this.#pending.fail(
        id,
        new PortcullisError('not_connected', `${message.type}: send failed`, { source: 'socket', cause }),
      )
    }
    return await reply
  }

  async #open(): Promise<void> {
    // A stop (and maybe a new connect) while the ticket call is in flight makes this attempt stale.
    const attempt = ++this.#attempt
    this.#setState('connecting')
    const mode = this.#options.auth ?? 'ticket'
    let credential: string
    let dialedToken: string
    try {
      // A token that expired while we were away (sleep, long backoff) would only be refused: refresh first.
      if (this.#session.loggedIn && this.#session.expiresAt - Date.now() < EXPIRY_MARGIN_MS) {
        await this.#session.refresh()
      }
      credential = mode === 'ticket' ? await this.#ticket() : this.#session.accessToken()
      // The socket's lifetime is this token's `exp` (the ticket was minted with it).
      dialedToken = this.#session.accessToken()
    } catch (error) {
      if (attempt === this.#attempt) this.#afterFailure(asError(error))
      return
    }
    if (!this.#wanted || attempt !== this.#attempt) return
    const target = dial(this.#options.realtimeUrl, mode, credential)
    let socket: WebSocketLike
    try {
      socket = this.#createWebSocket(target.url, target.protocols, target.headers)
    } catch (error) {
      // Not passed on as `cause`: a WebSocket constructor's message may quote the URL, ticket included.
      const name = error instanceof Error ? error.name : 'Error'
      return this.#afterFailure(
        new PortcullisError('network', `cannot open the socket (${name})`, { source: 'socket' }),
      )
    }
    this.#socket = socket
    this.#socketToken = dialedToken
    let refusedStatus: number | undefined
    socket.addEventListener('error', (event) => {
      refusedStatus ??= refusedUpgradeStatus(event)
    })
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket) this.#onFrame(event.data)
    })
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return
      this.#socket = undefined
      if (refusedStatus !== undefined && !this.#welcome) {
        const error = new PortcullisError(
          codeForStatus(refusedStatus),
          `upgrade refused: HTTP ${refusedStatus}`,
          {
            source: 'socket',
            status: refusedStatus,
          },
        )
        return this.#afterFailure(error)
      }
      if (!this.#welcome) {
        // A browser hides why an upgrade failed (always 1006); say so instead of failing silently.
        this.emit(
          'error',
          new PortcullisError(
            'network',
            `the WebSocket closed before welcome (${event.code}): refused upgrade or network failure`,
            { source: 'socket' },
          ),
        )
      }
      this.#onClose(event.code, event.reason)
    })
  }

  /** A fresh single-use ticket; on 401 the access token is refreshed once and the call repeated. */
  async #ticket(): Promise<string> {
    try {
      return (await this.api.wsTicket(this.#session.accessToken())).ticket
    } catch (error) {
      if (!(error instanceof PortcullisError) || error.code !== 'unauthorized') throw error
    }
    await this.#session.refresh()
    return (await this.api.wsTicket(this.#session.accessToken())).ticket
  }

  #onFrame(data: unknown): void {
    const parsed = parseServerMessage(data)
    if (!parsed.ok) {
      this.emit('error', new PortcullisError('protocol', parsed.error.message, { source: 'socket' }))
      return
    }
    const message = parsed.message
    if (message.type === 'error' && message.code === 'rate_limited') this.#budget.exhausted()
    if (message.type === 'auth.refreshed') this.#setSocketExpiry(message.expiresAt)
    if (this.#pending.settle(message)) return
    this.#onPush(message)
  }

  #onPush(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        return this.#onWelcome(message)
      case 'message':
        return this.emit('message', message)
      case 'session.updated':
        this.#roles = [...message.roles]
        return this.emit('rolesChanged', { roles: [...message.roles] })
      case 'unsubscribed':
        this.#channels.delete(message.channel)
        return this.emit('unsubscribed', { channel: message.channel, reason: message.reason })
      case 'auth.expiring':
        this.emit('expiring', { expiresAt: message.expiresAt })
        // If the session already holds a newer token (its auth.refresh failed or is in flight), hand that one
        // over; otherwise (a late timer, a sleeping laptop) refresh now, which hands it over when done.
        if (this.#session.loggedIn && this.#session.accessToken() !== this.#socketToken) this.#onTokens()
        else this.#session.refresh().catch((error: unknown) => this.emit('error', asError(error)))
        return
      case 'error':
        return this.emit('error', frameError(message))
      default:
        // A reply whose request already timed out: nothing waits for it.
        return
    }
  }

  #onWelcome(welcome: Welcome): void {
    this.#welcome = welcome
    this.#roles = [...welcome.user.roles]
    this.#failures = 0
    this.#budget.reset(welcome.limits)
    this.#setSocketExpiry(welcome.expiresAt)
    this.#setState('open')
    this.emit('welcome', welcome)
    this.emit('rolesChanged', { roles: [...welcome.user.roles] })
    for (const channel of this.#channels) {
      this.#request({ type: 'subscribe', channel }).catch((error: unknown) => {
        this.#channels.delete(channel)
        this.emit('error', asError(error))
      })
    }
    this.#settleWaiters(welcome)
  }

  #onClose(code: number, reason: string): void {
    this.#welcome = undefined
    this.#socketExpiresAt = 0
    this.#pending.failAll(notConnected('request', code))
    const step = stepAfterClose(code, this.#policy())
    this.#lastClose = {
      code,
      reason,
      action: closeAction(code),
      willReconnect: this.#wanted && step.kind !== 'stop',
    }
    this.emit('close', this.#lastClose)
    if (!this.#wanted) return
    this.#apply(step, new PortcullisError('not_connected', `closed ${code} ${reason}`, { source: 'socket' }))
  }

  /** A connect attempt failed before the socket opened: decide from the typed error. */
  #afterFailure(error: PortcullisError): void {
    this.#socket = undefined
    if (!this.#wanted) return
    if (!this.loggedIn) return this.#giveUp('idle', error)
    const step = stepAfterFailure(error, this.#policy())
    if (!(step.kind === 'stop' && step.state === 'idle')) this.emit('error', error)
    this.#apply(step, error)
  }

  #policy(): PolicyInput {
    return {
      failures: this.#failures,
      rateLimitedDelayMs: this.#options.rateLimitedDelayMs ?? 10_000,
      random: this.#random,
      ...(this.#options.backoff ? { backoff: this.#options.backoff } : {}),
    }
  }

  #apply(step: ReconnectStep, reason: PortcullisError): void {
    if (step.kind === 'stop') return this.#giveUp(step.state, reason)
    // Reset on every welcome: a socket that worked restarts at the smallest window, while attempts that
    // keep failing back off further each time.
    this.#failures++
    if (step.kind === 'retry') return this.#schedule(step.delayMs)
    this.#setState('reconnecting')
    // A refused refresh emits loggedOut and clears `#wanted`, which ends this chain in #afterFailure.
    this.#session.refresh('session_revoked').then(
      () => this.#schedule(step.delayMs),
      (error: unknown) => this.#afterFailure(asError(error)),
    )
  }

  #schedule(delayMs: number): void {
    const max = this.#options.maxReconnectAttempts ?? Number.POSITIVE_INFINITY
    if (this.#failures > max) {
      return this.#giveUp(
        'closed',
        new PortcullisError('not_connected', `gave up after ${max} reconnects`, { source: 'client' }),
      )
    }
    this.#setState('reconnecting')
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      if (this.#wanted) void this.#open()
    }, delayMs)
  }

  #giveUp(state: 'idle' | 'closed', error: PortcullisError): void {
    this.#wanted = false
    clearTimeout(this.#timer)
    this.#setState(state)
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.reject(error)
  }

  #stop(state: 'idle' | 'closed', code: number, reason: string): void {
    this.#wanted = false
    this.#attempt++
    clearTimeout(this.#timer)
    const socket = this.#socket
    this.#socket = undefined
    this.#welcome = undefined
    this.#socketExpiresAt = 0
    if (socket) {
      socket.close(code, reason)
      this.#lastClose = { code, reason, action: closeAction(code), willReconnect: false }
      this.emit('close', this.#lastClose)
    }
    this.#pending.failAll(notConnected('request', code))
    this.#giveUp(state, new PortcullisError('not_connected', reason, { source: 'client' }))
  }

  #onTokens(): void {
    this.#emitExpiry()
    const socket = this.#socket
    if (this.#state !== 'open' || !socket) return
    // Move the live socket's expiry with the new token (`auth.refresh` → `auth.refreshed`).
    const token = this.#session.accessToken()
    this.#request({ type: 'auth.refresh', accessToken: token }).then(
      () => {
        if (this.#socket === socket) this.#socketToken = token
      },
      (error: unknown) => this.emit('error', asError(error)),
    )
  }

  #onLoggedOut(reason: LoggedOutReason): void {
    this.#stop('idle', 1000, 'logged_out')
    this.#channels.clear()
    this.#emitExpiry()
    this.emit('loggedOut', { reason })
  }

  #setSocketExpiry(expiresAt: number): void {
    this.#socketExpiresAt = expiresAt
    this.#emitExpiry()
  }

  #emitExpiry(): void {
    this.emit('expiry', { tokenExpiresAt: this.#session.expiresAt, socketExpiresAt: this.#socketExpiresAt })
  }

  #setState(state: ConnectionState): void {
    const previous = this.#state
    if (previous === state) return
    this.#state = state
    this.emit('state', { state, previous })
  }

  #settleWaiters(welcome: Welcome): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.resolve(welcome)
  }
}

function notConnected(what: string, code?: number): PortcullisError {
  const detail = code === undefined ? 'the socket is not open' : `the socket closed (${code})`
  return new PortcullisError('not_connected', `${what}: ${detail}`, { source: 'socket' })
}

function asError(error: unknown): PortcullisError {
  if (error instanceof PortcullisError) return error
  return new PortcullisError('network', error instanceof Error ? error.message : String(error), {
    source: 'client',
    cause: error,
  })
}
