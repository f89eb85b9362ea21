import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import { CLOSE_CODES } from '@portcullis/protocol'
import type { SessionStore } from '@portcullis/sessions'
import {
  createRedisClient,
  RedisSessionStore,
  watchStoreConnection,
  type RedisClient,
} from '@portcullis/sessions/redis'
import { loggerOptions } from '@portcullis/telemetry'
import type { RealtimeConfig } from './config.ts'
import { httpJwksFetcher, JwksCache, type JwksFetcher } from './auth/jwks.ts'
import type { VerifyOptions } from './auth/verify-token.ts'
import { Fanout } from './hub/fanout.ts'
import { Hub } from './hub/hub.ts'
import { Supervisor } from './hub/supervisor.ts'
import { nodeRedisAdapter, RtStore } from './limits/rt-store.ts'
import authenticate from './plugins/app/authenticate.ts'
import connectionCap from './plugins/app/connection-cap.ts'
import errorHandler from './plugins/app/error-handler.ts'
import { logStoreTimeouts } from './store-timeouts.ts'
import handshake from './plugins/app/handshake.ts'
import ipBlock from './plugins/app/ip-block.ts'
import originGuard from './plugins/app/origin-guard.ts'
import healthRoutes from './routes/health.ts'
import wsRoute from './routes/ws.ts'
import { wsServerOptions } from './transport/ws-options.ts'

export type { RealtimeConfig } from './config.ts'
export { loadRealtimeConfig, RealtimeEnvSchema } from './config.ts'

/** Things tests (or embedders) may provide instead of the defaults built from the config. */
export interface AppDeps {
  /** The session store (default: RedisSessionStore on REDIS_URL). */
  store?: SessionStore
  /** JWKS source (default: GET JWKS_URL). */
  jwksFetcher?: JwksFetcher
  /** Where JSON log lines go (default stdout); tests capture them here. */
  logStream?: { write(line: string): unknown }
  /** Connection-slot lease in ms (default 30 000): how fast a dead instance's slots free themselves. */
  connectionLeaseMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The connection registry of this instance. */
    hub: Hub
    /**
     * Closes every socket with `code` (1012 restart on SIGTERM, 1001 going away), stops admitting new ones and
     * waits up to `timeoutMs` for the close handshakes, then terminates what is left.
     */
    drain(code: number, reason: string, timeoutMs?: number): Promise<void>
  }
}

async function connectOrWait(client: RedisClient, ms: number): Promise<void> {
  // The client keeps reconnecting in the background; the app starts either way and answers 503 meanwhile.
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.connect().then(
      () => {},
      () => {},
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ])
  clearTimeout(timer)
}

/**
 * Builds the realtime server (never listens): the WebSocket endpoint `GET /v1/ws` with its security controls,
 * the hub, health routes. Call `app.listen()` (see server.ts) or `app.inject()`; `app.close()` releases Redis.
 * @example const app = await buildApp(loadRealtimeConfig(process.env)); await app.listen({ port: 3002 })
 */
