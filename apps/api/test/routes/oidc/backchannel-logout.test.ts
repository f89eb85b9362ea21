// OpenID Connect Back-Channel Logout 1.0 against a real provider: the provider posts a logout token to the api, the
// sessions opened under its session end (session.revoked events), and forged, replayed or nonce-carrying tokens
// are refused 400.
import { freePort } from '@portcullis/testkit'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { providerUserId } from '../../../src/accounts/provider-account.ts'
import { buildTestApp, listen, secretsIn } from '../../helper.ts'
import {
  CLIENT_ID,
  ID_TOKEN,
  oidcEnv,
  REDIRECT_URI,
  testProvider,
  forge,
  providerReady,
} from '../../oidc-helper.ts'

const nowS = () => Math.floor(Date.now() / 1000)
const EVENT = 'http://schemas.openid.net/event/backchannel-logout'

async function exchange(app: FastifyInstance, idToken: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/exchange',
    payload: { subjectToken: idToken, subjectTokenType: ID_TOKEN },
  })
  expect(res.statusCode).toBe(200)
  return res.json<{ sessionId: string }>().sessionId
}

const postLogout = (app: FastifyInstance, token: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/auth/oidc/backchannel-logout',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ logout_token: token }).toString(),
  })

/** The api listening on a port the provider knows as its client's back-channel logout URI. */
async function stack() {
  const port = await freePort()
  const idp = await testProvider(`http://127.0.0.1:${port}/v1/auth/oidc/backchannel-logout`)
  const { app, config, logs } = await buildTestApp(oidcEnv(idp))
  await providerReady(app)
  await app.listen({ host: '127.0.0.1', port })
  return { idp, app, config, logs }
}

describe('POST /v1/auth/oidc/backchannel-logout', () => {
  it("the provider's logout ends exactly the sessions of its session (by sid), each with a session.revoked event", async () => {
    const { idp, app, config, logs } = await stack()
    const { events } = await listen(config.REDIS_KEY_PREFIX)
    const first = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
    const other = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
    const sessionA = await exchange(app, first.idToken)
    const sessionB = await exchange(app, other.idToken)
    expect(first.sid).not.toBe(other.sid)

    await idp.logout({ clientId: CLIENT_ID, sub: first.sub, sid: first.sid })
    expect(await app.store.getSession(sessionA)).toBeNull()
    expect(await app.store.getSession(sessionB)).not.toBeNull()
    await expect
      .poll(() => events.filter((e) => e.type === 'session.revoked').map((e) => (e as { sid: string }).sid))
      .toEqual([sessionA])
    const done = logs.lines().find((l) => l.event === 'auth.backchannel_logout.succeeded')
    expect(done).toMatchObject({ userId: providerUserId(idp.issuer, 'sub-carol'), sessions: 1, by: 'sid' })
    expect(logs.lines().find((l) => l.event === 'session.revoked')).toMatchObject({
      reason: 'provider_logout',
      sessionId: sessionA,
    })
  })

  it('a logout token with sub only ends every session of that account', async () => {
    const { idp, app } = await stack()
    const a = await exchange(
      app,
      (await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })).idToken,
    )
    const b = await exchange(
      app,
      (await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })).idToken,
    )
    const dave = await exchange(
      app,
      (await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'dave' })).idToken,
    )
    const token = forge(
      idp,
      {
        iss: idp.issuer,
        aud: CLIENT_ID,
        sub: 'sub-carol',
        jti: 'by-sub-1',
        iat: nowS(),
        exp: nowS() + 120,
        events: { [EVENT]: {} },
      },
      { typ: 'logout+jwt' },
    )
    const res = await postLogout(app, token)
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(await app.store.getSession(a)).toBeNull()
    expect(await app.store.getSession(b)).toBeNull()
    expect(await app.store.getSession(dave)).not.toBeNull()
  })

  it('400 for a forged, foreign, replayed or nonce-carrying logout token; the sessions stay', async () => {
    const { idp, app, logs } = await stack()
    const second = await testProvider()
    const signIn = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
    const session = await exchange(app, signIn.idToken)
    const claims = (extra: Record<string, unknown> = {}) => ({
      iss: idp.issuer,
      aud: CLIENT_ID,
      sid: signIn.sid,
      jti: `jti-${Math.random()}`,
      iat: nowS(),
      exp: nowS() + 120,
      events: { [EVENT]: {} },
      ...extra,
    })
    const cases: Array<[string, string, string]> = [
      ['with a nonce (an ID token passed off)', forge(idp, claims({ nonce: 'n' })), 'nonce'],
      ['the ID token itself', signIn.idToken, 'nonce'],
      ['no events claim', forge(idp, claims({ events: undefined })), 'claims'],
      ['wrong aud', forge(idp, claims({ aud: 'another-app' })), 'audience'],
      ['wrong iss', forge(idp, claims({ iss: second.issuer })), 'issuer'],
      ['alg none', forge(idp, claims(), { alg: 'none' }), 'algorithm'],
      ['expired', forge(idp, claims({ exp: nowS() - 60 })), 'expired'],
      ["a second provider's key", forge(second, claims(), { kid: idp.signingKid }), 'signature'],
    ]
    for (const [name, token, reason] of cases) {
      const res = await postLogout(app, token)
      expect([name, res.statusCode, res.json().error]).toEqual([name, 400, 'invalid_request'])
      expect(
        logs
          .lines()
          .filter((l) => l.event === 'auth.backchannel_logout.failed')
          .at(-1),
        name,
      ).toMatchObject({
        reason,
      })
    }
    expect(await app.store.getSession(session)).not.toBeNull()
    // A valid token is accepted once; its replay (same jti) is refused, even after the sessions are gone.
    const valid = forge(idp, claims({ jti: 'once-only' }), { typ: 'logout+jwt' })
    expect((await postLogout(app, valid)).statusCode).toBe(200)
    expect(await app.store.getSession(session)).toBeNull()
    const replay = await postLogout(app, valid)
    expect(replay.statusCode).toBe(400)
    expect(
      logs
        .lines()
        .filter((l) => l.event === 'auth.backchannel_logout.failed')
        .at(-1),
    ).toMatchObject({
      reason: 'replayed',
    })
    const missing = await app.inject({
      method: 'POST',
      url: '/v1/auth/oidc/backchannel-logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'other=1',
    })
    expect(missing.statusCode).toBe(400)
    expect(secretsIn(logs, [valid, signIn.idToken])).toEqual([])
  })

  it('404 without a provider', async () => {
    const { app } = await buildTestApp()
    expect((await postLogout(app, 'a.b.c')).statusCode).toBe(404)
  })
})
