// POST /v1/auth/exchange against a real provider (oidc-provider on loopback): authorization code + PKCE gives an ID
// token, the exchange answers exactly like a login, and every forged or foreign token is one 401.
import { createPublicKey } from 'node:crypto'
import { hmacSigned } from '@portcullis/tokens/testing'
import { describe, expect, it } from 'vitest'
import { providerUserId } from '../../../src/accounts/provider-account.ts'
import { bearer, buildTestApp, claimsOf, secretsIn } from '../../helper.ts'
import {
  ACCESS_TOKEN,
  CLIENT_ID,
  ID_TOKEN,
  oidcEnv,
  providerReady,
  REDIRECT_URI,
  testProvider,
  forge,
} from '../../oidc-helper.ts'

const nowS = () => Math.floor(Date.now() / 1000)

describe('POST /v1/auth/exchange', () => {
  it('an ID token from authorization code + PKCE becomes a session, answered like a login; the account is created once', async () => {
    const idp = await testProvider()
    const { app, logs } = await buildTestApp(oidcEnv(idp))
    await providerReady(app)
    const signIn = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: signIn.idToken, subjectTokenType: ID_TOKEN, nonce: signIn.nonce },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    const body = res.json<{ accessToken: string; refreshToken: string; sessionId: string; user: unknown }>()
    const userId = providerUserId(idp.issuer, 'sub-carol')
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 300,
      user: { id: userId, username: 'carol', roles: ['user'] },
    })
    expect(userId).toMatch(/^oidc_[A-Za-z0-9_-]{32}$/)
    expect(claimsOf(body.accessToken)).toMatchObject({ sub: userId, sid: body.sessionId })
    // The session works like any other: a ticket, a refresh, the store's roles.
    const ticket = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(body.accessToken),
    })
    expect(ticket.statusCode).toBe(200)
    const refreshed = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: body.refreshToken },
    })
    expect(refreshed.statusCode).toBe(200)

    // The store's roles govern after the first exchange: an admin's change (the admin API knows the account)
    // survives the next sign-in.
    const admin = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'admin', password: 'admin-password' },
    })
    const promoted = await app.inject({
      method: 'PUT',
      url: `/v1/admin/users/${userId}/roles`,
      headers: bearer(admin.json<{ accessToken: string }>().accessToken),
      payload: { roles: ['user', 'admin'] },
    })
    expect(promoted.statusCode).toBe(200)
    const unknown = await app.inject({
      method: 'PUT',
      url: `/v1/admin/users/${providerUserId(idp.issuer, 'sub-nobody')}/roles`,
      headers: bearer(admin.json<{ accessToken: string }>().accessToken),
      payload: { roles: ['user'] },
    })
    expect(unknown.statusCode).toBe(404)
    const again = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
    const second = await app.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: again.idToken, subjectTokenType: ID_TOKEN },
    })
    expect(second.json()).toMatchObject({ user: { id: userId, roles: ['user', 'admin'] } })

    const events = logs.lines().filter((l) => l.event === 'auth.exchange.succeeded')
    expect(events).toHaveLength(2)
    expect(events[0]).toMatchObject({ userId, sessionId: body.sessionId, kind: 'id_token' })
    expect(secretsIn(logs, [signIn.idToken, again.idToken, body.accessToken, body.refreshToken])).toEqual([])
  })

  it('roles from the claim: admin only through OIDC_ADMIN_VALUES; a JWT access token is accepted as one', async () => {
    const idp = await testProvider()
    const { app } = await buildTestApp(oidcEnv(idp))
    await providerReady(app)
    const signIn = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'dave' })
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: signIn.accessToken, subjectTokenType: ACCESS_TOKEN },
    })
    // The access token has no profile claims: the username falls back to `sub`; roles are read from it too.
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      user: { id: providerUserId(idp.issuer, 'sub-dave'), username: 'sub-dave' },
    })
    const byId = await app.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: signIn.idToken, subjectTokenType: ID_TOKEN },
    })
    // Same account (issuer, sub); its roles were seeded by the first exchange and stay.
    expect(byId.json()).toMatchObject({
      user: { id: providerUserId(idp.issuer, 'sub-dave'), roles: ['user'] },
    })

    const other = await testProvider()
    const { app: app2 } = await buildTestApp(oidcEnv(other))
    await providerReady(app2)
    const first = await other.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'dave' })
    const admin = await app2.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: first.idToken, subjectTokenType: ID_TOKEN },
    })
    expect(admin.json()).toMatchObject({ user: { username: 'dave', roles: ['user', 'admin'] } })
  })

  it('refuses every forged, foreign, expired or replayed token with one 401 invalid_subject_token; the reason only in the event', async () => {
    const idp = await testProvider()
    const second = await testProvider()
    const { app, logs } = await buildTestApp(oidcEnv(idp))
    await providerReady(app)
    const claims = (extra: Record<string, unknown> = {}) => ({
      iss: idp.issuer,
      aud: CLIENT_ID,
      sub: 'sub-carol',
      iat: nowS(),
      exp: nowS() + 300,
      ...extra,
    })
    // The classic confusion: the provider's PUBLIC key, as published, used as an HMAC secret.
    const publicPem = createPublicKey(idp.signingKey).export({ format: 'pem', type: 'spki' }).toString()
    const hs256 = hmacSigned(forge(idp, claims()), 'HS256', publicPem)
    const valid = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
    const foreign = await second.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
    const cases: Array<[string, string, string]> = [
      ['wrong aud', forge(idp, claims({ aud: 'another-app' })), 'audience'],
      ['wrong iss', forge(idp, claims({ iss: 'https://evil.example' })), 'issuer'],
      ['expired', forge(idp, claims({ exp: nowS() - 60, iat: nowS() - 900 })), 'expired'],
      ['alg none', forge(idp, claims(), { alg: 'none' }), 'algorithm'],
      ['HS256 signed with the public key', hs256, 'algorithm'],
      ['unknown kid', forge(idp, claims(), { kid: 'rotated-away' }), 'unknown_kid'],
      ['a token of a second provider', foreign.idToken, 'issuer'],
      [
        "a second provider's key under our kid",
        forge(second, claims(), { kid: idp.signingKid }),
        'signature',
      ],
      ['an access token offered as an ID token', valid.accessToken, 'token_type'],
    ]
    for (const [name, token, reason] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/auth/exchange',
        payload: { subjectToken: token, subjectTokenType: ID_TOKEN },
      })
      expect([name, res.statusCode, res.json()]).toEqual([
        name,
        401,
        { error: 'invalid_subject_token', message: 'the subject token was not accepted' },
      ])
      const event = logs
        .lines()
        .filter((l) => l.event === 'auth.exchange.failed')
        .at(-1)
      expect(event, name).toMatchObject({ reason, level: 40 })
    }
    const wrongNonce = await app.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: valid.idToken, subjectTokenType: ID_TOKEN, nonce: 'not-the-flows' },
    })
    expect(wrongNonce.statusCode).toBe(401)
    // Exchanged once; the same token again is a replay.
    const exchangeValid = () =>
      app.inject({
        method: 'POST',
        url: '/v1/auth/exchange',
        payload: { subjectToken: valid.idToken, subjectTokenType: ID_TOKEN, nonce: valid.nonce },
      })
    expect((await exchangeValid()).statusCode).toBe(200)
    const replay = await exchangeValid()
    expect(replay.statusCode).toBe(401)
    expect(
      logs
        .lines()
        .filter((l) => l.event === 'auth.exchange.failed')
        .at(-1),
    ).toMatchObject({ reason: 'replayed' })
    expect(secretsIn(logs, [valid.idToken, hs256])).toEqual([])
  })

  it('400 for a malformed request, 404 without a provider, 503 + Retry-After while its keys cannot be had, 429 past the per-IP rate', async () => {
    const { app: none } = await buildTestApp()
    const notConfigured = await none.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: 'a.b.c', subjectTokenType: ID_TOKEN },
    })
    expect(notConfigured.statusCode).toBe(404)

    const { app, logs } = await buildTestApp(
      { OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_AUDIENCE: CLIENT_ID, LOGIN_RATE_PER_MIN: '4' },
      { identityProvider: { timeoutMs: 200 } },
    )
    const exchange = (payload: unknown) =>
      app.inject({ method: 'POST', url: '/v1/auth/exchange', payload: payload as object })
    for (const payload of [
      {},
      { subjectToken: 'x', subjectTokenType: 'urn:ietf:params:oauth:token-type:saml2' },
      { subjectToken: '', subjectTokenType: ID_TOKEN },
      { subjectToken: 'a'.repeat(13_000), subjectTokenType: ID_TOKEN },
    ]) {
      const res = await exchange(payload)
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
    }
    const down = await app.inject({
      method: 'POST',
      url: '/v1/auth/exchange',
      payload: { subjectToken: 'a.b.c', subjectTokenType: ID_TOKEN },
      remoteAddress: '192.0.2.50',
    })
    expect(down.statusCode).toBe(503)
    expect(down.headers['retry-after']).toBe('2')
    expect(down.json()).toMatchObject({ error: 'temporarily_unavailable' })
    expect(
      logs.lines().some((l) => l.event === 'auth.exchange.failed' && l.reason === 'keys_unavailable'),
    ).toBe(true)
    // LOGIN_RATE_PER_MIN per IP, like login: the 5th request from one address in a minute is 429.
    const statuses: number[] = []
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await app.inject({
            method: 'POST',
            url: '/v1/auth/exchange',
            payload: { subjectToken: 'a.b.c', subjectTokenType: ID_TOKEN },
            remoteAddress: '192.0.2.60',
          })
        ).statusCode,
      )
    expect(statuses.at(-1)).toBe(429)
  })
})
