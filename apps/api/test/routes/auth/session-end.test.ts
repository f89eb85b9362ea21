// docs/reference/configuration.md: SESSION_MAX_AGE_S is an absolute session lifetime. Refresh past it is 401 `session_expired`; no
// refresh moves the session's expiry past `endsAt`; no access token carries an `exp` past it.
import { keys } from '@portcullis/sessions/redis'
import { setTimeout as sleep } from 'node:timers/promises'
import { hashSecret, SPENT_REFRESH_KEPT } from '@portcullis/sessions'
import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, claimsOf, loginAs, rawRedis, testClock } from '../../helper.ts'

const refresh = (refreshToken: string) => ({
  method: 'POST' as const,
  url: '/v1/auth/refresh',
  payload: { refreshToken },
})

type Pair = Awaited<ReturnType<typeof loginAs>>

describe('sessions end at SESSION_MAX_AGE_S', () => {
  it('refresh never extends a session past endsAt, tokens never outlive it, and past it refresh is 401 session_expired', async () => {
    const clock = testClock()
    const t0 = clock.t
    const { app, config, logs } = await buildTestApp(
      { SESSION_MAX_AGE_S: '3600', REFRESH_TOKEN_TTL_S: '1800', ACCESS_TOKEN_TTL_S: '300' },
      { now: clock.now },
    )
    const raw = await rawRedis()
    let pair: Pair = await loginAs(app, 'alice')
    const key = keys(config.REDIS_KEY_PREFIX).session(pair.sessionId)
    const endsAt = t0 + 3_600_000
    expect(await raw.hmGet(key, ['endsAt', 'expiresAt'])).toEqual([String(endsAt), String(t0 + 1_800_000)])

    const steps = [1700, 3400, 3500, 3590] // seconds after login
    for (const at of steps) {
      clock.t = t0 + at * 1000
      const res = await app.inject(refresh(pair.refreshToken))
      expect(res.statusCode, `refresh at +${at}s`).toBe(200)
      pair = res.json<Pair>()
      const { exp, iat } = claimsOf(pair.accessToken)
      expect(exp * 1000).toBeLessThanOrEqual(endsAt)
      expect(pair.expiresIn).toBe(exp - iat)
      const [storedEnd, storedExpiry] = (await raw.hmGet(key, ['endsAt', 'expiresAt'])).map(Number)
      expect(storedEnd).toBe(endsAt) // never moved
      expect(storedExpiry).toBe(Math.min(clock.t + 1_800_000, endsAt))
    }
    expect(pair.expiresIn).toBe(10) // the last token lives only to endsAt, not ACCESS_TOKEN_TTL_S

    clock.t = endsAt
    const expired = await app.inject(refresh(pair.refreshToken))
    expect(expired.statusCode).toBe(401)
    expect(expired.json()).toEqual({
      error: 'session_expired',
      message: 'the session reached its maximum age: log in again',
    })
    expect(
      logs.lines().some((l) => l.event === 'auth.refresh.failed' && l.reason === 'session_expired'),
    ).toBe(true)
    // the session is over for every route, and asking again changes nothing (no rotation, no revocation)
    const ticket = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(pair.accessToken),
    })
    expect(ticket.statusCode).toBe(401)
    clock.advance(3_600_000)
    expect((await app.inject(refresh(pair.refreshToken))).json()).toMatchObject({ error: 'session_expired' })
    // a forged token naming the session learns nothing about it
    const forged = await app.inject(refresh(`${pair.sessionId}.${'A'.repeat(43)}`))
    expect(forged.json()).toMatchObject({ error: 'invalid_refresh_token' })
    // a new login starts a new session with its own end
    clock.advance(1000)
    const again = await loginAs(app, 'alice')
    expect(claimsOf(again.accessToken).exp * 1000).toBeLessThanOrEqual(clock.t + 3_600_000)
  })

  it('clamps the first access token when SESSION_MAX_AGE_S is shorter than ACCESS_TOKEN_TTL_S', async () => {
    const clock = testClock()
    const { app } = await buildTestApp(
      { SESSION_MAX_AGE_S: '60', ACCESS_TOKEN_TTL_S: '300' },
      { now: clock.now },
    )
    const pair = await loginAs(app, 'bob')
    const { exp } = claimsOf(pair.accessToken)
    expect(exp * 1000).toBeLessThanOrEqual(clock.t + 60_000)
    expect(pair.expiresIn).toBeLessThanOrEqual(60)
  })

  it('over real time, on real Redis: a session of SESSION_MAX_AGE_S=1 cannot be refreshed after a second', async () => {
    const { app } = await buildTestApp({ SESSION_MAX_AGE_S: '1' })
    const pair = await loginAs(app, 'bob')
    await sleep(1100)
    const res = await app.inject(refresh(pair.refreshToken))
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ error: 'session_expired' })
  })

  it(`keeps the ${SPENT_REFRESH_KEPT} latest spent refresh hashes: older reuse is refused, recent reuse revokes`, async () => {
    const { app, config } = await buildTestApp({ TICKET_RATE_PER_MIN: '1000' })
    const raw = await rawRedis()
    const first = await loginAs(app, 'alice')
    const key = keys(config.REDIS_KEY_PREFIX).session(first.sessionId)
    const tokens = [first.refreshToken]
    for (let i = 0; i < SPENT_REFRESH_KEPT + 8; i++) {
      const res = await app.inject(refresh(tokens.at(-1)!))
      expect(res.statusCode).toBe(200)
      tokens.push(res.json<Pair>().refreshToken)
    }
    // the session hash stays bounded: its 6 record fields (`refreshedAt` among them), `rt`, `xn`, and two fields
    // per kept spent hash
    expect(await raw.hLen(key)).toBe(6 + 2 + 2 * SPENT_REFRESH_KEPT)
    expect(await raw.hGet(key, 'rt')).toBe(hashSecret(tokens.at(-1)!))
    // a token spent 40 rotations ago is just refused: the session lives on
    const stale = await app.inject(refresh(tokens[0]!))
    expect(stale.json()).toMatchObject({ error: 'invalid_refresh_token' })
    expect(await raw.exists(key)).toBe(1)
    // one spent within the kept window is theft: the whole session is revoked
    const recent = await app.inject(refresh(tokens.at(-2)!))
    expect(recent.json()).toMatchObject({ error: 'invalid_refresh_token' })
    expect(await raw.exists(key)).toBe(0)
    expect((await app.inject(refresh(tokens.at(-1)!))).statusCode).toBe(401)
  })
})
