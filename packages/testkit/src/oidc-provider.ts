/**
 * A real OpenID Connect provider for tests and `pnpm dev`: `oidc-provider` (the certified Node implementation) on a
 * loopback port, with its own users and clients, an HTML login page (the "interaction") and no consent step
 * (every client is first-party here). Tests drive the authorization code flow with PKCE programmatically
 * (`signIn`); a browser drives the same pages. Back-channel logout is on: `logout()` makes the provider post a
 * real logout token to the client's `backchannel_logout_uri`.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Provider, type Interaction } from 'oidc-provider'
import { MemoryAdapter } from './oidc-memory-adapter.ts'

/** A user of the test provider. `sub` defaults to `sub-<username>`. */
export interface OidcTestUser {
  username: string
  password: string
  sub?: string
  email?: string
  /** The `roles` claim (any strings: the relying party maps them). */
  roles?: string[]
}

/** A client (relying party) registered with the provider: public, PKCE, authorization code. */
export interface OidcTestClient {
  clientId: string
  redirectUris: string[]
  /** Where the provider posts logout tokens (its session's `sid` goes into ID tokens when set). */
  backchannelLogoutUri?: string
  postLogoutRedirectUris?: string[]
}

export interface OidcTestProviderOptions {
  users: OidcTestUser[]
  clients: OidcTestClient[]
  /** Listen port on 127.0.0.1; default any free one. */
  port?: number
  /** ID-token lifetime, seconds. Default 600. */
  idTokenTtlS?: number
  /** Issue JWT access tokens (RFC 9068, `typ: at+jwt`) for this audience (resource indicator). */
  jwtAccessTokenAudience?: string
}

/** What `signIn` returns: the token response of the code exchange, and who signed in. */
export interface OidcSignIn {
  idToken: string
  accessToken: string
  /** The provider's session id (`sid` claim of the ID token). */
  sid: string
  sub: string
  nonce: string
}

