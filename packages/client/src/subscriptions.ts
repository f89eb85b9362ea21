import type { ReplyMap } from './pending.ts'

type Subscribed = ReplyMap['subscribe']

/**
 * The channels the caller subscribed to, restored on every new socket until `unsubscribe` or a `forbidden`
 * drop. Concurrent subscribes to one channel share a request (UI code often asks twice in one tick; a
 * restore and the app's own subscribe in a `welcome` listener too).
 */
export class Subscriptions {
  readonly #channels = new Set<string>()
  readonly #inflight = new Map<string, Promise<Subscribed>>()
  readonly #send: (channel: string, urgent: boolean) => Promise<Subscribed>

  /** @param send sends one `subscribe` (`urgent`: a restore, ahead of queued requests) */
  constructor(send: (channel: string, urgent: boolean) => Promise<Subscribed>) {
    this.#send = send
  }

  get channels(): string[] {
    return [...this.#channels]
  }

  get size(): number {
    return this.#channels.size
  }

  /** Subscribes (or joins the request in flight); the channel is remembered once the server confirmed it. */
  subscribe(channel: string, urgent = false): Promise<Subscribed> {
    let inflight = this.#inflight.get(channel)
    if (!inflight) {
      inflight = this.#send(channel, urgent)
        .then((reply) => {
          this.#channels.add(channel)
          return reply
        })
        .finally(() => this.#inflight.delete(channel))
      this.#inflight.set(channel, inflight)
    }
    return inflight
  }

  /** Re-subscribes every remembered channel on a new socket; a channel refused now is forgotten. */
  restore(onFailure: (channel: string, error: unknown) => void): void {
    for (const channel of this.#channels) {
      this.subscribe(channel, true).catch((error: unknown) => {
        this.#channels.delete(channel)
        onFailure(channel, error)
      })
    }
  }

  /** Stops restoring a channel (`unsubscribe`, or the server dropped it). */
  forget(channel: string): void {
    this.#channels.delete(channel)
  }

  /** Forgets every channel (logout, another login). */
  clear(): void {
    this.#channels.clear()
  }
}
