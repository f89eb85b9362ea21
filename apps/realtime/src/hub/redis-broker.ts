import type { RedisConnection, RedisSubscriber } from '@portcullis/sessions/redis'
import type { Broker, Deliver } from './broker.ts'

export interface RedisBrokerOptions {
  /** Publishes (`SPUBLISH`): every call bounded by its deadline, failing with `StoreUnavailableError`. */
  redis: Pick<RedisConnection, 'publish'>
  /** The sharded subscriber: subscribed to exactly the channels that have local subscribers. */
  subscriber: RedisSubscriber
  /** The sharded channel that carries one protocol channel (`Keys.fanout`: tagged by it, so it has its own slot). */
  redisName: (channel: string) => string
  deliver: Deliver
}

/**
 * Channel fan-out over Redis SHARDED pub/sub: a publish goes to the one shard that owns the channel's slot (on a
 * cluster, not to every node), and each instance holds one subscription per channel with local subscribers
 * (reference-counted) on the shard that owns it. Frames arrive as Buffers and are written to sockets as they are:
 * serialized once by the publisher, never re-stringified. Delivery is at-most-once: what is published while an
 * instance's subscription is re-established (a Redis restart, a failover) does not reach that instance.
 */
export class RedisBroker implements Broker {
  readonly #o: RedisBrokerOptions
  readonly #refs = new Map<string, number>()
  readonly #ready = new Map<string, Promise<void>>()
  /**
   * Unsubscribes still in flight, by channel. node-redis drops EVERY listener of a channel when an unsubscribe's
   * reply arrives, including one a subscribe added meanwhile (that subscribe sends nothing: the client still counts
   * the channel as subscribed), so a join waits for the channel's pending unsubscribe before subscribing again.
   */
  readonly #leaving = new Map<string, Promise<void>>()

  constructor(options: RedisBrokerOptions) {
    this.#o = options
  }

  async publish(channel: string, frame: string): Promise<void> {
    await this.#o.redis.publish(this.#o.redisName(channel), frame)
  }

  async join(channel: string): Promise<void> {
    const n = (this.#refs.get(channel) ?? 0) + 1
    this.#refs.set(channel, n)
    let ready = this.#ready.get(channel)
    if (n === 1 || !ready) {
      const subscribe = (): Promise<void> =>
        this.#o.subscriber.subscribe(this.#o.redisName(channel), (frame) => this.#o.deliver(channel, frame))
      const leaving = this.#leaving.get(channel)
      ready = leaving ? leaving.then(subscribe) : subscribe()
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
    if (!this.#drop(channel)) return
    // Never rejects: an unreachable Redis drops subscriptions anyway; a stray one only costs ignored deliveries.
    const left = (this.#leaving.get(channel) ?? Promise.resolve())
      .then(() => this.#o.subscriber.unsubscribe(this.#o.redisName(channel)))
      .finally(() => {
        if (this.#leaving.get(channel) === left) this.#leaving.delete(channel)
      })
    this.#leaving.set(channel, left)
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
