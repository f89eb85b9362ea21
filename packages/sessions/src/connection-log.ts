/** The logger calls `reportStoreConnection` makes (a pino/Fastify logger fits). */
export interface ConnectionLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** The client events it listens to (a node-redis client fits; `RedisConnection.events` too, on one node or a cluster). */
export interface ConnectionEvents {
  readonly isReady: boolean
  on(event: 'ready' | 'reconnecting', listener: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
}

/**
 * `redis://user:***@host:port/db`: where the store is, never its password. A comma-separated list (the seeds of a
 * cluster) gives each address so.
 */
export function storeAddress(url: string): string {
  if (url.includes(',')) return url.split(',').map(storeAddress).join(',')
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable REDIS_URL)'
  }
}

/** Returned by `watchStoreConnection`. */
export interface StoreConnectionWatch {
  /** Call once the app has waited for the first connection: logs the one `unreachable` line if it is still down. */
  startupDone(): void
}

/**
 * Logs the session store's reachability as ONE line per change instead of one per failed retry. Attach it right
 * after creating the client (it records connection errors from the first attempt on) and call `startupDone()`
 * once the app has waited for the first connection. Still unreachable → one `warn` `session store unreachable: …`
 * with the address and the last connection error (never the password); reachable later → one `info`; lost while
 * running → one `warn`. The client keeps reconnecting by itself (see `createRedisClient`); requests that need the
 * store answer 503 meanwhile.
 * @example
 * const watch = watchStoreConnection(redis, app.log, config.REDIS_URL)
 * redis.connect().catch(() => {})
 * await waitReady(redis, 2000)
 * watch.startupDone()
 */
export function watchStoreConnection(
  client: ConnectionEvents,
  log: ConnectionLogger,
  url: string,
): StoreConnectionWatch {
  const store = storeAddress(url)
  let lastError: string | undefined
  let started = false
  let down = false
  client.on('error', (err) => {
    lastError = err.message
  })
  client.on('ready', () => {
    if (!down) return
    down = false
    log.info({ store }, 'session store reachable again')
  })
  // `reconnecting` follows every failed attempt; only the first one after being ready is news.
  client.on('reconnecting', () => {
    if (!started || down) return
    down = true
    log.warn({ store, reason: lastError }, 'session store connection lost: retrying in the background')
  })
  return {
    startupDone() {
      if (started) return
      started = true
      if (client.isReady) return
      down = true
      log.warn(
        { store, reason: lastError ?? 'no answer yet' },
        'session store unreachable: retrying in the background; requests that need it answer 503 until it is back',
      )
    },
  }
}
