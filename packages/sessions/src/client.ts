import { createClient } from 'redis'

/** Options of `createRedisClient`. Times are milliseconds. */
export interface RedisClientOptions {
  /**
   * Opt-in: a command not yet written within this time rejects (default: off). node-redis implements it with an
   * `AbortSignal.timeout` per command (measurable CPU on hot paths) and never times out the wait for a reply, so
   * the one deadline mechanism is `withDeadline` (one shared timer), which `RedisSessionStore` and the apps wrap
   * around every call (docs/reference/http-api.md: 503 within 2 s). See docs/decisions/0701-one-deadline-mechanism.md.
   */
  commandTimeoutMs?: number
  /** Commands waiting at once; beyond this new commands reject at once (default 10000: bounds memory in a stall). */
  maxQueuedCommands?: number
  /** TCP connect timeout (default 1000). */
  connectTimeoutMs?: number
  /** Upper bound of the reconnect backoff; reconnecting never stops (default 2000). */
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

/**
 * Creates (does not connect) a node-redis client that FAILS FAST instead of queueing: while disconnected every
 * command rejects at once (`disableOfflineQueue`) and the queue is bounded. Wrap calls in `withDeadline` (the
 * store does) to bound the wait for a reply from a stalled server. Callers turn rejections into 503 / close 1013 (fail closed).
 * @example const redis = createRedisClient(config.REDIS_URL, { onError: (err) => log.warn({ err }, 'redis') })
 *          redis.connect().catch(() => {}) // keeps retrying in the background
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}) {
  const maxDelay = options.maxReconnectDelayMs ?? 2000
  const client = createClient({
    url,
    name: options.name ?? 'portcullis',
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.maxQueuedCommands ?? 10_000,
    ...(options.commandTimeoutMs ? { commandOptions: { timeout: options.commandTimeoutMs } } : {}),
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 1000,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, maxDelay),
    },
  })
  client.on('error', (err: Error) => options.onError?.(err))
  return client
}

/** The node-redis client type the store and the apps share (RESP3, default modules). */
export type RedisClient = ReturnType<typeof createRedisClient>
