import type { ServerMessage, Welcome } from '@portcullis/protocol'
import type { DebugLogger } from './debug.ts'
import { PortcullisError, notConnected } from './errors.ts'
import { Liveness } from './liveness.ts'
import { PendingRequests, type ReplyMap, type Request as SocketRequest } from './pending.ts'
import { RateBudgetMirror } from './rate-budget.ts'
import { RequestQueue } from './request-queue.ts'
import { OPEN, type WebSocketLike } from './transport.ts'

/** Timing and bounds of socket requests (the client's options, with their defaults applied). */
export interface RequestSettings {
  /** Each request's deadline, from the call to its reply, queue time included (ms). */
  readonly timeoutMs: number
  /** Most requests waiting for a socket at once. */
  readonly maxQueued: number
  /** How long a suspect socket has to answer the liveness `ping` (ms). */
  readonly pongTimeoutMs: number
}

/** What the request path needs from the client. */
export interface RequestHost {
  /**
   * No open socket: may a request wait for one? True while the client (re)connects; may start a connect
   * on demand (after an idle close).
   */
  readonly awaitSocket: () => boolean
  /** The socket answered neither a request nor the liveness `ping`: drop it and reconnect. */
  readonly onUnresponsive: (socket: WebSocketLike) => void
  readonly debug: DebugLogger
}

/**
 * Every socket request goes through here: sent at once on an open socket, queued while the socket
 * (re)connects and sent after `welcome` in call order, paced by the rate-budget mirror so a long queue
 * does not spend the server's burst and earn a 4429. A request already on the wire when the socket drops
 * rejects with `not_connected` and is not resent: the SDK cannot know whether the server acted on it
 * (a publish must not be delivered twice). A reply that never comes makes the socket suspect (`Liveness`).
 * See docs/decisions/0880.
 */
export class RequestPipeline {
  /** The local mirror of the server's per-socket message budget; every frame sent spends from it. */
  readonly budget = new RateBudgetMirror()
  readonly #settings: RequestSettings
  readonly #host: RequestHost
  readonly #pending: PendingRequests
  readonly #queue: RequestQueue
  readonly #liveness: Liveness
  #socket: WebSocketLike | undefined
  #paceTimer: ReturnType<typeof setTimeout> | undefined

  constructor(settings: RequestSettings, host: RequestHost) {
    this.#settings = settings
    this.#host = host
    this.#pending = new PendingRequests(settings.timeoutMs)
    this.#queue = new RequestQueue(settings.maxQueued)
    this.#liveness = new Liveness(settings.pongTimeoutMs, {
      ping: (socket) =>
        void this.#send(socket, { type: 'ping' }, settings.pongTimeoutMs, true).catch(() => {}),
      onDead: (socket) => host.onUnresponsive(socket),
      debug: host.debug,
    })
  }

  /** Requests waiting for a socket. */
  get queued(): number {
    return this.#queue.size
  }

  /**
   * Sends `message` now, or queues it while a socket is coming; resolves with the typed reply.
   * `urgent` (the SDK's own subscription restores and token hand-over) skips requests queued before it.
   */
  request<T extends keyof ReplyMap>(
    message: Extract<SocketRequest, { type: T }>,
    urgent = false,
  ): Promise<ReplyMap[T]> {
    const socket = this.#writable()
    if (socket && (urgent || this.#queue.size === 0)) {
      return this.#send(socket, message, this.#settings.timeoutMs)
    }
    if (!socket && !this.#host.awaitSocket()) return Promise.reject(notConnected(message.type))
    this.#host.debug('request queued', { type: message.type, queued: this.#queue.size + 1 })
    return this.#queue.add(message, Date.now() + this.#settings.timeoutMs) as Promise<ReplyMap[T]>
  }

  /** Sends a frame as is (`sendRaw`); false when no socket is open. */
  sendRaw(data: string): boolean {
    const socket = this.#writable()
    if (!socket) return false
    this.budget.spend()
    socket.send(data)
    return true
  }

  /** `welcome` arrived on `socket`: requests flow again. Call `flush()` once the SDK's own requests are out. */
  open(socket: WebSocketLike, limits: Welcome['limits']): void {
    this.#socket = socket
    this.budget.reset(limits)
  }

  /** Sends queued requests in call order while the budget mirror has tokens; the rest follow as it refills. */
  flush(): void {
    clearTimeout(this.#paceTimer)
    this.#paceTimer = undefined
    let sent = 0
    for (let socket = this.#writable(); socket && this.#queue.size > 0; socket = this.#writable()) {
      const budget = this.budget.snapshot()
      if (budget.tokens < 1) {
        // One token refills in 1000 / ratePerS ms.
        this.#paceTimer = setTimeout(() => this.flush(), Math.ceil(1000 / Math.max(budget.ratePerS, 1)))
        break
      }
      const entry = this.#queue.shift()!
      const remainingMs = entry.deadline - Date.now()
      if (remainingMs <= 0) {
        entry.reject(
          new PortcullisError('timeout', `${entry.message.type}: no open socket in time`, {
            source: 'client',
          }),
        )
        continue
      }
      entry.resolve(this.#send(socket, entry.message, remainingMs))
      sent++
    }
    if (sent > 0) this.#host.debug('queue flushed', { sent, queued: this.#queue.size })
  }

  /** A frame arrived: any frame proves the socket alive; replies settle their request. */
  frame(message: ServerMessage): boolean {
    this.#liveness.alive()
    if (message.type === 'error' && message.code === 'rate_limited') this.budget.exhausted()
    return this.#pending.settle(message)
  }

  /** Checks the open socket with one `ping` (e.g. after the browser's `online` event). */
  suspect(why: string): void {
    const socket = this.#writable()
    if (socket) this.#liveness.suspect(socket, why)
  }

  /**
   * The socket is gone: requests on the wire reject with `error` (never resent: the server may have acted
   * on them); queued requests keep waiting for the next socket.
   */
  closed(error: PortcullisError): void {
    this.#socket = undefined
    clearTimeout(this.#paceTimer)
    this.#paceTimer = undefined
    this.#liveness.cancel()
    this.#pending.failAll(error)
  }

  /** The client stopped or gave up: queued requests reject too. */
  abandon(error: PortcullisError): void {
    this.closed(error)
    this.#queue.rejectAll(error)
  }

  #writable(): WebSocketLike | undefined {
    return this.#socket?.readyState === OPEN ? this.#socket : undefined
  }

  #send<T extends keyof ReplyMap>(
    socket: WebSocketLike,
    message: Extract<SocketRequest, { type: T }>,
    timeoutMs: number,
    probe = false,
  ): Promise<ReplyMap[T]> {
    const { id, reply } = this.#pending.add(message.type as T, timeoutMs)
    this.budget.spend()
    try {
      socket.send(JSON.stringify({ ...message, id }))
    } catch (cause) {
      this.#pending.fail(
        id,
        new PortcullisError('not_connected', `${message.type}: send failed`, { source: 'socket', cause }),
      )
    }
    if (!probe) {
      reply.catch((error: unknown) => {
        // No reply on a socket that still looks open: it may be half-open. (The probe's own silence is
        // judged by the liveness timer.)
        if (error instanceof PortcullisError && error.code === 'timeout' && this.#socket === socket) {
          this.#host.debug('request timed out', { type: message.type })
          this.#liveness.suspect(socket, `${message.type} timed out`)
        }
      })
    }
    return reply
  }
}
