import { withDeadline } from '@portcullis/sessions'
import type { RedisClient } from '@portcullis/sessions/redis'
import type { Broker, Deliver } from './broker.ts'

/** A subscription Redis has not confirmed within this time fails (the client gets `error unavailable`). */
const SUBSCRIBE_DEADLINE_MS = 1000
/** A publish Redis has not acknowledged within this time fails (the client gets `error unavailable`). */
const PUBLISH_DEADLINE_MS = 1000

export interface RedisBrokerOptions {
  /** The command connection (publishes). */
  client: RedisClient
  /** The subscriber connection: subscribed to exactly the channels that have local subscribers. */
  subscriber: RedisClient
  /** The Redis pub/sub channel that carries one protocol channel (`Keys.fanout` of `@portcullis/sessions/redis`). */
  redisName: (channel: string) => string
  deliver: Deliver
}

/**
 * Channel fan-out over Redis pub/sub: ONE subscriber connection per instance, subscribed to exactly the channels
 * that have local subscribers (reference-counted). Frames arrive as Buffers and are written to sockets as they are:
 * serialized once by the publisher, never re-stringified.
 */
export class RedisBroker implements Broker {
  readonly #o: RedisBrokerOptions
  readonly #refs = new Map<string, number>()
  readonly #ready = new Map<string, Promise<void>>()

  constructor(options: RedisBrokerOptions) {
    this.#o = options
  }

  async publish(channel: string, frame: string): Promise<void> {
    await withDeadline(this.#o.client.publish(this.#o.redisName(channel), frame), PUBLISH_DEADLINE_MS)
  }

  async join(channel: string): Promise<void> {
    const n = (this.#refs.get(channel) ?? 0) + 1
    this.#refs.set(channel, n)
    let ready = this.#ready.get(channel)
    if (n === 1 || !ready) {
      ready = withDeadline(
        this.#o.subscriber.subscribe(
          this.#o.redisName(channel),
          (frame: Buffer) => this.#o.deliver(channel, frame),
          true,
        ),
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

  leave(channel: string): void {
    if (this.#drop(channel)) {
      this.#o.subscriber.unsubscribe(this.#o.redisName(channel)).catch(() => {
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
