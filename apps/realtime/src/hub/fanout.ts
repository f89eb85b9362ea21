import { withDeadline } from '@portcullis/sessions'
import type { RedisClient } from '@portcullis/sessions/redis'

/** A subscription Redis has not confirmed within this time fails (the client gets `error unavailable`). */
const SUBSCRIBE_DEADLINE_MS = 1000

/**
 * Cross-instance delivery of publishes: ONE Redis subscriber connection per instance, subscribed to exactly the
 * channels that have local subscribers (reference-counted). Frames arrive as Buffers and are written to sockets
 * as they are: serialized once by the publisher, never re-stringified.
 */
export class Fanout {
  readonly #sub: RedisClient
  readonly #redisName: (channel: string) => string
  readonly #deliver: (channel: string, frame: Buffer) => void
  readonly #refs = new Map<string, number>()
  readonly #ready = new Map<string, Promise<void>>()

  constructor(
    subscriber: RedisClient,
    redisName: (channel: string) => string,
    deliver: (channel: string, frame: Buffer) => void,
  ) {
    this.#sub = subscriber
    this.#redisName = redisName
    this.#deliver = deliver
  }

  /** Ensures this instance receives the channel; resolves once Redis confirmed the subscription. */
  async join(channel: string): Promise<void> {
    const n = (this.#refs.get(channel) ?? 0) + 1
    this.#refs.set(channel, n)
    let ready = this.#ready.get(channel)
    if (n === 1 || !ready) {
      ready = withDeadline(
        this.#sub.subscribe(this.#redisName(channel), (frame: Buffer) => this.#deliver(channel, frame), true),
        SUBSCRIBE_DEADLINE_MS,
      )
      this.#ready.set(channel, ready)
    }
    try {
      await ready
    } catch (err) {
      if (this.#ready.get(channel) === ready) this.#ready.delete(channel)
      this.#drop(channel)
      throw err
    }
  }

  /** Releases one local subscriber; the Redis subscription goes with the last one. */
  leave(channel: string): void {
    if (this.#drop(channel)) {
      this.#sub.unsubscribe(this.#redisName(channel)).catch(() => {
        // Unreachable Redis drops subscriptions anyway; a stray one only costs ignored deliveries.
      })
    }
  }

  #drop(channel: string): boolean {
    const n = (this.#refs.get(channel) ?? 0) - 1
    if (n > 0) {
      this.#refs.set(channel, n)
      return false
    }
    this.#refs.delete(channel)
    this.#ready.delete(channel)
    return true
  }
}
