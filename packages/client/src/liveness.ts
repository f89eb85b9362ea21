import type { DebugLogger } from './debug.ts'
import type { WebSocketLike } from './transport.ts'

/** What a liveness check does to the socket under suspicion. */
export interface LivenessActions {
  /** Sends one application `ping` on the socket (its reply, like any frame, proves the socket alive). */
  readonly ping: (socket: WebSocketLike) => void
  /** Nothing came back in time: the socket is half-open or dead. */
  readonly onDead: (socket: WebSocketLike) => void
  readonly debug: DebugLogger
}

/**
 * Half-open detection without keep-alive traffic. A browser cannot see WebSocket pings, so a socket whose
 * peer vanished (a NAT dropped it, the laptop changed networks) looks open until TCP gives up, minutes
 * later. Only evidence starts a check: a request that got no reply (or the browser's `online` event). The
 * check sends ONE `ping`; any frame from the server within `timeoutMs` clears the suspicion, silence
 * declares the socket dead. A quiet app sends nothing, so the server's idle close (4408) still works.
 * See docs/decisions/0880.
 */
export class Liveness {
  readonly #timeoutMs: number
  readonly #actions: LivenessActions
  #timer: ReturnType<typeof setTimeout> | undefined

  /** @param timeoutMs how long the socket has to answer the check (ms; client default 5000) */
  constructor(timeoutMs: number, actions: LivenessActions) {
    this.#timeoutMs = timeoutMs
    this.#actions = actions
  }

  /** True while a check waits for an answer. */
  get checking(): boolean {
    return this.#timer !== undefined
  }

  /** Starts a check of `socket`, unless one is running (one ping per suspicion, never a stream of them). */
  suspect(socket: WebSocketLike, why: string): void {
    if (this.#timer !== undefined) return
    this.#actions.debug('liveness check', { why, timeoutMs: this.#timeoutMs })
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#actions.debug('liveness failed', { timeoutMs: this.#timeoutMs })
      this.#actions.onDead(socket)
    }, this.#timeoutMs)
    this.#actions.ping(socket)
  }

  /** A frame arrived: the socket is alive. */
  alive(): void {
    if (this.#timer === undefined) return
    this.cancel()
    this.#actions.debug('liveness ok')
  }

  /** The socket is gone anyway (closed, replaced): forget the check. */
  cancel(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
