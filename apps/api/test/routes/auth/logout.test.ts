import { describe, expect, it } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { bearer, buildTestApp, listen, loginAs } from '../../helper.ts'

describe('POST /v1/auth/logout', () => {
  it('revokes the session, publishes session.revoked, and the token stops working', async () => {
    const { app, config, logs } = await buildTestApp()
    const { events } = await listen(config.REDIS_KEY_PREFIX)
    const pair = await loginAs(app, 'alice')
    const other = await loginAs(app, 'alice')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(pair.accessToken),
    })
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    await waitFor(() => events.length > 0, 'session.revoked')
    expect(events).toEqual([
      expect.objectContaining({
        v: 1,
        type: 'session.revoked',
        sid: pair.sessionId,
        userId: 'u_alice',
        reason: 'logout',
      }),
    ])
    const again = await app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(pair.accessToken),
    })
    expect(again.statusCode).toBe(401)
    // the user's other session is untouched
    const ticket = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(other.accessToken),
    })
    expect(ticket.statusCode).toBe(200)
    expect(logs.lines().some((l) => l.event === 'auth.logout' && l.sessionId === pair.sessionId)).toBe(true)
  })
})
