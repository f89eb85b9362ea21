import { createRedisClient } from '@portcullis/sessions/redis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, loginAs, redisUrl, secretsIn } from '../../helper.ts'

const login = (username: string, password: string, ip = '127.0.0.1') => ({
  method: 'POST' as const,
  url: '/v1/auth/login',
  payload: { username, password },
  remoteAddress: ip,
})

describe('POST /v1/auth/login', () => {
  it('returns the documented token pair for a demo user', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject(login('admin', 'admin-password'))
    expect(res.statusCode).toBe(200)
    const body = res.json<Record<string, unknown>>()
    expect(body).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) as string,
      refreshToken: expect.any(String) as string,
      tokenType: 'Bearer',
      expiresIn: 300,
      sessionId: expect.any(String) as string,
      user: { id: 'u_admin', username: 'admin', roles: ['user', 'admin'] },
    })
    const secret = (body.refreshToken as string).split('.')[1]!
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32) // 256 bits
  })

  it('answers unknown users and wrong passwords identically, and logs why without secrets', async () => {
    const { app, logs } = await buildTestApp()
    const unknown = await app.inject(login('mallory', 'alice-password'))
    const wrong = await app.inject(login('alice', 'wrong-password-123'))
    for (const res of [unknown, wrong]) expect(res.statusCode).toBe(401)
    expect(unknown.body).toBe(wrong.body)
    expect(unknown.json()).toEqual({ error: 'invalid_credentials', message: 'invalid username or password' })
    expect(Object.keys(unknown.headers).toSorted()).toEqual(Object.keys(wrong.headers).toSorted())
    const failed = logs.lines().filter((l) => l.event === 'auth.login.failed')
    expect(failed.map((l) => l.reason)).toEqual(['unknown_user', 'bad_password'])
    expect(secretsIn(logs, ['alice-password', 'wrong-password-123'])).toEqual([])
  })

  it('validates the body: 400 invalid_request', async () => {
    const { app } = await buildTestApp()
    for (const payload of [
      { username: 'alice' },
      { username: '', password: 'x' },
      { username: 'a', password: 'b', extra: 1 },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
    }
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: '{',
      headers: { 'content-type': 'application/json' },
    })
    expect(notJson.statusCode).toBe(400)
    expect(notJson.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('throttles a (username, client) after LOGIN_FAILURES_PER_USERNAME failures, even the right password; success resets', async () => {
    const { app, logs } = await buildTestApp({ LOGIN_FAILURES_PER_USERNAME: '3', LOGIN_RATE_PER_MIN: '1000' })
    // success resets: two failures, a success, then three more failures are still allowed
    for (let i = 0; i < 2; i++) expect((await app.inject(login('bob', 'nope'))).statusCode).toBe(401)
    await loginAs(app, 'bob')
    for (let i = 0; i < 3; i++) expect((await app.inject(login('bob', 'nope'))).statusCode).toBe(401)
    const throttled = await app.inject(login('bob', 'bob-password'))
    expect(throttled.statusCode).toBe(429)
    expect(throttled.json()).toMatchObject({ error: 'rate_limited' })
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(800)
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(900)
    expect(logs.lines().some((l) => l.event === 'auth.login.throttled' && l.reason === 'username_ip')).toBe(
      true,
    )
    // other usernames are not affected, and neither is bob from another client (counted per username and IP)
    expect((await app.inject(login('alice', 'alice-password'))).statusCode).toBe(200)
    expect((await app.inject(login('bob', 'bob-password', '10.0.0.9'))).statusCode).toBe(200)
  })

  it('counts unknown usernames too', async () => {
    const { app } = await buildTestApp({ LOGIN_FAILURES_PER_USERNAME: '2', LOGIN_RATE_PER_MIN: '1000' })
    for (let i = 0; i < 2; i++) expect((await app.inject(login('ghost', 'x'))).statusCode).toBe(401)
    expect((await app.inject(login('ghost', 'x'))).statusCode).toBe(429)
  })

  it('throttles per IP with LOGIN_RATE_PER_MIN (429 + Retry-After), shared through Redis', async () => {
    const { app, config } = await buildTestApp({ LOGIN_RATE_PER_MIN: '3' })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++)
      statuses.push((await app.inject(login(`user${i}`, 'x', '192.0.2.7'))).statusCode)
    expect(statuses).toEqual([401, 401, 401, 429])
    const raw = createRedisClient(redisUrl())
    await raw.connect()
    onTestFinished(() => raw.close())
    expect(await raw.get(`${config.REDIS_KEY_PREFIX}ratelimit:POST/v1/auth/login:192.0.2.7`)).toBe('4')
    // a second instance on the same Redis sees the same count
    const { app: other } = await buildTestApp({
      LOGIN_RATE_PER_MIN: '3',
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    })
    const res = await other.inject(login('alice', 'alice-password', '192.0.2.7'))
    expect(res.statusCode).toBe(429)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    expect(res.json()).toMatchObject({ error: 'rate_limited' })
    expect((await other.inject(login('alice', 'alice-password', '192.0.2.8'))).statusCode).toBe(200)
  })
})
