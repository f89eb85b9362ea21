import { describe, expect, it } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { bearer, buildTestApp, listen, loginAs, secretsIn } from '../../helper.ts'

const refresh = (refreshToken: string) => ({
  method: 'POST' as const,
  url: '/v1/auth/refresh',
  payload: { refreshToken },
})

describe('POST /v1/auth/refresh', () => {
  it('rotates: a new pair, the old refresh token is spent', async () => {
    const { app } = await buildTestApp()
    const first = await loginAs(app, 'alice')
    const res = await app.inject(refresh(first.refreshToken))
    expect(res.statusCode).toBe(200)
    const second = res.json<typeof first>()
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(second.accessToken).not.toBe(first.accessToken)
    expect(second.sessionId).toBe(first.sessionId)
    expect(second.user).toEqual(first.user)
    const third = await app.inject(refresh(second.refreshToken))
    expect(third.statusCode).toBe(200)
  })

  it('reuse of a spent token revokes the whole session and publishes session.revoked', async () => {
    const { app, config, logs } = await buildTestApp()
    const { events } = await listen(config.REDIS_KEY_PREFIX)
    const first = await loginAs(app, 'alice')
    const second = (await app.inject(refresh(first.refreshToken))).json<typeof first>()
    const reuse = await app.inject(refresh(first.refreshToken))
    expect(reuse.statusCode).toBe(401)
    expect(reuse.json()).toMatchObject({ error: 'invalid_refresh_token' })
    // the legitimate holder's newer token is dead too, and so is the access token
    expect((await app.inject(refresh(second.refreshToken))).statusCode).toBe(401)
    const ticket = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(second.accessToken),
    })
    expect(ticket.statusCode).toBe(401)
    await waitFor(() => events.find((e) => e.type === 'session.revoked'), 'session.revoked')
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'session.revoked',
        sid: first.sessionId,
        userId: 'u_alice',
        reason: 'refresh_reused',
      }),
    )
    expect(logs.lines().filter((l) => l.event === 'auth.refresh.reused')).toHaveLength(1)
    expect(
      secretsIn(logs, [first.refreshToken, second.refreshToken, first.accessToken, second.accessToken]),
    ).toEqual([])
  })

  it('two concurrent uses of one token count as reuse: the session ends up revoked', async () => {
    const { app } = await buildTestApp()
    const pair = await loginAs(app, 'alice')
    const results = await Promise.all([
      app.inject(refresh(pair.refreshToken)),
      app.inject(refresh(pair.refreshToken)),
    ])
    const codes = results.map((r) => r.statusCode)
    expect(codes).toContain(401)
    expect(codes.filter((c) => c === 200).length).toBeLessThanOrEqual(1)
    for (const res of results.filter((r) => r.statusCode === 200))
      expect((await app.inject(refresh(res.json<typeof pair>().refreshToken))).statusCode).toBe(401)
    const ticket = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(pair.accessToken),
    })
    expect(ticket.statusCode).toBe(401)
  })

  it('refuses unknown, forged and malformed tokens', async () => {
    const { app } = await buildTestApp()
    const { refreshToken, sessionId } = await loginAs(app, 'bob')
    const forged = `${sessionId}.${'A'.repeat(43)}`
    expect((await app.inject(refresh(forged))).statusCode).toBe(401)
    // a forged token for a known session does not revoke it
    expect((await app.inject(refresh(refreshToken))).statusCode).toBe(200)
    const malformed = await app.inject(refresh('not-a-token'))
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('refuses refresh after logout', async () => {
    const { app } = await buildTestApp()
    const pair = await loginAs(app, 'bob')
    expect(
      (await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(pair.accessToken) }))
        .statusCode,
    ).toBe(204)
    expect((await app.inject(refresh(pair.refreshToken))).statusCode).toBe(401)
  })
})
