import {
  hitFixedWindow,
  keySlot,
  keys as keyLayout,
  type Keys,
  type RedisConnection,
} from '@portcullis/sessions/redis'
import { Lane } from './lane.ts'
import { ACQUIRE_CONNECTION, CHARGE_MESSAGES, RENEW_CONNECTIONS } from './scripts.ts'

/** The Redis commands the realtime limits need (of THE `RedisConnection`: one node or a cluster). */
export type RtRedis = Pick<RedisConnection, 'run' | 'zRem' | 'mode'>

/** Users whose leases one renewal call extends (one script, keys of one slot on a cluster). */
const RENEW_BATCH_USERS = 256

const pair = (reply: unknown): [number, number] => {
  const [a, b] = reply as [unknown, unknown]
  return [Number(a), Number(b)]
}

/**
 * Shared (all-instance) limit state on Redis: connect rate, failed-auth counting and IP blocks, the per-user
 * connection cap, and the per-user message budget. Every method rejects with `StoreUnavailableError` when Redis
 * cannot serve it: callers fail closed (503 before the upgrade).
 */
export class RtStore {
  readonly keys: Keys
  readonly #redis: RtRedis
  /** Background calls (renewals, releases): bounded so they never fill node-redis's queue (see lane.ts). */
  readonly #lane: Lane
  /** Releases not sent yet, per user: coalesced into one `ZREM` per user per turn of the event loop. */
  #releases = new Map<string, { ids: string[]; waiters: Array<(err?: unknown) => void> }>()
  #releaseScheduled = false

  constructor(redis: RtRedis, prefix: string, backgroundInFlight = 64) {
    this.#redis = redis
    this.keys = keyLayout(prefix)
    this.#lane = new Lane(backgroundInFlight)
  }

  /** Background calls outstanding or waiting (for diagnostics and tests). */
  get backgroundPending(): number {
    return this.#lane.size
  }

  /**
   * The per-IP gate of an upgrade, one round trip (the fixed-window counter with the IP's block flag): how long the
   * IP stays blocked (0 when it is not) and, when it is not blocked, its connect count in the current window of
   * `windowMs` and that window's remaining ms (a blocked IP is not counted).
   */
  async gateConnect(
    ip: string,
    windowMs: number,
  ): Promise<{ blockedMs: number; current: number; ttl: number }> {
    const hit = await hitFixedWindow(this.#redis, this.keys.connectRate(ip), {
      windowMs,
      block: { key: this.keys.ipBlock(ip) },
    })
    return { blockedMs: hit.blockedMs, current: hit.count, ttl: hit.resetMs }
  }

  /**
   * Counts one failed authentication in a one-minute fixed window; the `perMinute`-th blocks the IP for `blockS`
   * (and the count starts over). True when this failure blocked the IP.
   */
  async recordAuthFailure(ip: string, perMinute: number, blockS: number): Promise<boolean> {
    const hit = await hitFixedWindow(this.#redis, this.keys.authFailures(ip), {
      windowMs: 60_000,
      block: { key: this.keys.ipBlock(ip), at: perMinute, ms: blockS * 1000 },
    })
    return hit.blockedNow
  }

  /** Takes one of the user's `max` connection slots for `leaseMs` (renewed by `renewConnections`). */
  async acquireConnection(
    userId: string,
    connectionId: string,
    max: number,
    leaseMs: number,
  ): Promise<boolean> {
    const now = Date.now()
    const ok = await this.#redis.run(
      ACQUIRE_CONNECTION,
      [this.keys.userConnections(userId)],
      [now, now + leaseMs, max, connectionId],
    )
    return Number(ok) === 1
  }

  /**
   * Gives a slot back. Releases of one turn of the event loop are coalesced (one `ZREM` per user) and sent through
   * the bounded background lane, so closing 10 000 sockets at once cannot fill the command queue.
   */
  releaseConnection(userId: string, connectionId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let entry = this.#releases.get(userId)
      if (!entry) this.#releases.set(userId, (entry = { ids: [], waiters: [] }))
      entry.ids.push(connectionId)
      entry.waiters.push((err) => (err === undefined ? resolve() : reject(err)))
      if (!this.#releaseScheduled) {
        this.#releaseScheduled = true
        setImmediate(() => this.#flushReleases())
      }
    })
  }

  #flushReleases(): void {
    this.#releaseScheduled = false
    const batch = this.#releases
    this.#releases = new Map()
    for (const [userId, { ids, waiters }] of batch) {
      this.#lane
        .run(() => this.#redis.zRem(this.keys.userConnections(userId), ids))
        .then(
          () => waiters.forEach((w) => w()),
          (err: unknown) => waiters.forEach((w) => w(err ?? new Error('release failed'))),
        )
    }
  }

  /** Extends the leases of one user's live connections (see `renewLeases`). */
  async renewConnections(userId: string, connectionIds: string[], leaseMs: number): Promise<void> {
    await this.renewLeases([[userId, connectionIds]], leaseMs)
  }

  /**
   * Extends the leases of the live connections of many users (the heartbeat that makes dead instances' slots
   * expire): up to RENEW_BATCH_USERS users per script call, so 10 000 users cost 40 calls instead of 10 000. On a
   * cluster one script may only touch one slot: users are grouped by their key's slot (then mostly one per call, as
   * before). Calls run through the bounded background lane (decision 0700); rejects if any call failed.
   */
  async renewLeases(
    leases: Iterable<[userId: string, connectionIds: string[]]>,
    leaseMs: number,
  ): Promise<void> {
    const groups = new Map<number, Array<[string, string[]]>>()
    for (const [userId, ids] of leases) {
      if (ids.length === 0) continue
      const key = this.keys.userConnections(userId)
      const slot = this.#redis.mode === 'cluster' ? keySlot(key) : 0
      let group = groups.get(slot)
      if (!group) groups.set(slot, (group = []))
      group.push([key, ids])
    }
    const at = Date.now() + leaseMs
    const calls: Array<Promise<unknown>> = []
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += RENEW_BATCH_USERS) {
        const batch = group.slice(i, i + RENEW_BATCH_USERS)
        const args = [at, ...batch.map(([, ids]) => ids.length), ...batch.flatMap(([, ids]) => ids)]
        const keys = batch.map(([key]) => key)
        calls.push(this.#lane.run(() => this.#redis.run(RENEW_CONNECTIONS, keys, args)))
      }
    }
    const results = await Promise.allSettled(calls)
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
  }

  /** Charges `spent` admitted messages to the user's cross-instance bucket; returns its balance (tokens, at ms). */
  async chargeMessages(
    userId: string,
    ratePerS: number,
    burst: number,
    spent: number,
  ): Promise<{ tokens: number; at: number }> {
    const [milli, at] = pair(
      await this.#redis.run(
        CHARGE_MESSAGES,
        [this.keys.userMessageBucket(userId)],
        [Date.now(), ratePerS, burst, spent],
      ),
    )
    return { tokens: milli / 1000, at }
  }
}
