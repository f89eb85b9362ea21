import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { LoginThrottle } from '../../auth/login-throttle.ts'
import { SessionQuota } from '../../auth/session-quota.ts'
import type { ApiConfig } from '../../config.ts'
import type { KeySet } from '../../keys/keyset.ts'
import {
  createTokenIssuer,
  createTokenVerifier,
  type TokenIssuer,
  type TokenVerifier,
} from '../../tokens/access-token.ts'
import type { UserDirectory } from '../../users/directory.ts'
import type { PasswordHasher } from '../../users/passwords.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: ApiConfig
    /** Epoch ms. */
    now: () => number
    keys: KeySet
    tokens: { issuer: TokenIssuer; verifier: TokenVerifier }
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
 * Decorates the app with its configured services: config, clock, keys, token issuer/verifier, users, login
 * throttle, session quotas.
 */
async function servicesPlugin(app: FastifyInstance, opts: ServicesOptions): Promise<void> {
  const { config, now, keys } = opts
  if (!config || !keys || !opts.users || !opts.hasher) throw new Error('services plugin: missing options')
  const tokenOpts = {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlS: config.ACCESS_TOKEN_TTL_S,
    now,
  }
  app.decorate('config', config)
  app.decorate('now', now)
  app.decorate('keys', keys)
  app.decorate('tokens', {
    issuer: createTokenIssuer(keys, tokenOpts),
    verifier: createTokenVerifier(keys, tokenOpts),
  })
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
