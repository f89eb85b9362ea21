import { expect, inject, onTestFinished, test } from 'vitest'
import { buildApp as buildApi, loadApiConfig } from '@portcullis/api'
import { httpJwksFetcher } from '../../src/auth/jwks.ts'
import { bearer, connect, refused, shared, startApp } from '../helper.ts'

/** The real api and a realtime instance on one Redis prefix; realtime verifies with the api's JWKS. */
async function stack() {
  const s = shared()
  const api = await buildApi(
    loadApiConfig({
      NODE_ENV: 'test',
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: s.prefix,
      LOG_LEVEL: 'warn',
      ALLOWED_ORIGINS: 'http://app.test',
    }),
    { hashOptions: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
  )
  onTestFinished(() => api.close())
  await api.listen({ host: '127.0.0.1', port: 0 })
  const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`
  const rt = await startApp(
    { JWT_ISSUER: 'portcullis-api', JWT_AUDIENCE: 'portcullis' },
    { shared: s, deps: { jwksFetcher: httpJwksFetcher(`${apiUrl}/.well-known/jwks.json`) } },
  )
  const call = async (path: string, body: unknown, token?: string, origin?: string) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method: 'POST',
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
  return { rt, call, apiUrl }
}

test('login → ws-ticket → upgrade; logout closes the socket 4401 session_revoked', async () => {
  const { rt, call } = await stack()
  const login = await call('/v1/auth/login', { username: 'alice', password: 'alice-password' })
  expect(login.status).toBe(200)
  const token = login.body.accessToken as string
  const ticket = await call('/v1/auth/ws-ticket', {}, token, rt.origin)
  expect(ticket.status).toBe(200)
  const c = await connect(rt.url, { query: `ticket=${ticket.body.ticket as string}`, origin: rt.origin })
  expect(await c.next({ type: 'welcome' })).toMatchObject({ user: { username: 'alice', roles: ['user'] } })
  const viaBearer = await connect(rt.url, { headers: bearer(token) })
  expect((await call('/v1/auth/logout', {}, token)).status).toBe(204)
  expect(await c.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  expect(await viaBearer.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  expect((await refused(rt.url, { headers: bearer(token) })).status).toBe(401)
})

test('an admin role change reaches the live socket: session.updated, admin channel dropped', async () => {
  const { rt, call, apiUrl } = await stack()
  const admin = await call('/v1/auth/login', { username: 'admin', password: 'admin-password' })
  const token = admin.body.accessToken as string
  const userId = (admin.body.user as { id: string }).id
  const c = await connect(rt.url, { headers: bearer(token) })
  c.send({ type: 'subscribe', id: 's', channel: 'admin:ops' })
  await c.next({ type: 'subscribed' })
  const res = await fetch(`${apiUrl}/v1/admin/users/${userId}/roles`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ roles: ['user'] }),
  })
  expect(res.status).toBe(200)
  expect(await c.next({ type: 'session.updated' })).toEqual({ type: 'session.updated', roles: ['user'] })
  expect(await c.next({ type: 'unsubscribed' })).toMatchObject({ channel: 'admin:ops', reason: 'forbidden' })
})
