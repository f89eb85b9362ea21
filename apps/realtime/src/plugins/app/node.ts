import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { SessionStore } from '@portcullis/sessions'
import { RedisSessionStore } from '@portcullis/sessions/redis'
import { createJwksSource, createVerifier, type JwksSource, type TokenVerifier } from '@portcullis/tokens'
import type { RealtimeConfig } from '../../config.ts'
import { Hub } from '../../hub/hub.ts'
import { RedisBroker } from '../../hub/redis-broker.ts'
import { Supervisor } from '../../hub/supervisor.ts'
import { RtStore } from '../../limits/rt-store.ts'
import { logStoreTimeouts } from '../../store-timeouts.ts'
import { logKeyLifecycle } from '../../keys-log.ts'

/** The parts of one realtime instance that the guards and routes are built from. */
export interface RealtimeNode {
  /** Sessions, roles, tickets and session events (shared with the api). */
  store: SessionStore
  /** Shared limit state: IP gate, failed-auth counts, connection slots, message budgets. */
  rtStore: RtStore
  /** The api's public keys (JWKS_URL), kept fresh: refresh, cold start, removal, staleness (decision 0821). */
  keys: JwksSource
  /** The one token verifier (`@portcullis/tokens`), shared by the upgrade (through @fastify/jwt) and `auth.refresh`. */
  verifier: TokenVerifier
  /** Leeway after a token's `exp` for tickets and live sockets, ms. */
  expLeewayMs: number
  /** Everything that happens to live sockets without a client frame, and upgrades in flight. */
  supervisor: Supervisor
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The connection registry of this instance. */
    hub: Hub
    node: RealtimeNode
    /**
     * Closes every socket with `code` (1012 restart on SIGTERM, 1001 going away), stops admitting new ones and
     * waits up to `timeoutMs` for the close handshakes, then terminates what is left.
     */
    drain(code: number, reason: string, timeoutMs?: number): Promise<void>
  }
}

export interface NodeOptions {
  config: RealtimeConfig
  /** The session store (default: `RedisSessionStore` on the instance's Redis client). */
  store?: SessionStore | undefined
  /** Connection-slot lease, ms: how fast a dead instance's slots free themselves. */
  connectionLeaseMs: number
  /** Leeway after `exp` for tickets and live sockets, ms (the tokens package's `EXP_LEEWAY_S` unless a test shortens it). */
  expLeewayMs: number
}

/**
 * The realtime node (Centrifugo's split of node and transport): the hub and its broker, the supervisor and its
 * timers, the stores, the JWKS source and verifier, and their lifecycle — the first JWKS fetch starts at once,
 * supervision on `ready`; sockets drained and everything stopped on `close`.
 */
async function nodePlugin(fastify: FastifyInstance, options: NodeOptions): Promise<void> {
  const { config, connectionLeaseMs, expLeewayMs } = options
  if (!config || !(connectionLeaseMs >= 1000) || !(expLeewayMs >= 0))
    throw new Error('node: config, connectionLeaseMs and expLeewayMs are required')
  const { redis, subscriber } = fastify.redisConnections
  const store = options.store ?? new RedisSessionStore({ redis, prefix: config.REDIS_KEY_PREFIX })
  const rtStore = new RtStore(redis, config.REDIS_KEY_PREFIX)
  const keys = createJwksSource({
    url: config.JWKS_URL,
    refreshMs: config.JWKS_REFRESH_S * 1000,
    maxStaleMs: config.JWKS_MAX_STALE_S * 1000,
  })
  const stopKeysLog = logKeyLifecycle(keys, fastify.log)
  const verifier = createVerifier({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, keys })
  const hub = new Hub({
    rtStore,
    store,
    verifier,
    maxSubscriptions: config.MAX_SUBSCRIPTIONS,
    limits: {
      maxMessageBytes: config.MAX_MESSAGE_BYTES,
      idleTimeoutMs: config.IDLE_TIMEOUT_MS,
      msgRatePerS: config.MSG_RATE_PER_S,
      msgBurst: config.MSG_BURST,
      sendBufferLimit: config.SEND_BUFFER_LIMIT_BYTES,
      expLeewayMs,
      expiryWarningMs: config.EXPIRY_WARNING_S * 1000,
    },
    broker: (deliver) => new RedisBroker({ redis, subscriber, redisName: rtStore.keys.fanout, deliver }),
    release: (userId, lease) => fastify.releaseConnection(userId, lease),
    log: fastify.log,
  })
  const supervisor = new Supervisor({
    hub,
    store,
    rtStore,
    keys,
    idleTimeoutMs: config.IDLE_TIMEOUT_MS,
    heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
    storeGraceMs: config.STORE_GRACE_MS,
    connectionLeaseMs,
    log: fastify.log,
  })

  fastify.decorate('hub', hub)
  fastify.decorate('node', { store, rtStore, keys, verifier, expLeewayMs, supervisor })
  fastify.decorate('drain', async function drain(code: number, reason: string, timeoutMs = 5000) {
    hub.draining = true
    hub.closeAll(code, reason)
    const deadline = Date.now() + timeoutMs
    while (hub.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    for (const conn of hub.connections.values()) conn.terminate()
  })

  fastify.addHook('onReady', async function startNode() {
    await supervisor.start()
  })
  const stopTimeoutLog = logStoreTimeouts(fastify.log)
  fastify.addHook('onClose', async function stopNode() {
    stopTimeoutLog()
    keys.close()
    stopKeysLog()
    await supervisor.stop()
    if (!options.store) await store.close().catch(() => {})
  })
}

export default fp(nodePlugin, { name: 'rt-node', dependencies: ['rt-redis'] })
