import { createHash } from 'node:crypto'
import type { ConnectionEvents } from './connection-log.ts'

/** A Lua script and its SHA1: run by `EVALSHA`, loaded with one `EVAL` on a node that does not know it yet. */
export interface LuaScript {
  /** For logs and traces. */
  readonly name: string
  readonly source: string
  /** SHA1 of `source`, hex (what `EVALSHA` names). */
  readonly sha1: string
}

/**
 * Declares a Lua script once, at module load: every call then runs it by SHA (`EVALSHA`), so its source crosses
 * the network once per Redis node, not once per call.
 * @example export const HIT = lua('hit', "return redis.call('INCR', KEYS[1])")
 */
export function lua(name: string, source: string): LuaScript {
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') }
}

/** Expiry of `set`: `px` milliseconds or `ex` seconds from now. */
export type SetExpiry = { px: number } | { ex: number }

/**
 * THE Redis interface of Portcullis: every command the session store, the limits, the counters and the fan-out
 * need, and nothing else. One node (`REDIS_URL`) and a Redis Cluster (`REDIS_CLUSTER_NODES`) both implement it
 * (`connectRedis`), so no caller knows which it talks to.
 *
 * Every call FAILS FAST: it rejects with `StoreUnavailableError` at once while Redis is unreachable, and after its
 * deadline (default 1000 ms) when Redis stalls; it never queues while disconnected and never hangs. On a cluster
 * every call (and every script) touches keys of ONE slot (hash tags, see `keys()`); publishes are sharded
 * (`SPUBLISH`), so a message goes to the shard that owns its channel. Single node uses the same sharded commands
 * (Redis ≥ 7.0): one code path (docs/decisions/0901-sharded-pub-sub-everywhere.md).
 */
export interface RedisConnection {
  /** `single` (one node) or `cluster`. */
  readonly mode: 'single' | 'cluster'
  /** True while commands can be served (connected; a cluster: its topology is known). */
  readonly isReady: boolean
  /**
   * Connection-state events in node-redis client terms (`ready`, `reconnecting`, `error`), for
   * `watchStoreConnection`; on a cluster they are its nodes' (any node reconnecting, any node ready again).
   */
  readonly events: ConnectionEvents
  get(key: string): Promise<string | null>
  set(key: string, value: string, expiry: SetExpiry): Promise<void>
  /** `GETDEL`: exactly one of concurrent callers gets the value. */
  getDel(key: string): Promise<string | null>
  del(key: string): Promise<number>
  exists(key: string): Promise<boolean>
  hmGet(key: string, fields: readonly string[]): Promise<Array<string | null>>
  sMembers(key: string): Promise<string[]>
  sRem(key: string, members: readonly string[]): Promise<number>
  zRem(key: string, members: readonly string[]): Promise<number>
  /** Runs a script by SHA (`EVALSHA`, one `EVAL` where the node lacks it). Every key shares one hash slot. */
  run(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>
  /** `SPUBLISH`: resolves to the number of subscribers the owning node delivered to. */
  publish(channel: string, message: string): Promise<number>
  /** Resolves when Redis answers: one node, or EVERY master of a cluster (a missing shard is an outage too). */
  ping(): Promise<void>
  /**
   * A new, dedicated subscriber (its own connections, one per shard on a cluster) for sharded channels. It
   * connects in the background and resubscribes by itself after a reconnect or a failover.
   */
  subscriber(): RedisSubscriber
  /** Closes the connections (gracefully, falling back to cutting them). Idempotent. */
  close(): Promise<void>
}

/** A dedicated sharded pub/sub connection (`SSUBSCRIBE`); see `RedisConnection.subscriber()`. */
export interface RedisSubscriber {
  /**
   * `SSUBSCRIBE`: `listener` gets every message of `channel` as a Buffer (written to sockets as it is). Resolves
   * once Redis confirmed (rejects with `StoreUnavailableError` after the deadline). One listener per channel.
   */
  subscribe(channel: string, listener: (message: Buffer) => void): Promise<void>
  /** `SUNSUBSCRIBE`; never rejects (an unreachable Redis drops the subscription anyway). */
  unsubscribe(channel: string): Promise<void>
  /**
   * Calls `listener` whenever one of the subscriber's connections drops (messages sent meanwhile are lost: pub/sub
   * is at-most-once); node-redis resubscribes once it is back. Returns the function that removes the listener.
   */
  onDisconnect(listener: () => void): () => void
  /** Closes the subscriber's connections. Idempotent. */
  close(): Promise<void>
}
