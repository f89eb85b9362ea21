// docs/reference/http-api.md: tickets and refreshes beyond TICKET_RATE_PER_MIN per session answer 429 (+Retry-After), shared by
// every api instance through Redis.
import { keys } from '@portcullis/sessions/redis'
import { hashSecret } from '@portcullis/sessions'
import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, loginAs, rawRedis } from '../../helper.ts'

type Pair = Awaited<ReturnType<typeof loginAs>>

const refresh = (refreshToken: string) => ({
  method: 'POST' as const,
  url: '/v1/auth/refresh',
  payload: { refreshToken },
})
const ticket = (accessToken: string) => ({
  method: 'POST' as const,
  url: '/v1/auth/ws-ticket',
  headers: bearer(accessToken),
})

describe('per-session quotas (TICKET_RATE_PER_MIN)', () => {
  it('refuses the ticket past the budget with 429 + Retry-After, on every instance, for that session only', async () => {
    const { app, config, logs } = await buildTestApp({ TICKET_RATE_PER_MIN: '3' })
    const { app: other } = await buildTestApp({
      TICKET_RATE_PER_MIN: '3',
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    })
    const alice = await loginAs(app, 'alice')
    const statuses = []
    for (const instance of [app, other, app])
      statuses.push((await instance.inject(ticket(alice.accessToken))).statusCode)
    expect(statuses).toEqual([200, 200, 200])
    const refused = await other.inject(ticket(alice.accessToken))
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(/retry in \d+ seconds/) as string,
    })
    const retryAfter = Number(refused.headers['retry-after'])
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(logs.text()).not.toContain(alice.accessToken)
    // another session of the same user has its own budget
    const second = await loginAs(app, 'alice')
    expect((await app.inject(ticket(second.accessToken))).statusCode).toBe(200)
  })

  it('refuses the refresh past the budget without spending the token; forged tokens spend nothing', async () => {
    const { app, config, logs } = await buildTestApp({ TICKET_RATE_PER_MIN: '3' })
    const raw = await rawRedis()
    let pair: Pair = await loginAs(app, 'bob')
    // an attacker who knows the session id sends forged tokens: they are refused and do not count
    for (let i = 0; i < 5; i++)
      expect((await app.inject(refresh(`${pair.sessionId}.${'B'.repeat(43)}`))).statusCode).toBe(401)
    for (let i = 0; i < 3; i++) {
      const res = await app.inject(refresh(pair.refreshToken))
      expect(res.statusCode).toBe(200)
      pair = res.json<Pair>()
    }
    const refused = await app.inject(refresh(pair.refreshToken))
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toMatchObject({ error: 'rate_limited' })
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60)
    expect(logs.lines().some((l) => l.event === 'auth.quota.exceeded' && l.reason === 'refresh')).toBe(true)
    // the refused token is still the live one: the client retries after Retry-After, nothing is lost
    const session = keys(config.REDIS_KEY_PREFIX).session(pair.sessionId)
    expect(await raw.hGet(session, 'rt')).toBe(hashSecret(pair.refreshToken))
    // tickets have their own budget
    expect((await app.inject(ticket(pair.accessToken))).statusCode).toBe(200)
  })
})
