import { PortcullisClient, type WebSocketFactory } from '@portcullis/client'
import { WebSocket } from 'ws'
import type { Balancer } from './balancer.ts'
import type { Identities, Identity } from './identity.ts'
import type { Ledger } from './ledger.ts'

/** What every client of the fleet shares. */
export interface FleetContext {
  ledger: Ledger
  balancer: Balancer
  identities: Identities
  apiUrl: () => string
  /** Counts a client-side event (refusal statuses, publish failures, …) for the report. */
  count: (what: string) => void
}

/** An unintended close of a client's socket: not a revocation, nor a voluntary reconnect. */
export interface CloseNote {
  client: number
  at: number
  code: number
}

/**
 * One simulated user session: the real SDK (`@portcullis/client`: reconnect policy, token refresh before expiry,
 * `auth.refresh` in-band, subscriptions restored) over `ws` from its own loopback source address, balanced over the
 * live realtime instances. Tokens come from the api through a token provider (see `Identities`).
 */
export class SoakClient {
  readonly index: number
  readonly userId: string
  readonly channel: string
  readonly client: PortcullisClient
  /** The realtime instance of the socket being opened or open. */
  instance = -1
  identity: Identity | null = null
  /** Set while the soak itself closes the socket (voluntary reconnect): that close is not a failure. */
  leaving = false
  readonly #ctx: FleetContext
  readonly #onUnintendedClose: (note: CloseNote) => void

  constructor(
    index: number,
    options: { userId: string; channel: string; sourceIp: string; ticket: boolean },
    ctx: FleetContext,
    onUnintendedClose: (note: CloseNote) => void,
  ) {
    this.index = index
    this.userId = options.userId
    this.channel = options.channel
    this.#ctx = ctx
    this.#onUnintendedClose = onUnintendedClose
    const createWebSocket: WebSocketFactory = (url, protocols, headers) => {
      const target = ctx.balancer.pick()
      this.instance = target.index
      const u = new URL(url)
      const ws = new WebSocket(`${target.url}${u.pathname}${u.search}`, protocols, {
        headers,
        localAddress: options.sourceIp,
        perMessageDeflate: false,
        handshakeTimeout: 10_000,
      })
      return ws as unknown as ReturnType<WebSocketFactory>
    }
    this.client = new PortcullisClient({
      apiUrl: ctx.apiUrl(),
      realtimeUrl: 'ws://balancer.invalid',
      auth: options.ticket ? 'ticket' : 'authorization-header',
      createWebSocket,
      tokenProvider: async ({ reason }) => await this.#token(reason),
      // Reconnects and requests exactly as an app would have them, but never give up.
      requestTimeoutMs: 10_000,
      maxQueuedRequests: 20,
    })
    this.client.on('state', ({ state }) => {
      if (state !== 'open') return
      ctx.ledger.opened(index, Date.now())
      void this.#subscribe()
    })
    this.client.on('close', ({ code }) => {
      const at = Date.now()
      ctx.ledger.closed(index, at, code)
      if (code === 4408) {
        ctx.count('closed 4408 idle')
        void this.connect()
      }
      if (!this.leaving && code !== 4401 && code !== 1000)
        this.#onUnintendedClose({ client: index, at, code })
    })
    this.client.on('message', (m) => ctx.ledger.delivered(m.messageId, index))
    this.client.on('loggedOut', () => {
      // The soak revoked the session: this user logs in again (a new session) and connects.
      this.identity = null
      void this.connect()
    })
    this.client.on('error', (error) => {
      if (error.status) ctx.count(`refused ${error.status}`)
    })
  }

  async #token(
    reason: 'initial' | 'refresh' | 'rejected',
  ): Promise<{ accessToken: string; expiresIn: number } | null> {
    // Being revoked: the server's 4401 asks (`rejected`) and ends the session; a refresh due meanwhile waits.
    if (this.identity?.revoked) {
      if (reason === 'rejected') return null
      throw new Error('session being revoked')
    }
    if (!this.identity || reason === 'initial') {
      this.identity ??= await this.#ctx.identities.open(this.userId)
      return { accessToken: this.identity.accessToken, expiresIn: 300 }
    }
    try {
      return await this.#ctx.identities.refresh(this.identity)
    } catch (error) {
      const status = (error as { status?: number }).status
      this.#ctx.count(`token refresh failed ${status ?? 'network'}`)
      // 401: the session is gone (revoked behind our back): end it, a new one follows. Else retry (SDK backoff).
      if (status === 401) return null
      throw error
    }
  }

  /**
   * Subscribes the open socket to the client's channel and records the confirmation (the SDK restores the
   * subscription after reconnects too; asking again is idempotent and tells the ledger when it holds). A failure
   * (the store away) is retried every second while the socket is open.
   */
  async #subscribe(): Promise<void> {
    while (this.#ctx.ledger.isOpen(this.index)) {
      try {
        await this.client.subscribe(this.channel)
        this.#ctx.ledger.subscribed(this.index, this.channel, Date.now())
        return
      } catch {
        this.#ctx.count('subscribe failed (retried)')
        await new Promise((resolve) => setTimeout(resolve, 1000).unref())
      }
    }
  }

  /** Connects (or reconnects after a `loggedOut` or `disconnect`); failures are retried by the SDK. */
  async connect(): Promise<void> {
    this.leaving = false
    await this.client.connect().then(
      () => {},
      () => this.#ctx.count('connect failed'),
    )
  }

  /** Voluntary reconnect: close the socket normally, connect again after `delayMs`. */
  reconnect(delayMs: number): void {
    this.leaving = true
    this.client.disconnect()
    this.#ctx.ledger.closed(this.index, Date.now(), 1000)
    setTimeout(() => void this.connect(), delayMs).unref()
  }

  /** Publishes to the client's channel, recording the acknowledgement. */
  async publish(text: string): Promise<void> {
    const sentAt = Date.now()
    try {
      const { messageId } = await this.client.publish(this.channel, text)
      this.#ctx.ledger.acked(messageId, this.channel, sentAt, Date.now())
    } catch {
      this.#ctx.count('publish not acknowledged')
    }
  }

  /** Keeps the socket from idling out (`ping` counts as activity; protocol heartbeats do not). */
  async ping(): Promise<void> {
    await this.client.ping().catch(() => this.#ctx.count('ping failed'))
  }

  /** Revokes the session through the api (logout); true when the api answered 204. */
  async revoke(): Promise<boolean> {
    const identity = this.identity
    if (!identity) return false
    identity.revoked = true
    const ok = await this.#ctx.identities.logout(identity)
    if (!ok) identity.revoked = false
    return ok
  }

  close(): void {
    this.leaving = true
    this.client.disconnect()
    this.#ctx.ledger.closed(this.index, Date.now(), 1000)
  }
}
