import type { Writable } from 'node:stream'
import type { SessionStore } from '@portcullis/sessions'
import { createRedisClient, RedisSessionStore, type RedisClient } from '@portcullis/sessions/redis'
import { loggerOptions } from '@portcullis/telemetry'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ApiConfig } from './config.ts'
import errorHandler from './plugins/app/error-handler.ts'
import storePlugin from './plugins/app/store.ts'
import healthRoutes from './routes/health.ts'

/** What tests (and embedders) may inject instead of what `buildApp` would create from the config. */
export interface AppDeps {
  /** Redis client for throttles; default: `createRedisClient(REDIS_URL)`, connected in the background. */
  redis?: RedisClient
  /** Session store; default: `RedisSessionStore` over `redis`. */
  store?: SessionStore
  /** Clock, epoch ms. */
  now?: () => number
  /** Where log lines go (tests capture them); default stdout. */
  logStream?: Writable
  /** TLS material (server.ts reads TLS_CERT_FILE / TLS_KEY_FILE); serves https and sends HSTS. */
  https?: { cert: Buffer; key: Buffer } | null
}

/** Request body cap, bytes: every api body is a few hundred bytes of JSON. */
export const BODY_LIMIT_BYTES = 16 * 1024

/**
 * Builds the api (never listens). Registration order: error handling → store → routes.
 * @example const app = await buildApp(loadApiConfig(process.env)); await app.listen({ port: 3001 })
 */
export async function buildApp(config: ApiConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      ...loggerOptions({ level: config.LOG_LEVEL, name: 'api' }),
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? config.TRUSTED_PROXIES : false,
    return503OnClosing: true,
    requestIdHeader: false,
    ...(deps.https ? { https: deps.https } : {}),
  })

  const redis =
    deps.redis ??
    createRedisClient(config.REDIS_URL, {
      commandTimeoutMs: 800,
      onError: (err) => app.log.debug({ err: { message: err.message } }, 'redis client error'),
    })
  if (!deps.redis) redis.connect().catch(() => {}) // keeps retrying; requests fail closed meanwhile
  const store = deps.store ?? new RedisSessionStore({ client: redis, prefix: config.REDIS_KEY_PREFIX })

  await app.register(errorHandler)
  await app.register(storePlugin, { store, redis, owned: { store: !deps.store, redis: !deps.redis } })
  await app.register(healthRoutes)
  return app
}
