/**
 * The local OpenID Connect provider of `pnpm dev` (development only): a real `oidc-provider` on loopback with its
 * own demo users, the demo registered as a public client (authorization code + PKCE; its origins as redirect
 * URIs) and the api's back-channel logout URI. The runner starts it unless you configured a provider of your own
 * (`OIDC_ISSUER` in the environment or `apps/api/.env`).
 */
import { startOidcProvider, type OidcTestProvider } from '@portcullis/testkit/oidc'
import type { DevPlan } from './plan.ts'

/** The demo's client id at the local provider (the api's `OIDC_AUDIENCE`). */
export const DEV_OIDC_CLIENT_ID = 'portcullis-demo'

/** Claim value of the local provider that the api maps to `admin` (`OIDC_ADMIN_VALUES`). */
export const DEV_OIDC_ADMIN_VALUE = 'portcullis-admin'

/** The local provider's users: sign in as them with "Sign in with OpenID Connect". */
export const DEV_OIDC_USERS = [
  { username: 'carol', password: 'carol-password', email: 'carol@example.test', roles: [] },
  { username: 'dave', password: 'dave-password', email: 'dave@example.test', roles: [DEV_OIDC_ADMIN_VALUE] },
]

/** Port the provider prefers (`DEV_OIDC_PORT`); a busy one falls back to any free port. */
export const DEV_OIDC_PORT = 3003

/** A running local provider and what the apps need to know of it. */
export interface DevProvider {
  readonly issuer: string
  readonly env: { api: Record<string, string>; web: Record<string, string> }
  close(): Promise<void>
}

/** The demo's origins (the page's redirect URIs, one per spelling of loopback). */
function redirectUris(plan: DevPlan): string[] {
  const origins = (plan.api.env.ALLOWED_ORIGINS ?? plan.web.url).split(',')
  return [...new Set([plan.web.url, ...origins])].map((origin) => `${origin.replace(/\/+$/, '')}/`)
}

/**
 * Starts the provider for the planned stack.
 * @example const idp = await startDevProvider(plan, process.env.DEV_OIDC_PORT)
 */
export async function startDevProvider(plan: DevPlan, port?: string): Promise<DevProvider> {
  const options = {
    users: DEV_OIDC_USERS,
    clients: [
      {
        clientId: DEV_OIDC_CLIENT_ID,
        redirectUris: redirectUris(plan),
        backchannelLogoutUri: `${plan.api.url}/v1/auth/oidc/backchannel-logout`,
      },
    ],
  }
  let provider: OidcTestProvider
  try {
    provider = await startOidcProvider({ ...options, port: port ? Number(port) : DEV_OIDC_PORT })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port) throw err
    provider = await startOidcProvider(options)
  }
  return {
    issuer: provider.issuer,
    env: {
      api: {
        OIDC_ISSUER: provider.issuer,
        OIDC_AUDIENCE: DEV_OIDC_CLIENT_ID,
        OIDC_ADMIN_VALUES: DEV_OIDC_ADMIN_VALUE,
      },
      web: { VITE_OIDC_ISSUER: provider.issuer, VITE_OIDC_CLIENT_ID: DEV_OIDC_CLIENT_ID },
    },
    close: () => provider.close(),
  }
}
