import { expect, onTestFinished, test } from 'vitest'
import { bearer, connect, refused } from '@portcullis/testkit/ws'
import { startStack } from '../src/index.ts'

const ORIGIN = 'http://localhost:5173'

/** The real api and realtime on one Redis prefix: realtime verifies with the api's JWKS. */
async function stack() {
  const s = await startStack({ label: 'api-rt' })
  onTestFinished(() => s.close())
  const call = async (path: string, body: unknown, token?: string, origin?: string, method = 'POST') => {
    const res = await fetch(`${s.apiUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(origin ? { origin } : {}),
      },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> }
  }
  return { wsUrl: `${s.realtimeUrl}/v1/ws`, call }
}

test('login → ws-ticket → upgrade; logout closes the socket 4401 session_revoked', async () => {
  const { wsUrl, call } = await stack()
  const login = await call('/v1/auth/login', { username: 'alice', password: 'alice-password' })
  expect(login.status).toBe(200)
  const token = login.body.accessToken as string
  const ticket = await call('/v1/auth/ws-ticket', {}, token, ORIGIN)
  expect(ticket.status).toBe(200)
  const c = await connect(wsUrl, { query: `ticket=${ticket.body.ticket as string}`, origin: ORIGIN })
  expect(await c.next({ type: 'welcome' })).toMatchObject({ user: { username: 'alice', roles: ['user'] } })
  const viaBearer = await connect(wsUrl, { headers: bearer(token) })
  expect((await call('/v1/auth/logout', {}, token)).status).toBe(204)
  expect(await c.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  expect(await viaBearer.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  expect((await refused(wsUrl, { headers: bearer(token) })).status).toBe(401)
})

test('an admin role change reaches the live socket: session.updated, admin channel dropped', async () => {
  const { wsUrl, call } = await stack()
  const admin = await call('/v1/auth/login', { username: 'admin', password: 'admin-password' })
  const token = admin.body.accessToken as string
  const userId = (admin.body.user as { id: string }).id
  const c = await connect(wsUrl, { headers: bearer(token) })
  c.send({ type: 'subscribe', id: 's', channel: 'admin:ops' })
  await c.next({ type: 'subscribed' })
  const res = await call(`/v1/admin/users/${userId}/roles`, { roles: ['user'] }, token, undefined, 'PUT')
  expect(res.status).toBe(200)
  expect(await c.next({ type: 'session.updated' })).toEqual({ type: 'session.updated', roles: ['user'] })
  expect(await c.next({ type: 'unsubscribed' })).toMatchObject({ channel: 'admin:ops', reason: 'forbidden' })
})
