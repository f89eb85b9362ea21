import { signJwt } from '@portcullis/tokens/testing'
import { startOidcProvider, type OidcTestProvider } from '@portcullis/testkit/oidc'
import type { FastifyInstance } from 'fastify'
import { onTestFinished } from 'vitest'

/** The client id the test provider knows the api's users by (`OIDC_AUDIENCE`). */
export const CLIENT_ID = 'portcullis-web'
export const REDIRECT_URI = 'http://127.0.0.1:5173/'

/** Provider users: carol (staff), dave (ops: an admin value). */
export const PROVIDER_USERS = [
  { username: 'carol', password: 'carol-password', roles: ['staff'], email: 'carol@example.test' },
  { username: 'dave', password: 'dave-password', roles: ['ops', 'user'] },
]

/** A real OpenID Connect provider on loopback (oidc-provider), closed when the test ends. */
export async function testProvider(backchannelLogoutUri?: string): Promise<OidcTestProvider> {
  const idp = await startOidcProvider({
    users: PROVIDER_USERS,
    clients: [{ clientId: CLIENT_ID, redirectUris: [REDIRECT_URI], backchannelLogoutUri }],
    jwtAccessTokenAudience: CLIENT_ID,
  })
  onTestFinished(() => idp.close())
  return idp
}

/**
 * Waits until the api holds the provider's keys (discovery and the first JWKS fetch; on a loaded machine the first
 * fetch may miss its 2 s timeout and be retried).
 */
export async function providerReady(app: FastifyInstance): Promise<void> {
  if (!(await app.idp?.oidc.whenReady(20_000)))
    throw new Error("the api did not get the provider's keys in 20 s")
}

/** The api environment of a provider. */
export const oidcEnv = (idp: OidcTestProvider): Record<string, string> => ({
  OIDC_ISSUER: idp.issuer,
  OIDC_AUDIENCE: CLIENT_ID,
  OIDC_ADMIN_VALUES: 'ops',
})

export const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token'
export const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token'

/** A token "from" a provider: signed with its key (RS256, its kid) unless the header or key says otherwise. */
export function forge(
  provider: OidcTestProvider,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key = provider.signingKey,
): string {
  return signJwt({ alg: 'RS256', kid: provider.signingKid, ...header }, payload, key)
}
