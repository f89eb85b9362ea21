import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { ErrorReply } from 'redis'
import {
  createRedisClient,
  createRedisCluster,
  reconnectDelay,
  type RedisClient,
  type RedisClientOptions,
  type RedisCluster,
} from './client.ts'
import type { ConnectionEvents } from './connection-log.ts'
import type { LuaScript, RedisConnection, RedisSubscriber, SetExpiry } from './connection.ts'
import { withDeadline } from './deadline.ts'
import { storeFailure } from './errors.ts'

/** Where Redis is: one node (`REDIS_URL`) or the seed nodes of a cluster (`REDIS_CLUSTER_NODES`). */
export type RedisTarget = { readonly url: string } | { readonly clusterNodes: readonly string[] }

/**
 * The target an app's configuration names: the cluster when `REDIS_CLUSTER_NODES` lists seeds (docs/reference/configuration.md: it is used
 * instead of `REDIS_URL` when set), else `REDIS_URL`.
 * @example connectRedis(redisTarget(config), { name: 'portcullis-api' })
 */
export function redisTarget(config: {
  REDIS_URL: string
  REDIS_CLUSTER_NODES?: readonly string[] | undefined
}): RedisTarget {
  const seeds = config.REDIS_CLUSTER_NODES ?? []
  return seeds.length > 0 ? { clusterNodes: seeds } : { url: config.REDIS_URL }
}

const tracer = trace.getTracer('@portcullis/sessions')

/**
 * Runs one Redis call in a `redis-<COMMAND>` client span (`db.query.text` = the command name and, for scripts, the
 * script's name: never a key or a value), when the caller is inside a traced operation: node-redis 6 is not
 * traced by `@opentelemetry/instrumentation-redis` (it patches only MULTI there), and background calls (lease
 * renewals) would be root spans of their own. No SDK: the API's no-op tracer, nothing recorded.
 */
