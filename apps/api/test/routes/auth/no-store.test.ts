// RFC 6749 §5.1 and docs/reference/http-api.md: responses that carry a token or ticket are never cached. Every answer of the
// credential routes, errors included, says so.
import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, loginAs } from '../../helper.ts'

function expectNoStore(res: LightMyRequestResponse, what: string): void {
  expect(res.headers['cache-control'], what).toBe('no-store')
  expect(res.headers.pragma, what).toBe('no-cache')
}

describe('Cache-Control: no-store on the credential routes', () => {
  it('login, refresh and ws-ticket: successes and every kind of error', async () => {
    const { app } = await buildTestApp({ LOGIN_RATE_PER_MIN: '4', LOGIN_FAILURES_PER_USERNAME: '1' })
    const login = (username: string, password: string, ip: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username, password },
        remoteAddress: ip,
      })
    const ok = await login('alice', 'alice-password', '192.0.2.1')
    expect(ok.statusCode).toBe(200)
    expectNoStore(ok, 'login 200')
    const pair = ok.json<{ accessToken: string; refreshToken: string }>()
    const wrong = await login('alice', 'nope', '192.0.2.2')
    expect(wrong.statusCode).toBe(401)
    expectNoStore(wrong, 'login 401')
    const throttled = await login('alice', 'alice-password', '192.0.2.2')
    expect(throttled.statusCode).toBe(429)
    expectNoStore(throttled, 'login 429 (username)')
    const invalid = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'x' } })
    expect(invalid.statusCode).toBe(400)
    expectNoStore(invalid, 'login 400')
    for (let i = 0; i < 4; i++) await login('bob', 'nope', '192.0.2.9')
    const perIp = await login('bob', 'bob-password', '192.0.2.9')
    expect(perIp.statusCode).toBe(429)
    expectNoStore(perIp, 'login 429 (per-IP rate limiter)')

    const refreshed = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    })
    expect(refreshed.statusCode).toBe(200)
    expectNoStore(refreshed, 'refresh 200')
    const spent = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    })
    expect(spent.statusCode).toBe(401)
    expectNoStore(spent, 'refresh 401')

    const next = await loginAs(app, 'admin')
    const minted = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(next.accessToken),
    })
    expect(minted.statusCode).toBe(200)
    expectNoStore(minted, 'ws-ticket 200')
    const unauthorized = await app.inject({ method: 'POST', url: '/v1/auth/ws-ticket' })
    expect(unauthorized.statusCode).toBe(401)
    expectNoStore(unauthorized, 'ws-ticket 401')
    const origin = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: { ...bearer(next.accessToken), origin: 'https://evil.example' },
    })
    expect(origin.statusCode).toBe(403)
    expectNoStore(origin, 'ws-ticket 403')
  })

  it('leaves the public, cacheable JWKS alone', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+/)
    expect(res.headers.pragma).toBeUndefined()
  })
})