/** A running provider. */
export interface OidcTestProvider {
  /** The issuer identifier, e.g. `http://127.0.0.1:41234` (what `OIDC_ISSUER` is set to). */
  readonly issuer: string
  /**
   * The RSA private key the provider signs with (RS256, `kid` = `signingKid`): tests forge its tokens with it
   * (`signJwt` of `@portcullis/tokens/testing`, the one place that crafts JWTs).
   */
  readonly signingKey: KeyObject
  readonly signingKid: string
  /** Authorization code + PKCE as a browser would do it, with `username`'s password; returns the tokens. */
  signIn(options: {
    clientId: string
    redirectUri: string
    username: string
    nonce?: string
  }): Promise<OidcSignIn>
  /** Makes the provider send a back-channel logout token for (`sub`, `sid`) to the client's logout URI. */
  logout(options: { clientId: string; sub: string; sid: string }): Promise<void>
  close(): Promise<void>
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function loginPage(uid: string, clientId: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in — local OpenID provider</title>
<style>body{font:16px system-ui;max-width:24rem;margin:4rem auto}label{display:block;margin:.5rem 0}input{width:100%;padding:.4rem}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00}</style></head>
<body><h1>Local OpenID provider</h1><p>Sign in to <strong>${escapeHtml(clientId)}</strong> (development only).</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label>Username <input name="username" autofocus required></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button></form></body></html>`
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 4096) throw new Error('form too large')
  }
  return new URLSearchParams(body)
}

/** A minimal cookie jar for `signIn`: every cookie the provider set, sent back on every request. */
class Jar {
  readonly #cookies = new Map<string, string>()
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

/**
 * Starts the provider on loopback.
 * @example
 * const idp = await startOidcProvider({ users: [{ username: 'carol', password: 'pw' }], clients: [{ clientId: 'web', redirectUris: ['http://localhost/cb'] }] })
 * const { idToken } = await idp.signIn({ clientId: 'web', redirectUri: 'http://localhost/cb', username: 'carol' })
 */
export async function startOidcProvider(options: OidcTestProviderOptions): Promise<OidcTestProvider> {
  const users = new Map(options.users.map((u) => [u.username, { ...u, sub: u.sub ?? `sub-${u.username}` }]))
  const bySub = new Map([...users.values()].map((u) => [u.sub, u]))
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const signingKid = `test-${randomBytes(6).toString('hex')}`
  const server: Server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const audience = options.jwtAccessTokenAudience

  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      ...(c.backchannelLogoutUri
        ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true }
        : {}),
    })),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: signingKid, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email'],
      roles: ['roles'],
    },
    scopes: ['openid', 'profile', 'email', 'roles'],
    // Put the scopes' claims into the ID token itself (the relying party reads roles and username from it).
    conformIdTokenClaims: false,
    ttl: {
      IdToken: options.idTokenTtlS ?? 600,
      AccessToken: 600,
      AuthorizationCode: 60,
      Session: 3600,
      Interaction: 600,
      Grant: 3600,
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      ...(audience
        ? {
            resourceIndicators: {
              enabled: true,
              // A resource indicator is a URI (RFC 8707); the token's `aud` is the audience below.
              defaultResource: () => 'urn:portcullis:api',
              useGrantedResource: () => true,
              getResourceServerInfo: () => ({ scope: 'openid', audience, accessTokenFormat: 'jwt' }),
            },
          }
        : {}),
    },
    // oidc-provider refuses to post to special-use addresses (SSRF protection); this provider and every relying
    // party it talks to are on loopback, so its outgoing requests (back-channel logout) go out without that guard.
    fetch: (url: string | URL | Request, init?: RequestInit) => {
      const { dispatcher: _ssrfGuard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown }
      return globalThis.fetch(url, rest)
    },
    interactions: { url: (_ctx: unknown, pending: { uid: string }) => `/interaction/${pending.uid}` },
    findAccount: (_ctx: unknown, sub: string) => {
      const user = bySub.get(sub)
      if (!user) return undefined
      return {
        accountId: sub,
        claims: () => ({
          sub,
          preferred_username: user.username,
          name: user.username,
          ...(user.email ? { email: user.email } : {}),
          roles: user.roles ?? [],
        }),
      }
    },
  })
  const handle = provider.callback()

  /** Consent is not asked here (every client is first-party): grant what the request is missing. */
  async function consent(req: IncomingMessage, res: ServerResponse, details: Interaction): Promise<void> {
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
      missingOIDCScope?: string[]
      missingOIDCClaims?: string[]
      missingResourceScopes?: Record<string, string[]>
    }
    const accountId = details.session?.accountId
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) })
    if (!grant) throw new Error('grant not found')
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '))
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '))
    const grantId = await grant.save()
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
  }

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res)
    if (details.prompt.name === 'consent') return await consent(req, res, details)
    const clientId = String(details.params.client_id)
    const page = (error?: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      res.end(loginPage(details.uid, clientId, error))
    }
    if (req.method === 'GET') return page()
    const form = await readForm(req)
    const user = users.get(form.get('username') ?? '')
    if (!user || user.password !== form.get('password')) return page('Unknown username or wrong password.')
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.sub } },
      { mergeWithLastSubmission: false },
    )
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' })
        res.end(`interaction failed: ${(err as Error).message}`)
      })
      return
    }
    void handle(req, res)
  })

  return {
    issuer,
    signingKey: privateKey,
    signingKid,
    async signIn({ clientId, redirectUri, username, nonce = randomUUID() }) {
      const user = users.get(username)
      if (!user) throw new Error(`no test user ${username}`)
      const verifier = randomBytes(32).toString('base64url')
      const challenge = createHash('sha256').update(verifier).digest('base64url')
      const state = randomUUID()
      const jar = new Jar()
      const get = async (url: string) => {
        const res = await fetch(new URL(url, issuer), {
          redirect: 'manual',
          headers: { cookie: jar.header() },
        })
        jar.take(res)
        await res.body?.cancel()
        return res
      }
      const auth = new URL('/auth', issuer)
      auth.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid profile email roles',
        state,
        nonce,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString()
      const toLogin = await get(auth.href)
      const loginUrl = toLogin.headers.get('location')
      if (!loginUrl?.startsWith('/interaction/'))
        throw new Error(`authorization request refused: ${toLogin.status} ${loginUrl}`)
      const posted = await fetch(new URL(`${loginUrl}/login`, issuer), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username, password: user.password }),
      })
      jar.take(posted)
      await posted.body?.cancel()
      const resume = posted.headers.get('location')
      if (!resume) throw new Error(`login refused: ${posted.status}`)
      // Resume, pass the (automatic) consent step, resume again: until the provider redirects to the client.
      let next = new URL(resume, issuer)
      for (let hops = 0; next.origin === issuer && hops < 6; hops += 1) {
        const res = await get(next.href)
        next = new URL(res.headers.get('location') ?? '', issuer)
      }
      const callback = next
      const code = callback.searchParams.get('code')
      if (!code || callback.searchParams.get('state') !== state)
        throw new Error(`no code in the redirect: ${callback.search}`)
      const token = await fetch(new URL('/token', issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: clientId,
          code_verifier: verifier,
        }),
      })
      const body = (await token.json()) as { id_token?: string; access_token?: string; error?: string }
      if (!body.id_token) throw new Error(`token request refused: ${body.error ?? token.status}`)
      const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString()) as {
        sid: string
        sub: string
      }
      return {
        idToken: body.id_token,
        accessToken: body.access_token ?? '',
        sid: claims.sid,
        sub: claims.sub,
        nonce,
      }
    },
    async logout({ clientId, sub, sid }) {
      const client = await provider.Client.find(clientId)
      if (!client) throw new Error(`no client ${clientId}`)
      // Typed `unknown` by @types/oidc-provider; oidc-provider 9 has it on every client (models/client.js).
      await (
        client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }
      ).backchannelLogout(sub, sid)
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
