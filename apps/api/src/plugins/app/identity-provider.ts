import { createOidcProvider, type OidcProvider, type OidcProviderOptions } from '@portcullis/tokens/oidc'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ClaimMapping } from '../../accounts/provider-account.ts'
import { ProviderSessions } from '../../accounts/provider-sessions.ts'

/** The configured OpenID Connect provider (OIDC_ISSUER) and what the api keeps about its tokens. */
export interface IdentityProvider {
  /** Discovery, keys (JWKS lifecycle) and the verifier of its ID, access and logout tokens. */
  readonly oidc: OidcProvider
  readonly sessions: ProviderSessions
  readonly mapping: ClaimMapping
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The identity provider, or null when OIDC_ISSUER is unset (the exchange routes answer 404). */
    idp: IdentityProvider | null
  }
}

/** Options of the identity-provider plugin. */
export interface IdentityProviderOptions {
  /** Overrides of the provider's fetch and lifecycle settings (tests shorten them). */
  provider?: Partial<Omit<OidcProviderOptions, 'issuer' | 'audience'>>
}

/** A failure is logged at its 1st, 2nd, 4th, 8th … occurrence in a row: an outage is visible without flooding. */
const worthLogging = (n: number): boolean => (n & (n - 1)) === 0

/**
 * Decorates `app.idp`. With OIDC_ISSUER set, discovery starts at once in the background — the api does not wait
 * for the provider (password logins work without it; exchanges answer 503 until its keys are there). Discovery
 * and key-fetch failures are logged as warnings without any response body; the provider is closed with the app.
 */
async function identityProviderPlugin(app: FastifyInstance, opts: IdentityProviderOptions): Promise<void> {
  const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience } = app.config
  if (!issuer || !audience) {
    app.decorate('idp', null)
    return
  }
  const oidc = createOidcProvider({ ...opts.provider, issuer, audience })
  oidc.on('discovered', (meta) =>
    app.log.info(
      { issuer, jwksUri: meta.jwksUri, algorithms: meta.algorithms },
      'identity provider discovered',
    ),
  )
  oidc.on('discoveryFailed', ({ error, consecutiveFailures, retryInMs }) => {
    if (worthLogging(consecutiveFailures))
      app.log.warn({ issuer, reason: error.reason, consecutiveFailures, retryInMs }, error.message)
  })
  oidc.on('fetchFailed', ({ error, consecutiveFailures, retryInMs }) => {
    if (worthLogging(consecutiveFailures))
      app.log.warn({ issuer, reason: error.reason, consecutiveFailures, retryInMs }, error.message)
  })
  app.decorate('idp', {
    oidc,
    sessions: new ProviderSessions(app.redis, app.config.REDIS_KEY_PREFIX),
    mapping: { rolesClaim: app.config.OIDC_ROLES_CLAIM, adminValues: app.config.OIDC_ADMIN_VALUES },
  })
  app.addHook('onClose', async () => oidc.close())
}

export default fp(identityProviderPlugin, { name: 'identity-provider', dependencies: ['store', 'services'] })
