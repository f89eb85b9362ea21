import { originPolicy, type OriginPolicy } from '@portcullis/config'
import {
  createIssuer,
  createVerifier,
  type KeySet,
  type TokenIssuer,
  type TokenVerifier,
} from '@portcullis/tokens'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { LoginThrottle } from '../../auth/login-throttle.ts'
import { SessionQuota } from '../../auth/session-quota.ts'
import type { ApiConfig } from '../../config.ts'
import type { UserDirectory } from '../../users/directory.ts'
import type { PasswordHasher } from '../../users/passwords.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: ApiConfig
    /** Epoch ms. */
    now: () => number
    /** The signing keys (SIGNING_KEYS_FILE): the current key signs, every key verifies and is published. */
    keys: KeySet
    /**
     * The access-token issuer (claims, capped at the session's end) and the one verifier over `keys`; tokens are
     * signed and bearer routes verified through @fastify/jwt with these (plugins/app/auth.ts).
     */
    tokens: { issuer: TokenIssuer; verifier: TokenVerifier }
    /** ALLOWED_ORIGINS: CORS and the ticket's Origin check. */
    origins: OriginPolicy
    users: UserDirectory
    hasher: PasswordHasher
    loginThrottle: LoginThrottle
    /** Per-session quotas of ws-ticket and refresh (TICKET_RATE_PER_MIN). */
    sessionQuota: SessionQuota
  }
}

/** Options of the services plugin (built by `buildApp`). */
export interface ServicesOptions {
  config: ApiConfig
  now: () => number
  keys: KeySet
  users: UserDirectory
  hasher: PasswordHasher
}

/**
 * Decorates the app with its configured services: config, clock, keys, token issuer/verifier, Origin policy,
 * users, login throttle, session quotas.
 */
async function servicesPlugin(app: FastifyInstance, opts: ServicesOptions): Promise<void> {
  const { config, now, keys } = opts
  if (!config || !keys || !opts.users || !opts.hasher) throw new Error('services plugin: missing options')
  const { JWT_ISSUER: issuer, JWT_AUDIENCE: audience } = config
  app.decorate('config', config)
  app.decorate('now', now)
  app.decorate('keys', keys)
  app.decorate('tokens', {
    issuer: createIssuer(keys, { issuer, audience, ttlS: config.ACCESS_TOKEN_TTL_S, now }),
    verifier: createVerifier({ issuer, audience, keys }),
  })
  app.decorate('origins', originPolicy(config))
  app.decorate('users', opts.users)
  app.decorate('hasher', opts.hasher)
  app.decorate(
    'loginThrottle',
    new LoginThrottle(app.redis, {
      prefix: config.REDIS_KEY_PREFIX,
      perClient: config.LOGIN_FAILURES_PER_USERNAME,
      perUsername: config.LOGIN_FAILURES_PER_USERNAME_GLOBAL,
    }),
  )
  app.decorate(
    'sessionQuota',
    new SessionQuota(app.redis, config.REDIS_KEY_PREFIX, config.TICKET_RATE_PER_MIN),
  )
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['store'] })
