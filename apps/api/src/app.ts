import type { Writable } from 'node:stream'
import type { SessionStore } from '@portcullis/sessions'
import {
  connectRedis,
  redisAddress,
  RedisSessionStore,
  redisTarget,
  watchStoreConnection,
  whenReady,
  type RedisConnection,
} from '@portcullis/sessions/redis'
import { loggerOptions } from '@portcullis/telemetry'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ApiConfig } from './config.ts'
import type { KeySet } from '@portcullis/tokens'
import { loadKeySet } from './keys/load.ts'
import accountsPlugin from './plugins/app/accounts.ts'
import authPlugin from './plugins/app/auth.ts'
import errorHandler from './plugins/app/error-handler.ts'
import identityProviderPlugin, { type IdentityProviderOptions } from './plugins/app/identity-provider.ts'
import noStorePlugin from './plugins/app/no-store.ts'
import securityFeedPlugin from './plugins/app/security-feed.ts'
import servicesPlugin from './plugins/app/services.ts'
import storePlugin from './plugins/app/store.ts'
import corsPlugin from './plugins/external/cors.ts'
import helmetPlugin from './plugins/external/helmet.ts'
import rateLimitPlugin from './plugins/external/rate-limit.ts'
import swaggerPlugin from './plugins/external/swagger.ts'
import adminSessionRoutes from './routes/admin/sessions.ts'
import rolesRoute from './routes/admin/roles.ts'
import backchannelLogoutRoute from './routes/auth/backchannel-logout.ts'
import exchangeRoute from './routes/auth/exchange.ts'
import adminUserRoutes from './routes/admin/users.ts'
import loginRoute from './routes/auth/login.ts'
import logoutRoute from './routes/auth/logout.ts'
import refreshRoute from './routes/auth/refresh.ts'
import wsTicketRoute from './routes/auth/ws-ticket.ts'
import healthRoutes from './routes/health.ts'
import jwksRoute from './routes/jwks.ts'
import type { BulkheadOptions } from './users/bulkhead.ts'
import { combinedDirectory, demoDirectory, type UserDirectory } from './users/directory.ts'
import { openUsersFile } from './users/open-users-file.ts'
import { DEFAULT_HASH_OPTIONS, PasswordHasher, type HashOptions } from './users/passwords.ts'

// Re-exported like the realtime app does, so embedders and other packages' tests can build a config.
export { ApiEnvSchema, loadApiConfig, type ApiConfig } from './config.ts'

/** What tests (and embedders) may inject instead of what `buildApp` would create from the config. */
export interface AppDeps {
  /**
   * Redis for the throttles, quotas and the store (one node or a cluster); default: `connectRedis` to
   * `REDIS_CLUSTER_NODES` when set, else `REDIS_URL`, connecting in the background.
   */
  redis?: RedisConnection
  /** Session store; default: `RedisSessionStore` over `redis`. */
  store?: SessionStore
  /** Signing keys; default: SIGNING_KEYS_FILE, or development keys generated once. */
  keys?: KeySet
  /** Accounts; default: USERS_FILE (watched), and the demo users when DEMO_USERS is on. */
  users?: UserDirectory
  /** Settings of the identity provider's discovery and key fetches (tests shorten them). */
  identityProvider?: IdentityProviderOptions['provider']
  /** argon2id cost (tests lower it); default m=19456 KiB, t=2, p=1. */
  hashOptions?: HashOptions
  /**
   * Bound of concurrent password checks (argon2id verifies): `maxConcurrent` run, `maxQueued` wait, any more
   * login gets 503 + Retry-After at once. Default `DEFAULT_PASSWORD_CONCURRENCY` (one per core up to 4, 4× as
   * many waiting: 2 and 8 on 2 cores).
   */
  passwordConcurrency?: BulkheadOptions
  /** Clock, epoch ms. */
  now?: () => number
  /** Where log lines go (tests capture them); default stdout. */
  logStream?: Writable
  /** TLS material (server.ts reads TLS_CERT_FILE / TLS_KEY_FILE): serves https and sends HSTS. */
  https?: { cert: Buffer; key: Buffer } | null
}

/** Request body cap, bytes: every api body is a few hundred bytes of JSON. */
export const BODY_LIMIT_BYTES = 16 * 1024

/**
 * Builds the api (never listens). Registration order, top to bottom: errors → store → security feed → services →
 * security headers, no-store, CORS, rate limit → auth → accounts (USERS_FILE watch), identity provider → OpenAPI →
 * routes.
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
  app.setValidatorCompiler(TypeBoxValidatorCompiler)

  const redis =
    deps.redis ??
    connectRedis(redisTarget(config), {
      name: 'portcullis-api',
      commandTimeoutMs: 800,
      onError: (err) => app.log.debug({ err: { message: err.message } }, 'redis client error'),
    })
  if (!deps.redis) {
    // Keeps retrying in the background; requests fail closed (503) until it is up. Start-up waits briefly so
    // the first requests after a normal start do not see 503; past that, one log line says the store is down.
    const watch = watchStoreConnection(redis.events, app.log, redisAddress(redisTarget(config)))
    await whenReady(redis, 2000)
    watch.startupDone()
  }
  const store = deps.store ?? new RedisSessionStore({ redis, prefix: config.REDIS_KEY_PREFIX })
  const keys = deps.keys ?? loadKeySet(config).keys
  const hasher = new PasswordHasher(deps.hashOptions ?? DEFAULT_HASH_OPTIONS, deps.passwordConcurrency)
  const usersFile = deps.users || !config.USERS_FILE ? null : openUsersFile(config.USERS_FILE)
  const users =
    deps.users ??
    combinedDirectory([...(usersFile ? [usersFile] : []), await demoDirectory(hasher, config.DEMO_USERS)])
  const tls = Boolean(deps.https) || config.TLS_TERMINATED_BY_PROXY

  await app.register(errorHandler)
  await app.register(storePlugin, { store, redis, owned: { store: !deps.store, redis: !deps.redis } })
  await app.register(securityFeedPlugin, { prefix: config.REDIS_KEY_PREFIX })
  await app.register(servicesPlugin, { config, now: deps.now ?? Date.now, keys, users, hasher })
  await app.register(helmetPlugin, { tls })
  await app.register(noStorePlugin)
  await app.register(corsPlugin, { origins: app.origins })
  await app.register(rateLimitPlugin, { prefix: config.REDIS_KEY_PREFIX })
  await app.register(authPlugin)
  await app.register(accountsPlugin, { usersFile })
  await app.register(identityProviderPlugin, { provider: deps.identityProvider })
  await app.register(swaggerPlugin, { expose: config.OPENAPI_DOCS })

  await app.register(healthRoutes)
  await app.register(jwksRoute)
  await app.register(loginRoute)
  await app.register(exchangeRoute)
  await app.register(backchannelLogoutRoute)
  await app.register(refreshRoute)
  await app.register(logoutRoute)
  await app.register(wsTicketRoute)
  await app.register(rolesRoute)
  await app.register(adminSessionRoutes)
  await app.register(adminUserRoutes)
  return app
}
