import { createClient, createCluster } from 'redis'

/** Options of `createRedisClient`, `createRedisCluster` and `connectRedis`. Times are milliseconds. */
export interface RedisClientOptions {
  /**
   * Opt-in: a command not yet written within this time rejects (default: node-redis's own, 5000). node-redis
   * implements it with an `AbortSignal.timeout` per command and never times out the wait for a reply, so the one
   * deadline mechanism is `withDeadline` (one shared timer), which `connectRedis` wraps around every call (docs/reference/http-api.md: 503
   * within 2 s). See docs/decisions/0701-one-deadline-mechanism.md.
   */
  commandTimeoutMs?: number
  /** Commands waiting at once per connection; beyond this new ones reject at once (default 10000: bounds memory in a stall). */
  maxQueuedCommands?: number
  /** TCP connect timeout (default 1000). */
  connectTimeoutMs?: number
  /**
   * Upper bound of the reconnect backoff; reconnecting never stops (default 2000 for one node, 500 for the nodes of
   * a cluster: a node's reconnect attempts also drive the cluster's topology refresh after a failover).
   */
  maxReconnectDelayMs?: number
  /** Called with every client error (the client always has an `error` listener, so errors never crash). */
  onError?: (err: Error) => void
  /** Client name shown by `CLIENT LIST` (default `portcullis`). */
  name?: string
}

/**
 * Reconnect backoff: 50 ms doubling up to `maxMs`, with ±20 % jitter so instances do not reconnect in lockstep.
 * Never gives up: the store comes back by itself when Redis does.
 */
export function reconnectDelay(retries: number, maxMs: number): number {
  const base = Math.min(maxMs, 50 * 2 ** Math.min(retries, 16))
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

/** The settings every connection gets, on one node and on each node of a cluster: fail fast, never queue offline. */
function connectionDefaults(options: RedisClientOptions, maxDelayMs: number) {
  return {
    name: options.name ?? 'portcullis',
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.maxQueuedCommands ?? 10_000,
    ...(options.commandTimeoutMs ? { commandOptions: { timeout: options.commandTimeoutMs } } : {}),
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 1000,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, maxDelayMs),
    },
  }
}

/**
 * Creates (does not connect) a node-redis client for ONE node that FAILS FAST instead of queueing: while
 * disconnected every command rejects at once (`disableOfflineQueue`) and the queue is bounded. Use `connectRedis`
 * in apps (it adds deadlines and the one error); this raw client serves tests and tools.
 * @example const redis = createRedisClient('redis://127.0.0.1:6379', { onError: (err) => log.warn({ err }, 'redis') })
 *          redis.connect().catch(() => {}) // keeps retrying in the background
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}) {
  const client = createClient({ url, ...connectionDefaults(options, options.maxReconnectDelayMs ?? 2000) })
  client.on('error', (err: Error) => options.onError?.(err))
  return client
}

/** The node-redis client type of one node (RESP3, default modules). */
export type RedisClient = ReturnType<typeof createRedisClient>

/** How soon after a node's first reconnect attempt the cluster re-reads its topology (finds a promoted replica), ms. */
const TOPOLOGY_REFRESH_MS = 500

/**
 * Credentials and TLS of the seeds, which node-redis does not carry over to the nodes it discovers (only
 * `defaults` reaches them): the first seed's user, password and scheme apply to every node.
 */
function seedSettings(seeds: readonly string[]): { username?: string; password?: string; tls: boolean } {
  const first = new URL(seeds[0]!)
  return {
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    tls: first.protocol === 'rediss:',
  }
}

/**
 * Creates (does not connect) a node-redis cluster client from seed URLs (`REDIS_CLUSTER_NODES`): every node
 * connection fails fast like `createRedisClient`'s; the topology is re-read 500 ms after a node starts
 * reconnecting (node-redis's default waits 5 s) and on every `MOVED`, so a promoted replica takes over within about
 * a second of its promotion. Credentials and TLS come from the first seed and apply to every node.
 * @example const cluster = createRedisCluster(['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'])
 */
export function createRedisCluster(seeds: readonly string[], options: RedisClientOptions = {}) {
  if (seeds.length === 0) throw new RangeError('createRedisCluster: at least one seed node is required')
  const { username, password, tls } = seedSettings(seeds)
  const defaults = connectionDefaults(options, options.maxReconnectDelayMs ?? 500)
  const cluster = createCluster({
    rootNodes: seeds.map((url) => ({ url })),
    defaults: {
      ...defaults,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      socket: { ...defaults.socket, ...(tls ? { tls: true as const } : {}) },
    },
    topologyRefreshOnReconnectionAttemptStrategy: TOPOLOGY_REFRESH_MS,
    maxCommandRedirections: 4,
  })
  cluster.on('error', (err: Error) => options.onError?.(err))
  return cluster
}

/** The node-redis cluster client type (RESP3, default modules). */
export type RedisCluster = ReturnType<typeof createRedisCluster>
