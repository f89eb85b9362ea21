import { randomBytes } from 'node:crypto'
import type { RedisConnection, RedisSubscriber } from './connection.ts'
import { parseSessionEvent, type SessionEvent } from './events.ts'

/** Options of `EventFeed`. Times are milliseconds. */
export interface EventFeedOptions {
  redis: RedisConnection
  /** Every event channel (one per partition). */
  channels: readonly string[]
  onEvent: (event: SessionEvent) => void
  /** `false` when events may be getting lost, `true` once every channel is proven to deliver again. */
  onLink?: ((up: boolean) => void) | undefined
  /** How often a healthy feed proves itself end to end (default 5000). */
  probeEveryMs?: number
  /** How long a probe may take to come back (default 1000). */
  probeTimeoutMs?: number
  /** How often a broken feed re-checks (default 250). */
  retryEveryMs?: number
}

/** Probes start with this; no event does (events are objects starting with `{"v":`). */
const PROBE = '{"probe":"'

/**
 * The session-event subscription of one app instance: one sharded subscription per event channel, and a link
 * state callers can trust. node-redis reconnects and resubscribes by itself (after a restart, and on a cluster
 * after a failover moved a channel to the promoted replica), but it says neither when that finished nor whether it
 * worked, and events published meanwhile are lost (pub/sub is at-most-once). So the feed PROVES delivery: it
 * publishes a probe on every channel and waits to receive them all. The link goes down on any dropped connection
 * or failed probe, and up only when every channel delivered its probe; a channel that did not is resubscribed.
 * Healthy feeds re-prove themselves every `probeEveryMs` (a subscription lost silently is found and repaired).
 * Probes reach every instance's feed and are ignored by all but their sender.
 */
export class EventFeed {
  readonly #o: Required<Omit<EventFeedOptions, 'onLink'>> & Pick<EventFeedOptions, 'onLink'>
  readonly #nonce = randomBytes(8).toString('hex')
  #sub: RedisSubscriber | null = null
  #up = false
  #seq = 0
  /** Channels whose current probe came back. */
  #heard = new Set<string>()
  #timer: NodeJS.Timeout | null = null
  #checking = false
  #closed = false

  constructor(options: EventFeedOptions) {
    this.#o = { probeEveryMs: 5000, probeTimeoutMs: 1000, retryEveryMs: 250, ...options }
  }

  /** Subscribes to every channel; rejects (and releases the subscriber) when Redis cannot confirm them. */
  async start(): Promise<void> {
    const sub = this.#o.redis.subscriber()
    this.#sub = sub
    try {
      await Promise.all(this.#o.channels.map((channel) => this.#subscribe(sub, channel)))
    } catch (err) {
      this.#sub = null
      await sub.close()
      throw err
    }
    sub.onDisconnect(() => this.#trouble())
    this.#link(true)
    this.#schedule(this.#o.probeEveryMs)
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#sub?.close()
    this.#sub = null
  }

  #subscribe(sub: RedisSubscriber, channel: string): Promise<void> {
    return sub.subscribe(channel, (message) => this.#onMessage(channel, message))
  }

  #onMessage(channel: string, message: Buffer): void {
    const text = message.toString()
    if (text.startsWith(PROBE)) {
      if (text === this.#probe(channel)) this.#heard.add(channel)
      return
    }
    const event = parseSessionEvent(text)
    if (event) this.#o.onEvent(event)
  }

  #probe(channel: string): string {
    return `${PROBE}${this.#nonce}:${this.#seq}:${channel}"}`
  }

  #link(up: boolean): void {
    if (up === this.#up || this.#closed) return
    this.#up = up
    this.#o.onLink?.(up)
  }

  #trouble(): void {
    this.#link(false)
    this.#schedule(this.#o.retryEveryMs)
  }

  #schedule(ms: number): void {
    if (this.#closed) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#check(), ms).unref()
  }

  /** One probe round: every channel must deliver its probe back within `probeTimeoutMs`. */
  async #check(): Promise<void> {
    const sub = this.#sub
    if (this.#checking || !sub || this.#closed) return
    this.#checking = true
    let ok = false
    try {
      this.#seq += 1
      this.#heard = new Set()
      const { redis, channels, probeTimeoutMs } = this.#o
      await Promise.all(channels.map((channel) => redis.publish(channel, this.#probe(channel))))
      const deadline = Date.now() + probeTimeoutMs
      while (this.#heard.size < channels.length && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10))
      ok = this.#heard.size === channels.length
      if (!ok) {
        // Published but not heard: the subscription is gone on that shard (or still moving). Subscribe again.
        const missing = channels.filter((channel) => !this.#heard.has(channel))
        await Promise.all(
          missing.map(async (channel) => {
            await sub.unsubscribe(channel)
            await this.#subscribe(sub, channel)
          }),
        )
      }
    } catch {
      ok = false // Redis could not take the probes (or the resubscription): still down.
    } finally {
      this.#checking = false
    }
    this.#link(ok)
    this.#schedule(ok ? this.#o.probeEveryMs : this.#o.retryEveryMs)
  }
}
