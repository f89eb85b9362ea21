import { PortcullisError } from './errors.ts'
import type { Request as SocketRequest } from './pending.ts'

/** A request waiting for a socket: what to send, when it gives up, and how to settle its caller. */
export interface QueuedRequest {
  readonly message: SocketRequest
  /** Epoch ms: the request's whole deadline (queue time plus reply time). */
  readonly deadline: number
  readonly resolve: (reply: Promise<unknown>) => void
  readonly reject: (error: PortcullisError) => void
}

interface Entry extends QueuedRequest {
  readonly timer: ReturnType<typeof setTimeout>
}

/**
 * Requests made while the socket is (re)connecting, in call order, until `welcome`. Bounded: past `max`
 * entries a request is refused at once (`not_connected`) instead of piling up behind a socket that may not
 * come back. Each entry keeps its own deadline and rejects with `timeout` when it passes in the queue.
 */
export class RequestQueue {
  readonly #entries: Entry[] = []
  readonly #max: number

  /** @param max most requests waiting at once (default of the client: 100) */
  constructor(max: number) {
    this.#max = max
  }

  get size(): number {
    return this.#entries.length
  }

  /** Queues a request; the promise settles with its reply once sent, or rejects (full, deadline, abandon). */
  add(message: SocketRequest, deadline: number): Promise<unknown> {
    if (this.#entries.length >= this.#max) {
      return Promise.reject(
        new PortcullisError(
          'not_connected',
          `${message.type}: the socket is not open and ${this.#max} requests already wait for it`,
          { source: 'client' },
        ),
      )
    }
    return new Promise<unknown>((resolve, reject) => {
      const timeoutMs = Math.max(0, deadline - Date.now())
      const entry: Entry = {
        message,
        deadline,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#remove(entry)
          reject(
            new PortcullisError('timeout', `${message.type}: no open socket within ${timeoutMs} ms`, {
              source: 'client',
            }),
          )
        }, timeoutMs),
      }
      this.#entries.push(entry)
    })
  }

  /** Takes the oldest request off the queue (its deadline timer stops: the sender owns it now). */
  shift(): QueuedRequest | undefined {
    const entry = this.#entries.shift()
    if (entry) clearTimeout(entry.timer)
    return entry
  }

  /** Rejects every waiting request (the client stopped or gave up). */
  rejectAll(error: PortcullisError): void {
    for (let entry = this.shift(); entry; entry = this.shift()) entry.reject(error)
  }

  #remove(entry: Entry): void {
    const index = this.#entries.indexOf(entry)
    if (index !== -1) this.#entries.splice(index, 1)
  }
}
