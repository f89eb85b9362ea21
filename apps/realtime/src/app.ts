import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import { originPolicy } from '@portcullis/config'
import type { SessionStore } from '@portcullis/sessions'
import { redisTarget } from '@portcullis/sessions/redis'
import { loggerOptions } from '@portcullis/telemetry'
import { EXP_LEEWAY_S } from '@portcullis/tokens'
import type { RealtimeConfig } from './config.ts'
import { RequestLog } from './request-log.ts'
import redis from './plugins/external/redis.ts'
import websocket from './plugins/external/websocket.ts'
import authenticate from './plugins/app/authenticate.ts'
import connectionCap from './plugins/app/connection-cap.ts'
import errorHandler from './plugins/app/error-handler.ts'
import handshake from './plugins/app/handshake.ts'
import hsts from './plugins/app/hsts.ts'
import ipBlock from './plugins/app/ip-block.ts'
import node from './plugins/app/node.ts'
import originGuard from './plugins/app/origin-guard.ts'
import securityFeed from './plugins/app/security-feed.ts'
import upgradePaths from './plugins/app/upgrade-paths.ts'
import upgradeTelemetry from './plugins/app/upgrade-telemetry.ts'
import healthRoutes from './routes/health.ts'
import wsRoute from './routes/ws.ts'

export type { RealtimeConfig } from './config.ts'
export { loadRealtimeConfig, RealtimeEnvSchema } from './config.ts'

/** Things tests (or embedders) may provide instead of the defaults built from the config. */
export interface AppDeps {
  /** The session store (default: RedisSessionStore on REDIS_CLUSTER_NODES when set, else REDIS_URL). */
  store?: SessionStore
  /**
   * Leeway after a token's `exp` for tickets and live sockets, seconds (default `EXP_LEEWAY_S`, 5: the documented bound).
   * Tests shorten it; bearer verification always uses the tokens package's own 5 s.
   */
  expLeewayS?: number
  /** Where JSON log lines go (default stdout); tests capture them here. */
  logStream?: { write(line: string): unknown }
  /** Connection-slot lease in ms (default 30 000): how fast a dead instance's slots free themselves. */
  connectionLeaseMs?: number
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
  const app = Fastify({
    logger: {
      ...loggerOptions({ level: config.LOG_LEVEL, name: 'realtime' }),
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    logController: new RequestLog(),
    ...(https ? { https } : {}),
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? config.TRUSTED_PROXIES : false,
    bodyLimit: 1024,
    requestTimeout: 10_000,
    connectionTimeout: 10_000,
    return503OnClosing: true,
  }) as unknown as FastifyInstance

  // Read top-down: errors and transport, the node (hub, supervisor, stores, keys) and its security feed, then one
  // plugin per control of the upgrade, in the order they refuse (docs/reference/protocol.md), then the routes.
  await app.register(errorHandler)
  if (https) await app.register(hsts)
  await app.register(redis, { target: redisTarget(config) })
  await app.register(node, {
    config,
    store: deps.store,
    connectionLeaseMs: deps.connectionLeaseMs ?? 30_000,
    expLeewayMs: (deps.expLeewayS ?? EXP_LEEWAY_S) * 1000,
  })
  await app.register(securityFeed)
  await app.register(websocket, { maxMessageBytes: config.MAX_MESSAGE_BYTES })
  const { store, rtStore, keys, verifier, expLeewayMs, supervisor } = app.node
  await app.register(upgradeTelemetry)
  await app.register(upgradePaths)
  await app.register(handshake)
  await app.register(ipBlock, {
    store: rtStore,
    failuresPerMin: config.AUTH_FAILURES_PER_MIN,
    blockS: config.AUTH_BLOCK_S,
    connectPerMin: config.CONNECT_RATE_PER_MIN,
  })
  await app.register(originGuard, { origins: originPolicy(config) })
  await app.register(authenticate, {
    store,
    keys,
    verifier,
    expLeewayMs,
    allowQueryToken: config.ALLOW_QUERY_TOKEN,
    upgrades: supervisor.upgrades,
  })
  await app.register(connectionCap, {
    store: rtStore,
    maxPerUser: config.MAX_CONNECTIONS_PER_USER,
    leaseMs: deps.connectionLeaseMs ?? 30_000,
    maxConnections: config.MAX_CONNECTIONS,
    openConnections: () => app.hub.connections.size,
  })
  await app.register(healthRoutes, {
    store,
    draining: () => app.hub.draining,
    keysReady: () => keys.ready,
  })
  await app.register(wsRoute, { hub: app.hub, supervisor })
  return app
}
