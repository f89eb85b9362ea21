// The identity-provider path across the real apps: a real OpenID Connect provider (oidc-provider on loopback) →
// authorization code + PKCE → POST /v1/auth/exchange → ws-ticket → WebSocket upgrade on realtime → the provider's
// back-channel logout → the socket closes 4401 session_revoked.
import { freePort } from '@portcullis/testkit'
import { startOidcProvider } from '@portcullis/testkit/oidc'
import { connect, refused } from '@portcullis/testkit/ws'
import { expect, onTestFinished, test } from 'vitest'
import { startStack, waitForIdentityProvider } from '../src/index.ts'

const ORIGIN = 'http://localhost:5173'
const CLIENT_ID = 'portcullis-web'
const REDIRECT_URI = `${ORIGIN}/`

test('provider sign-in → exchange → realtime upgrade; back-channel logout closes the socket 4401 session_revoked', async () => {
  const apiPort = await freePort()
  const idp = await startOidcProvider({
    users: [{ username: 'carol', password: 'carol-password', roles: ['portcullis-admin'] }],
    clients: [
      {
        clientId: CLIENT_ID,
        redirectUris: [REDIRECT_URI],
        backchannelLogoutUri: `http://127.0.0.1:${apiPort}/v1/auth/oidc/backchannel-logout`,
      },
    ],
  })
  onTestFinished(() => idp.close())
  const stack = await startStack({
    label: 'idp',
    apiPort,
    api: { OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: CLIENT_ID, OIDC_ADMIN_VALUES: 'portcullis-admin' },
  })
  onTestFinished(() => stack.close())
  await waitForIdentityProvider(stack.apiUrl, idp, CLIENT_ID)
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: ORIGIN,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }

  const signIn = await idp.signIn({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'carol' })
  const exchanged = await post('/v1/auth/exchange', {
    subjectToken: signIn.idToken,
    subjectTokenType: 'urn:ietf:params:oauth:token-type:id_token',
    nonce: signIn.nonce,
  })
  expect(exchanged.status).toBe(200)
  expect(exchanged.headers.get('cache-control')).toBe('no-store')
  const accessToken = exchanged.body.accessToken as string
  const ticket = await post('/v1/auth/ws-ticket', {}, accessToken)
  expect(ticket.status).toBe(200)
  const wsUrl = `${stack.realtimeUrl}/v1/ws`
  const socket = await connect(wsUrl, { query: `ticket=${ticket.body.ticket as string}`, origin: ORIGIN })
  expect(await socket.next({ type: 'welcome' })).toMatchObject({
    user: { username: 'carol', roles: ['user', 'admin'] },
  })
  // The account is an ordinary one on realtime too: it may join an admin channel and chat.
  socket.send({ type: 'subscribe', id: 's1', channel: 'admin:ops' })
  expect(await socket.next({ type: 'subscribed' })).toMatchObject({ channel: 'admin:ops' })

  const startedAt = Date.now()
  await idp.logout({ clientId: CLIENT_ID, sub: signIn.sub, sid: signIn.sid })
  expect(await socket.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  // The contract's bound for revocation is 1 s; generous here, it is a machine shared by several test runs.
  expect(Date.now() - startedAt).toBeLessThan(3_000)
  expect((await refused(wsUrl, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401)
})
