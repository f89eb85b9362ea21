/**
 * "Sign in with OpenID Connect" in the browser: authorization code + PKCE (RFC 7636, S256) against the provider the
 * api trusts, then the ID token goes to the api's exchange (`client.exchange`), which turns it into an ordinary
 * Portcullis session. The demo is a public client: no secret. The flow's transient values (PKCE verifier, state,
 * nonce) wait in sessionStorage across the redirect; no token is ever stored.
 */

/** The demo's provider settings (`VITE_OIDC_ISSUER`, `VITE_OIDC_CLIENT_ID`); absent: no button. */
export interface OidcSettings {
  readonly issuer: string
  readonly clientId: string
}

/** What the redirect back brings: the ID token and the nonce that was sent (the api checks it again). */
export interface OidcResult {
  readonly idToken: string
  readonly nonce: string
}

const FLOW_KEY = 'portcullis.oidc.flow'

interface Flow {
  verifier: string
  state: string
  nonce: string
}

interface Endpoints {
  authorization_endpoint: string
  token_endpoint: string
  issuer: string
}

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

function random(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)))
}

async function discover(issuer: string): Promise<Endpoints> {
  const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)
  if (!res.ok) throw new Error(`provider discovery failed (HTTP ${res.status})`)
  const doc = (await res.json()) as Endpoints
  if (doc.issuer !== issuer) throw new Error('the provider names another issuer')
  return doc
}

/** The page itself is the redirect URI (registered with the provider). */
const redirectUri = (): string => `${location.origin}/`

/** Starts the sign-in: remembers the flow's secrets and navigates to the provider's login page. */
export async function startSignIn(settings: OidcSettings): Promise<void> {
  const { authorization_endpoint } = await discover(settings.issuer)
  const flow: Flow = { verifier: random(), state: random(), nonce: random() }
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(flow.verifier)),
  )
  sessionStorage.setItem(FLOW_KEY, JSON.stringify(flow))
  const url = new URL(authorization_endpoint)
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid profile email roles',
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: b64url(digest),
    code_challenge_method: 'S256',
  }).toString()
  location.assign(url.href)
}

/**
 * On the page the provider redirected back to: checks `state` (and `iss`, RFC 9207), redeems the code with the
 * PKCE verifier at the token endpoint, and returns the ID token. Null when this page load is not a callback.
 * The code and state leave the address bar at once.
 */
export async function finishSignIn(settings: OidcSettings): Promise<OidcResult | null> {
  const params = new URLSearchParams(location.search)
  const code = params.get('code')
  const error = params.get('error')
  if (!code && !error) return null
  history.replaceState(null, '', location.pathname)
  const saved = sessionStorage.getItem(FLOW_KEY)
  sessionStorage.removeItem(FLOW_KEY)
  if (error) throw new Error(`the provider refused: ${error}`)
  const flow = saved ? (JSON.parse(saved) as Flow) : null
  if (!flow || params.get('state') !== flow.state) throw new Error('sign-in state mismatch: start again')
  const iss = params.get('iss')
  if (iss !== null && iss !== settings.issuer) throw new Error('the answer came from another issuer')
  const { token_endpoint } = await discover(settings.issuer)
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: redirectUri(),
      client_id: settings.clientId,
      code_verifier: flow.verifier,
    }),
  })
  const body = (await res.json()) as { id_token?: string; error?: string }
  if (!res.ok || !body.id_token) throw new Error(`the provider refused the code: ${body.error ?? res.status}`)
  return { idToken: body.id_token, nonce: flow.nonce }
}
