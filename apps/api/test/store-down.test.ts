import { createRedisClient } from '@portcullis/sessions/redis'
import { startRedisServer, waitFor } from '@portcullis/testkit'
import { expect, it, onTestFinished } from 'vitest'
import { bearer, buildTestApp, loginAs } from './helper.ts'

it('answers 503 + Retry-After within 2 s on every store-backed route while Redis is down, never 500', async () => {
  const server = await startRedisServer()
  onTestFinished(() => server.stop())
  const { app, logs } = await buildTestApp({ REDIS_URL: server.url })
  const admin = await loginAs(app, 'admin')
  await server.kill()
  const requests = [
    {
      method: 'POST' as const,
      url: '/v1/auth/login',
      payload: { username: 'alice', password: 'alice-password' },
    },
    { method: 'POST' as const, url: '/v1/auth/refresh', payload: { refreshToken: admin.refreshToken } },
    { method: 'POST' as const, url: '/v1/auth/logout', headers: bearer(admin.accessToken) },
    { method: 'POST' as const, url: '/v1/auth/ws-ticket', headers: bearer(admin.accessToken) },
    {
      method: 'PUT' as const,
      url: '/v1/admin/users/u_bob/roles',
      headers: bearer(admin.accessToken),
      payload: { roles: [] },
    },
    { method: 'DELETE' as const, url: '/v1/admin/users/u_bob/sessions', headers: bearer(admin.accessToken) },
    { method: 'GET' as const, url: '/readyz' },
  ]
  for (const request of requests) {
    const started = Date.now()
    const res = await app.inject(request)
    expect(Date.now() - started, request.url).toBeLessThan(2000)
    expect(res.statusCode, request.url).toBe(503)
    expect(res.headers['retry-after']).toBe('2')
    expect(res.json()).toEqual({
      error: 'store_unavailable',
      message: 'session store unavailable, retry shortly',
    })
  }
  // JWKS and liveness do not need the store
  expect((await app.inject('/.well-known/jwks.json')).statusCode).toBe(200)
  expect((await app.inject('/healthz')).statusCode).toBe(200)
  expect(logs.lines().filter((l) => l.event === 'store.unavailable').length).toBeGreaterThanOrEqual(
    requests.length,
  )
  // back up: the same session still works (Redis without persistence lost it: 401, not 503)
  await server.start()
  await waitFor(async () => (await app.inject('/readyz')).statusCode === 200, 'ready again', 10_000)
  const after = await app.inject({
    method: 'POST',
    url: '/v1/auth/ws-ticket',
    headers: bearer(admin.accessToken),
  })
  expect(after.statusCode).toBe(401)
  expect(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'alice', password: 'alice-password' },
      })
    ).statusCode,
  ).toBe(200)
})

it('answers 503 within 2 s when Redis stalls (CLIENT PAUSE) instead of hanging', async () => {
  const server = await startRedisServer()
  onTestFinished(() => server.stop())
  const { app } = await buildTestApp({ REDIS_URL: server.url })
  const alice = await loginAs(app, 'alice')
  const admin = createRedisClient(server.url)
  await admin.connect()
  onTestFinished(() => admin.destroy())
  await admin.sendCommand(['CLIENT', 'PAUSE', '5000', 'ALL'])
  const started = Date.now()
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/ws-ticket',
    headers: bearer(alice.accessToken),
  })
  expect(Date.now() - started).toBeLessThan(2000)
  expect(res.statusCode).toBe(503)
  expect(res.headers['retry-after']).toBe('2')
})
