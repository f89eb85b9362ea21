import { describe, expect, it } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { bearer, buildTestApp, listen, loginAs } from '../../helper.ts'

describe('admin routes', () => {
  it('require a token (401) and the admin role in the store (403)', async () => {
    const { app, logs } = await buildTestApp()
    const alice = await loginAs(app, 'alice')
    const routes = [
      { method: 'PUT' as const, url: '/v1/admin/users/u_bob/roles', payload: { roles: ['user'] } },
      { method: 'DELETE' as const, url: '/v1/admin/sessions/abc' },
      { method: 'DELETE' as const, url: '/v1/admin/users/u_bob/sessions' },
    ]
    for (const route of routes) {
      expect((await app.inject(route)).statusCode).toBe(401)
      const res = await app.inject({ ...route, headers: bearer(alice.accessToken) })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ error: 'forbidden' })
    }
    expect(logs.lines().filter((l) => l.event === 'auth.forbidden')).toHaveLength(3)
  })

  it('PUT roles writes the store, publishes user.roles_changed, and the store governs (not the token)', async () => {
    const { app, config } = await buildTestApp()
    const { events } = await listen(config.REDIS_KEY_PREFIX)
    const admin = await loginAs(app, 'admin')
    const bob = await loginAs(app, 'bob')
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/admin/users/u_bob/roles',
      headers: bearer(admin.accessToken),
      payload: { roles: ['user', 'admin'] },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ userId: 'u_bob', roles: ['user', 'admin'] })
    await waitFor(() => events.some((e) => e.type === 'user.roles_changed'), 'user.roles_changed')
    expect(events).toContainEqual(
      expect.objectContaining({
        v: 1,
        type: 'user.roles_changed',
        userId: 'u_bob',
        roles: ['user', 'admin'],
      }),
    )
    // bob's token still says ['user'], but the store now says admin: allowed
    const asBob = await app.inject({
      method: 'DELETE',
      url: '/v1/admin/sessions/none',
      headers: bearer(bob.accessToken),
    })
    expect(asBob.statusCode).toBe(204)
    // demote the admin: their token still claims admin, the store refuses
    await app.inject({
      method: 'PUT',
      url: '/v1/admin/users/u_admin/roles',
      headers: bearer(bob.accessToken),
      payload: { roles: ['user'] },
    })
    const asAdmin = await app.inject({
      method: 'DELETE',
      url: '/v1/admin/sessions/none',
      headers: bearer(admin.accessToken),
    })
    expect(asAdmin.statusCode).toBe(403)
    // a refresh now carries the new roles
    const refreshed = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: bob.refreshToken },
    })
    expect(refreshed.json()).toMatchObject({ user: { roles: ['user', 'admin'] } })
  })

  it('PUT roles: 400 for roles outside {user, admin} or duplicates, 404 for an unknown user', async () => {
    const { app } = await buildTestApp()
    const admin = await loginAs(app, 'admin')
    for (const roles of [['root'], ['user', 'user'], 'admin']) {
      const res = await app.inject({
        method: 'PUT',
        url: '/v1/admin/users/u_bob/roles',
        headers: bearer(admin.accessToken),
        payload: { roles },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
    }
    const unknown = await app.inject({
      method: 'PUT',
      url: '/v1/admin/users/u_nobody/roles',
      headers: bearer(admin.accessToken),
      payload: { roles: [] },
    })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ error: 'not_found' })
  })

  it('DELETE a session revokes it with an event; DELETE user sessions revokes all of them', async () => {
    const { app, config } = await buildTestApp()
    const { events } = await listen(config.REDIS_KEY_PREFIX)
    const admin = await loginAs(app, 'admin')
    const [a1, a2, a3] = [
      await loginAs(app, 'alice'),
      await loginAs(app, 'alice'),
      await loginAs(app, 'alice'),
    ]
    const one = await app.inject({
      method: 'DELETE',
      url: `/v1/admin/sessions/${a1.sessionId}`,
      headers: bearer(admin.accessToken),
    })
    expect(one.statusCode).toBe(204)
    await waitFor(() => events.length === 1, 'one revocation')
    expect(events[0]).toMatchObject({ type: 'session.revoked', sid: a1.sessionId, reason: 'admin' })
    expect(
      (await app.inject({ method: 'POST', url: '/v1/auth/ws-ticket', headers: bearer(a1.accessToken) }))
        .statusCode,
    ).toBe(401)

    const all = await app.inject({
      method: 'DELETE',
      url: '/v1/admin/users/u_alice/sessions',
      headers: bearer(admin.accessToken),
    })
    expect(all.statusCode).toBe(204)
    await waitFor(() => events.length === 3, 'two more revocations')
    expect(
      events
        .slice(1)
        .map((e) => e.type === 'session.revoked' && e.sid)
        .toSorted(),
    ).toEqual([a2.sessionId, a3.sessionId].toSorted())
    for (const pair of [a2, a3])
      expect(
        (await app.inject({ method: 'POST', url: '/v1/auth/ws-ticket', headers: bearer(pair.accessToken) }))
          .statusCode,
      ).toBe(401)
    // the admin's own session is untouched; unknown users are 404
    const unknown = await app.inject({
      method: 'DELETE',
      url: '/v1/admin/users/u_nobody/sessions',
      headers: bearer(admin.accessToken),
    })
    expect(unknown.statusCode).toBe(404)
  })
})