async function traced<T>(operation: string, text: string, work: () => Promise<T>): Promise<T> {
  if (trace.getSpan(context.active()) === undefined) return await work()
  const span = tracer.startSpan(`redis-${operation}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'redis', 'db.operation.name': operation, 'db.query.text': text },
  })
  try {
    return await work()
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name })
    throw err
  } finally {
    span.end()
  }
}

/**
 * Where the target is, for logs (`watchStoreConnection` hides the passwords): the URL, or the seeds comma-separated.
 * @example watchStoreConnection(redis.events, log, redisAddress(redisTarget(config)))
 */
export function redisAddress(target: RedisTarget): string {
  return 'clusterNodes' in target ? target.clusterNodes.join(',') : target.url
}

/** A cluster's node events as one client's: a node reconnecting is `reconnecting`, a node ready again `ready`. */
function clusterEvents(cluster: RedisCluster): ConnectionEvents {
  return {
    get isReady() {
      return cluster.isReady
    },
    on(event: 'ready' | 'reconnecting' | 'error', listener: (err: Error) => void) {
      if (event === 'error') {
        cluster.on('error', listener)
        cluster.on('node-error', listener)
      } else {
        cluster.on(event === 'ready' ? 'node-ready' : 'node-reconnecting', () => (listener as () => void)())
      }
      return this
    },
  } as ConnectionEvents
}

/** Options of `connectRedis` / `redisConnection`. */
export interface ConnectRedisOptions extends RedisClientOptions {
  /** Every call rejects with `StoreUnavailableError` after this long without an answer, ms (default 1000). */
  deadlineMs?: number
}

/** The node-redis methods Portcullis calls: a `createClient` client and a `createCluster` cluster both have them. */
interface NodeRedis {
  readonly isOpen: boolean
  readonly isReady: boolean
  get(key: string): Promise<string | null>
  set(
    key: string,
    value: string,
    options: { expiration: { type: 'PX' | 'EX'; value: number } },
  ): Promise<unknown>
  getDel(key: string): Promise<string | null>
  del(key: string): Promise<number>
  exists(key: string): Promise<number>
  hmGet(key: string, fields: string[]): Promise<Array<string | null>>
  sMembers(key: string): Promise<string[]>
  sRem(key: string, members: string[]): Promise<number>
  zRem(key: string, members: string[]): Promise<number>
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  sPublish(channel: string, message: string): Promise<number>
  ping(): Promise<unknown>
  sSubscribe(channel: string, listener: (message: Buffer) => void, bufferMode: true): Promise<void>
  sUnsubscribe(channel: string): Promise<unknown>
  close(): Promise<unknown>
  destroy(): unknown
  on(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * Closes gracefully when connected (pending replies arrive first), else cuts at once: a graceful close of a client
 * that is still (re)connecting waits for a connection that may never come. Never waits more than 1 s.
 */
async function closeQuietly(c: NodeRedis): Promise<void> {
  if (!c.isOpen || !c.isReady) return void c.destroy()
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    c.close().catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000))),
  ])
  clearTimeout(timer)
  if (c.isOpen) c.destroy()
}

/** Connects a cluster client, retrying for ever with backoff (node-redis tries each seed once, then gives up). */
function keepConnecting(cluster: RedisCluster, closed: () => boolean): void {
  void (async () => {
    for (let attempt = 0; !closed(); attempt++) {
      try {
        await cluster.connect()
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt, 2000)).unref())
      }
    }
  })()
}

/** Starts connecting `c` in the background; node-redis reconnects it for ever afterwards. */
function startConnecting(
  c: RedisClient | RedisCluster,
  mode: 'single' | 'cluster',
  closed: () => boolean,
): void {
  if (mode === 'cluster') keepConnecting(c as RedisCluster, closed)
  else (c as RedisClient).connect().catch(() => {})
}

/**
 * node-redis moves a failed node's sharded subscriptions to the new owner by calling its own `sSubscribe` without
 * awaiting it (`resubscribeAllPubSubListeners`): a rejection there (the cluster still down at that moment) would be an
 * unhandled rejection, which ends the process. Every `sSubscribe` of this client gets a handler; callers still see
 * the rejection. A subscription lost that way is found by the event feed's probes (decision 0902). Exported for its test.
 */
export function guardResubscription(cluster: RedisCluster, onError: (err: unknown) => void): void {
  // `createCluster` hands out `Object.create(instance)`, `duplicate()` the instance itself: wrap the object that owns
  // `sSubscribe` (a class field), which is what node-redis calls.
  type Owner = { sSubscribe: (...args: unknown[]) => Promise<unknown> }
  const instance = (Object.hasOwn(cluster, 'sSubscribe') ? cluster : Object.getPrototypeOf(cluster)) as Owner
  const original = instance.sSubscribe
  instance.sSubscribe = function guardedSSubscribe(this: unknown, ...args: unknown[]) {
    const subscribed = original.apply(this, args)
    subscribed.catch(onError)
    return subscribed
  }
}

/** Resolves once `c` is ready, or after `ms` (the caller's deadline fails the call then). */
async function readyWithin(c: Pick<NodeRedis, 'isReady'>, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!c.isReady && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10))
}

function subscriberOf(
  parent: RedisClient | RedisCluster,
  mode: 'single' | 'cluster',
  onError: (err: Error) => void,
  call: <T>(work: () => Promise<T>) => Promise<T>,
  deadlineMs: number,
): RedisSubscriber {
  // A cluster subscriber connects only to the masters owning its channels (one pub/sub connection each).
  const conn: RedisClient | RedisCluster =
    mode === 'cluster'
      ? (parent as RedisCluster).duplicate({ minimizeConnections: true })
      : (parent as RedisClient).duplicate()
  const c: NodeRedis = conn // both node-redis clients satisfy the narrow interface (checked by tsc)
  const listeners = new Set<() => void>()
  const dropped = (): void => listeners.forEach((l) => l())
  let closed = false
  const error = (err: unknown): void => onError(err as Error)
  c.on('error', error)
  if (mode === 'cluster') {
    guardResubscription(conn as RedisCluster, error)
    c.on('node-error', () => {})
    c.on('sharded-channel-moved-error', error)
    c.on('node-reconnecting', dropped)
    c.on('node-disconnect', dropped)
  } else {
    c.on('reconnecting', dropped)
    c.on('end', dropped)
  }
  startConnecting(conn, mode, () => closed)
  return {
    // A fresh subscriber may still be connecting: wait for it within the call's deadline.
    subscribe: (channel, listener) =>
      call(async () => {
        await readyWithin(c, deadlineMs)
        await c.sSubscribe(channel, listener, true)
      }),
    async unsubscribe(channel) {
      await call(() => c.sUnsubscribe(channel)).catch(() => {})
    },
    onDisconnect(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      await closeQuietly(c)
    },
  }
}

/** The adapter, and whether it was closed (the background connect loop of `connectRedis` stops then). */
function adapt(
  client: RedisClient | RedisCluster,
  options: ConnectRedisOptions,
): { connection: RedisConnection; closed: () => boolean } {
  const mode = 'masters' in client ? 'cluster' : 'single'
  const c: NodeRedis = client
  const deadlineMs = options.deadlineMs ?? 1000
  const onError = options.onError ?? (() => {})
  async function call<T>(work: () => Promise<T>, operation?: string, text = operation): Promise<T> {
    try {
      const bounded = () => withDeadline(work(), deadlineMs)
      return await (operation ? traced(operation, text!, bounded) : bounded())
    } catch (err) {
      throw storeFailure(err)
    }
  }
  const subscribers = new Set<RedisSubscriber>()
  let closed = false
  const events: ConnectionEvents =
    mode === 'cluster' ? clusterEvents(client as RedisCluster) : (client as RedisClient)
  const connection: RedisConnection = {
    mode,
    get isReady() {
      return c.isReady
    },
    events,
    get: (key) => call(() => c.get(key), 'GET'),
    set: (key, value, expiry: SetExpiry) =>
      call(async () => {
        const expiration =
          'px' in expiry
            ? { type: 'PX' as const, value: expiry.px }
            : { type: 'EX' as const, value: expiry.ex }
        await c.set(key, value, { expiration })
      }, 'SET'),
    getDel: (key) => call(() => c.getDel(key), 'GETDEL'),
    del: (key) => call(() => c.del(key), 'DEL'),
    exists: (key) => call(async () => (await c.exists(key)) === 1, 'EXISTS'),
    hmGet: (key, fields) => call(() => c.hmGet(key, [...fields]), 'HMGET'),
    sMembers: (key) => call(() => c.sMembers(key), 'SMEMBERS'),
    sRem: (key, members) => call(() => c.sRem(key, [...members]), 'SREM'),
    zRem: (key, members) => call(() => c.zRem(key, [...members]), 'ZREM'),
    run: (script: LuaScript, keys, args) =>
      call(
        async () => {
          const input = { keys: [...keys], arguments: args.map(String) }
          try {
            return await c.evalSha(script.sha1, input)
          } catch (err) {
            // First call on this node (or after a restart / failover): EVAL runs it and caches it for EVALSHA.
            if (err instanceof ErrorReply && err.message.startsWith('NOSCRIPT'))
              return await c.eval(script.source, input)
            throw err
          }
        },
        'EVALSHA',
        `EVALSHA ${script.name}`,
      ),
    publish: (channel, message) => call(() => c.sPublish(channel, message), 'SPUBLISH'),
    ping: () => call(async () => void (await c.ping()), 'PING'),
    subscriber() {
      const sub = subscriberOf(client, mode, onError, call, deadlineMs)
      subscribers.add(sub)
      return sub
    },
    async close() {
      if (closed) return
      closed = true
      await Promise.all([...subscribers].map((s) => s.close()))
      await closeQuietly(c)
    },
  }
  return { connection, closed: () => closed }
}

/**
 * Wraps a node-redis client or cluster (connected or connecting) as THE `RedisConnection`: every call bounded by
 * `deadlineMs` and failing with `StoreUnavailableError` when Redis cannot serve it; scripts run by SHA. It does not
 * connect `client` (see `connectRedis`), but `close()` closes it.
 * @example const redis = redisConnection(createRedisClient(url)) // tests: a client they connected themselves
 */
export function redisConnection(
  client: RedisClient | RedisCluster,
  options: ConnectRedisOptions = {},
): RedisConnection {
  return adapt(client, options).connection
}

/**
 * Connects to Redis, one node or a cluster (`redisTarget(config)`), as THE `RedisConnection`. Never throws and never
 * waits: it connects in the background and keeps reconnecting for ever, so an app starts whether or not Redis
 * answers (calls fail with `StoreUnavailableError` meanwhile; use `whenReady` to wait a little at start-up).
 * @example
 * const redis = connectRedis(redisTarget(config), { name: 'portcullis-api', onError: (err) => log.debug({ err }) })
 * await whenReady(redis, 2000)
 */
export function connectRedis(target: RedisTarget, options: ConnectRedisOptions = {}): RedisConnection {
  const client =
    'clusterNodes' in target
      ? createRedisCluster(target.clusterNodes, options)
      : createRedisClient(target.url, options)
  if ('clusterNodes' in target) client.on('node-error', () => {})
  const { connection, closed } = adapt(client, options)
  startConnecting(client, connection.mode, closed)
  return connection
}

/**
 * Resolves true once `redis` can serve commands, or false after `timeoutMs` (it keeps connecting either way).
 * @example if (!(await whenReady(redis, 2000))) log.warn('Redis not reachable yet: 503 until it is')
 */
export async function whenReady(
  redis: Pick<RedisConnection, 'isReady'>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!redis.isReady) {
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}
