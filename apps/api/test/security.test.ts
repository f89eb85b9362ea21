import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, loginAs, secretsIn } from './helper.ts'

describe('transport and hygiene', () => {
  it('CORS: exact allowed origins get headers, others none', async () => {
    const { app } = await buildTestApp({ ALLOWED_ORIGINS: 'https://app.example' })
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/v1/auth/login',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      })
    const ok = await preflight('https://app.example')
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example')
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined()
    const evil = await preflight('https://app.example.evil.test')
    expect(evil.headers['access-control-allow-origin']).toBeUndefined()
    // The one Origin policy: compared lower-cased, as browsers send origins.
    const upper = await preflight('HTTPS://APP.EXAMPLE')
    expect(upper.headers['access-control-allow-origin']).toBe('HTTPS://APP.EXAMPLE')
  })

  it('ALLOWED_ORIGINS=* is for development only: anywhere else the api does not start', async () => {
    await expect(buildTestApp({ ALLOWED_ORIGINS: '*' })).rejects.toThrow(
      /^invalid environment: ALLOWED_ORIGINS may contain \* only when NODE_ENV=development/,
    )
    const { app } = await buildTestApp({ NODE_ENV: 'development', ALLOWED_ORIGINS: '*' })
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/v1/auth/login',
      headers: { origin: 'http://any.example', 'access-control-request-method': 'POST' },
    })
    expect(res.headers['access-control-allow-origin']).toBe('http://any.example')
  })

  it('sends security headers; HSTS only behind TLS', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject('/healthz')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'")
    expect(res.headers['strict-transport-security']).toBeUndefined()
    const { app: tls } = await buildTestApp({ TLS_TERMINATED_BY_PROXY: 'true' })
    expect((await tls.inject('/healthz')).headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    )
  })

  it('caps bodies (413) and hides 5xx details', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'a', password: 'x'.repeat(20_000) },
    })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ error: 'payload_too_large' })
    expect(res.body).not.toMatch(/at .*\.ts/)
  })

  it('refuses a non-JSON body with 415 unsupported_media_type', async () => {
    const { app } = await buildTestApp()
    for (const url of ['/v1/auth/login', '/v1/auth/refresh']) {
      const res = await app.inject({
        method: 'POST',
        url,
        payload: '<x/>',
        headers: { 'content-type': 'application/xml' },
      })
      expect(res.statusCode, url).toBe(415)
      expect(res.json()).toMatchObject({ error: 'unsupported_media_type' })
    }
  })

  it('ignores X-Forwarded-For unless TRUSTED_PROXIES lists the peer', async () => {
    const { app, logs } = await buildTestApp()
    await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'x', password: 'y' },
      headers: { 'x-forwarded-for': '203.0.113.9' },
    })
    expect(logs.lines().find((l) => l.event === 'auth.login.failed')?.ip).toBe('127.0.0.1')
    const trusted = await buildTestApp({ TRUSTED_PROXIES: '127.0.0.1' })
    await trusted.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'x', password: 'y' },
      headers: { 'x-forwarded-for': '203.0.113.9' },
    })
    expect(trusted.logs.lines().find((l) => l.event === 'auth.login.failed')?.ip).toBe('203.0.113.9')
  })

  it('no password, token, refresh token or ticket appears in any log line of a full flow', async () => {
    const { app, logs } = await buildTestApp({ LOG_LEVEL: 'trace' })
    const pair = await loginAs(app, 'admin')
    const { ticket } = (
      await app.inject({
        method: 'POST',
        url: '/v1/auth/ws-ticket',
        headers: { ...bearer(pair.accessToken), origin: 'http://localhost:5173' },
      })
    ).json<{ ticket: string }>()
    const next = (
      await app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refreshToken: pair.refreshToken },
      })
    ).json<typeof pair>()
    await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    }) // reuse
    await app.inject({ method: 'GET', url: `/v1/ws?ticket=${ticket}&access_token=${next.accessToken}` })
    await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'admin', password: 'guess-Pa55' },
    })
    await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(next.accessToken) })
    const secrets = [
      'admin-password',
      'guess-Pa55',
      pair.accessToken,
      pair.refreshToken,
      next.accessToken,
      next.refreshToken,
      ticket,
    ]
    // also the secret halves alone (refresh tokens) and JWT signatures
    secrets.push(pair.refreshToken.split('.')[1]!, next.accessToken.split('.')[2]!)
    expect(secretsIn(logs, secrets)).toEqual([])
    expect(logs.text()).toContain('/v1/ws?[ticket,access_token]')
    const events = logs
      .lines()
      .map((l) => l.event)
      .filter(Boolean)
    expect(events).toEqual(
      expect.arrayContaining([
        'auth.login.succeeded',
        'auth.ticket.issued',
        'auth.refresh.succeeded',
        'auth.refresh.reused',
        'auth.login.failed',
      ]),
    )
  })

  it('serves the OpenAPI document in development only', async () => {
    const { app } = await buildTestApp()
    const doc = (await app.inject('/docs/json')).json<{ paths: Record<string, unknown> }>()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/login',
        '/v1/auth/refresh',
        '/v1/auth/logout',
        '/v1/auth/ws-ticket',
        '/v1/admin/users/{userId}/roles',
      ]),
    )
    const { app: off } = await buildTestApp({ OPENAPI_DOCS: 'false' })
    expect((await off.inject('/docs/json')).statusCode).toBe(404)
  })
})