export async function buildApp(config: RealtimeConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  const https =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) }
      : null
  const logger = {
    ...loggerOptions({ level: config.LOG_LEVEL, name: 'realtime' }),
    ...(deps.logStream ? { stream: deps.logStream } : {}),
  }
  const app = Fastify({
    logger,
    ...(https ? { https } : {}),
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? config.TRUSTED_PROXIES : false,
    bodyLimit: 1024,
    requestTimeout: 10_000,
    connectionTimeout: 10_000,
    return503OnClosing: true,
  }) as unknown as FastifyInstance
  if (https) {
    // HSTS whenever this process serves TLS itself (behind a TLS proxy the proxy sends it): browsers then never
    // try plaintext for this host again. Refusals and health answers carry it; a 101 has no body to send it with.
    app.addHook('onSend', async (_request, reply) => {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains')
    })
  }

  const redis = createRedisClient(config.REDIS_URL, {
    name: 'portcullis-realtime',
    onError: (err) => app.log.debug({ err }, 'redis client error'),
  })
  const subscriber = redis.duplicate()
  subscriber.on('error', (err: Error) => app.log.debug({ err }, 'redis subscriber error'))
  const watch = watchStoreConnection(redis, app.log, config.REDIS_URL)
  await Promise.all([connectOrWait(redis, 2000), connectOrWait(subscriber, 2000)])
  watch.startupDone()
  const store = deps.store ?? new RedisSessionStore({ client: redis, prefix: config.REDIS_KEY_PREFIX })
  const rtStore = new RtStore(nodeRedisAdapter(redis), config.REDIS_KEY_PREFIX)
  const keys = new JwksCache({
    fetcher: deps.jwksFetcher ?? httpJwksFetcher(config.JWKS_URL),
    minRefreshIntervalMs: config.JWKS_REFRESH_MIN_INTERVAL_MS,
    onWarning: (message, err) => app.log.warn({ err }, message),
  })
  const verify: VerifyOptions = {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    skewS: config.JWT_CLOCK_SKEW_S,
    expLeewayS: config.JWT_EXP_LEEWAY_S,
  }
  const connectionLeaseMs = deps.connectionLeaseMs ?? 30_000

  const hub = new Hub({
    rtStore,
    keys,
    verify,
    maxSubscriptions: config.MAX_SUBSCRIPTIONS,
    limits: {
      maxMessageBytes: config.MAX_MESSAGE_BYTES,
      idleTimeoutMs: config.IDLE_TIMEOUT_MS,
      msgRatePerS: config.MSG_RATE_PER_S,
      msgBurst: config.MSG_BURST,
      sendBufferLimit: config.SEND_BUFFER_LIMIT_BYTES,
      expLeewayMs: config.JWT_EXP_LEEWAY_S * 1000,
      expiryWarningMs: config.EXPIRY_WARNING_S * 1000,
    },
    release: (userId, connectionId) => app.releaseConnection(userId, connectionId),
    log: app.log,
  })
  hub.attachFanout(
    new Fanout(subscriber, rtStore.keys.fanout, (channel, frame) => hub.deliver(channel, frame)),
  )
  const supervisor = new Supervisor({
    hub,
    store,
    rtStore,
    idleTimeoutMs: config.IDLE_TIMEOUT_MS,
    heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
    storeGraceMs: config.STORE_GRACE_MS,
    connectionLeaseMs,
    log: app.log,
  })
  app.decorate('hub', hub)
  app.decorate('drain', async function drain(code: number, reason: string, timeoutMs = 5000) {
    hub.draining = true
    hub.closeAll(code, reason)
    const deadline = Date.now() + timeoutMs
    while (hub.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    for (const conn of hub.connections.values()) conn.terminate()
  })

  // Order matters and reads top-down: errors, then one plugin per control, then routes.
  await app.register(errorHandler)
  await app.register(websocket, {
    options: wsServerOptions(config.MAX_MESSAGE_BYTES),
    preClose: async function closeSockets() {
      await app.drain(CLOSE_CODES.goingAway.code, CLOSE_CODES.goingAway.reason, 2000)
    },
  })
  await app.register(handshake)
  await app.register(ipBlock, {
    store: rtStore,
    failuresPerMin: config.AUTH_FAILURES_PER_MIN,
    blockS: config.AUTH_BLOCK_S,
    connectPerMin: config.CONNECT_RATE_PER_MIN,
  })
  await app.register(originGuard, { allowedOrigins: config.ALLOWED_ORIGINS })
  await app.register(authenticate, { store, keys, verify, allowQueryToken: config.ALLOW_QUERY_TOKEN })
  await app.register(connectionCap, {
    store: rtStore,
    maxPerUser: config.MAX_CONNECTIONS_PER_USER,
    leaseMs: connectionLeaseMs,
  })
  await app.register(healthRoutes, { store, draining: () => hub.draining })
  await app.register(wsRoute, { hub })

  app.addHook('onReady', async () => {
    await keys.refresh(true)
    await supervisor.start()
  })
  const stopTimeoutLog = logStoreTimeouts(app.log)
  app.addHook('onClose', async () => {
    stopTimeoutLog()
    await supervisor.stop()
    if (!deps.store) await store.close().catch(() => {})
    for (const client of [subscriber, redis]) {
      if (client.isOpen) await client.close().catch(() => client.destroy())
      else client.destroy()
    }
  })
  return app
}
