import type { ClientMessage, ErrorMessage, ServerMessage } from '@portcullis/protocol'
import { PortcullisError } from './errors.ts'

/** Requests a client may send; `id` is assigned by the SDK. */
export type Request = ClientMessage extends infer M
  ? M extends { id: string }
    ? Omit<M, 'id'>
    : never
  : never

/** The reply type of each request type. */
export interface ReplyMap {
  ping: Extract<ServerMessage, { type: 'pong' }>
  subscribe: Extract<ServerMessage, { type: 'subscribed' }>
  unsubscribe: Extract<ServerMessage, { type: 'unsubscribed' }>
  publish: Extract<ServerMessage, { type: 'published' }>
  'auth.refresh': Extract<ServerMessage, { type: 'auth.refreshed' }>
}

const EXPECTED: Record<keyof ReplyMap, ServerMessage['type']> = {
  ping: 'pong',
  subscribe: 'subscribed',
  unsubscribe: 'unsubscribed',
  publish: 'published',
  'auth.refresh': 'auth.refreshed',
}

interface Waiter {
  readonly expected: ServerMessage['type']
  readonly resolve: (message: ServerMessage) => void
  readonly reject: (error: PortcullisError) => void
  readonly timer: ReturnType<typeof setTimeout>
}

/**
 * Matches replies to requests by `id`. Ids are `<prefix>-<counter>`: unique per client, at most 64
 * characters, and they reveal nothing. Every waiter ends exactly once: reply, `error` frame, timeout or close.
 */
export class PendingRequests {
  readonly #waiters = new Map<string, Waiter>()
  readonly #prefix: string
  readonly #timeoutMs: number
  #counter = 0

  constructor(timeoutMs: number, prefix = Math.random().toString(36).slice(2, 8)) {
    this.#timeoutMs = timeoutMs
    this.#prefix = prefix
  }

  get size(): number {
    return this.#waiters.size
  }

  /**
   * Registers a request and returns its id and the promise of its typed reply.
   * @param timeoutMs reject with `timeout` after this long (ms); default the constructor's
   */
  add<T extends keyof ReplyMap>(
    type: T,
    timeoutMs = this.#timeoutMs,
  ): { id: string; reply: Promise<ReplyMap[T]> } {
    const id = `${this.#prefix}-${++this.#counter}`
    const reply = new Promise<ReplyMap[T]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id)
        reject(
          new PortcullisError('timeout', `${type} ${id}: no reply within ${timeoutMs} ms`, {
            source: 'socket',
            requestId: id,
          }),
        )
      }, timeoutMs)
      this.#waiters.set(id, {
        expected: EXPECTED[type],
        resolve: resolve as (message: ServerMessage) => void,
        reject,
        timer,
      })
    })
    return { id, reply }
  }

  /**
   * Settles the waiter of a reply or `error` frame. Returns false when the frame answers no pending
   * request (a push, or a reply that arrived after its timeout).
   */
  settle(message: ServerMessage): boolean {
    const id = 'id' in message ? message.id : undefined
    if (id === undefined) return false
    const waiter = this.#waiters.get(id)
    if (!waiter) return false
    if (message.type !== 'error' && message.type !== waiter.expected) return false
    this.#waiters.delete(id)
    clearTimeout(waiter.timer)
    if (message.type === 'error') waiter.reject(frameError(message))
    else waiter.resolve(message)
    return true
  }

  /** Rejects the waiter of one request (e.g. its frame could not be sent). */
  fail(id: string, error: PortcullisError): void {
    const waiter = this.#waiters.get(id)
    if (!waiter) return
    this.#waiters.delete(id)
    clearTimeout(waiter.timer)
    waiter.reject(error)
  }

  /** Rejects every waiter (the socket closed). */
  failAll(error: PortcullisError): void {
    for (const id of this.#waiters.keys()) this.fail(id, error)
  }
}

/** A typed error from an `error` frame, keeping its protocol code and `retryAfterMs`. */
export function frameError(message: ErrorMessage): PortcullisError {
  return new PortcullisError(message.code, message.message, {
    source: 'socket',
    ...(message.id === undefined ? {} : { requestId: message.id }),
    ...(message.retryAfterMs === undefined ? {} : { retryAfterMs: message.retryAfterMs }),
  })
}
