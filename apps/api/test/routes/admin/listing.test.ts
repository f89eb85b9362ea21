import { connectionLease, keys } from '@portcullis/sessions/redis'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, loginAs, rawRedis, testClock } from '../../helper.ts'

interface Listed {
  sessionId: string
  user: { id: string; username: string; roles: string[] }
  createdAt: number
  refreshedAt: number
  connections: number
}

async function list(
  app: FastifyInstance,
  token: string,
  query = '',
): Promise<{ sessions: Listed[]; nextCursor: string | null }> {
  const res = await app.inject({ method: 'GET', url: `/v1/admin/sessions${query}`, headers: bearer(token) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('GET /v1/admin/sessions', () => {
  it('requires a token (401) and the admin role in the store (403), like every admin route', async () => {
    const { app, logs } = await buildTestApp()
    const alice = await loginAs(app, 'alice')
    for (const url of ['/v1/admin/sessions', '/v1/admin/sessions?userId=u_alice', '/v1/admin/users']) {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401)
      const res = await app.inject({ method: 'GET', url, headers: bearer(alice.accessToken) })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ error: 'forbidden' })
    }
    expect(logs.lines().filter((l) => l.event === 'auth.forbidden')).toHaveLength(3)
  })

  it('lists live sessions newest first: user and current roles, created, last refreshed, live connections', async () => {
    const clock = testClock()
    const { app, config } = await buildTestApp({}, { now: clock.now })
    const admin = await loginAs(app, 'admin')
    clock.advance(1000)
    const bob = await loginAs(app, 'bob')
    const bobCreated = clock.t
    clock.advance(5000)
    const refreshed = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: bob.refreshToken },
    })
    expect(refreshed.statusCode).toBe(200)
    // Two live sockets of bob's session, on any realtime instance, and one whose lease ran out.
    const raw = await rawRedis()
    const slots = keys(config.REDIS_KEY_PREFIX).userConnections('u_bob')
    await raw.zAdd(slots, [
      { score: Date.now() + 60_000, value: connectionLease(bob.sessionId, 'c1') },
      { score: Date.now() + 60_000, value: connectionLease(bob.sessionId, 'c2') },
      { score: Date.now() - 1, value: connectionLease(bob.sessionId, 'gone') },
    ])
    const res = await app.inject({
      method: 'GET',
      url: '/v1/admin/sessions',
      headers: bearer(admin.accessToken),
    })
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({
      sessions: [
        {
          sessionId: bob.sessionId,
          user: { id: 'u_bob', username: 'bob', roles: ['user'] },
          createdAt: bobCreated,
          refreshedAt: clock.t,
          connections: 2,
        },
        {
          sessionId: admin.sessionId,
          user: { id: 'u_admin', username: 'admin', roles: ['user', 'admin'] },
          createdAt: bobCreated - 1000,
          refreshedAt: bobCreated - 1000,
          connections: 0,
        },
      ],
      nextCursor: null,
    })
  })

  it('pages with `cursor` and `limit`, filters with `userId`, and shows roles as the store has them now', async () => {
    const { app } = await buildTestApp()
    const admin = await loginAs(app, 'admin')
    const alices = [await loginAs(app, 'alice'), await loginAs(app, 'alice'), await loginAs(app, 'alice')]
    await loginAs(app, 'bob')
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await list(app, admin.accessToken, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      expect(page.sessions.length).toBeLessThanOrEqual(2)
      seen.push(...page.sessions.map((s) => s.sessionId))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)

    const mine = await list(app, admin.accessToken, '?userId=u_alice')
    expect(mine.sessions.map((s) => s.sessionId).toSorted()).toEqual(
      alices.map((a) => a.sessionId).toSorted(),
    )
    expect((await list(app, admin.accessToken, '?userId=u_nobody')).sessions).toEqual([])

    await app.inject({
      method: 'PUT',
      url: '/v1/admin/users/u_alice/roles',
      headers: bearer(admin.accessToken),
      payload: { roles: ['user', 'admin'] },
    })
    const after = await list(app, admin.accessToken, '?userId=u_alice&limit=1')
    expect(after.sessions[0]?.user.roles).toEqual(['user', 'admin'])
    expect(after.nextCursor).toEqual(expect.any(String))
  })

  it('drops revoked sessions at once', async () => {
    const { app } = await buildTestApp()
    const admin = await loginAs(app, 'admin')
    const alice = await loginAs(app, 'alice')
    await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(alice.accessToken) })
    expect((await list(app, admin.accessToken)).sessions.map((s) => s.sessionId)).toEqual([admin.sessionId])
  })

  it('400 invalid_request for a malformed cursor, limit, user id or an unknown parameter', async () => {
    const { app } = await buildTestApp()
    const admin = await loginAs(app, 'admin')
    for (const query of [
      '?cursor=nope',
      '?cursor=1:x',
      '?limit=0',
      '?limit=101',
      '?limit=many',
      '?userId=a%20b',
      '?page=2',
    ]) {
      const res = await app.inject({
        method: 'GET',
        url: `/v1/admin/sessions${query}`,
        headers: bearer(admin.accessToken),
      })
      expect(res.statusCode, query).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_request' })
    }
  })
})

describe('GET /v1/admin/users', () => {
  it('lists the directory by id with current roles (initial roles before a first login), paged', async () => {
    const { app } = await buildTestApp()
    const admin = await loginAs(app, 'admin')
    await app.inject({
      method: 'PUT',
      url: '/v1/admin/users/u_bob/roles',
      headers: bearer(admin.accessToken),
      payload: { roles: [] },
    })
    const all = await app.inject({
      method: 'GET',
      url: '/v1/admin/users',
      headers: bearer(admin.accessToken),
    })
    expect(all.json()).toEqual({
      users: [
        { id: 'u_admin', username: 'admin', roles: ['user', 'admin'] },
        { id: 'u_alice', username: 'alice', roles: ['user'] },
        { id: 'u_bob', username: 'bob', roles: [] },
      ],
      nextCursor: null,
    })
    const first = await app.inject({
      method: 'GET',
      url: '/v1/admin/users?limit=2',
      headers: bearer(admin.accessToken),
    })
    expect(first.json()).toMatchObject({ nextCursor: 'u_alice' })
    const rest = await app.inject({
      method: 'GET',
      url: '/v1/admin/users?limit=2&cursor=u_alice',
      headers: bearer(admin.accessToken),
    })
    expect(rest.json()).toEqual({ users: [{ id: 'u_bob', username: 'bob', roles: [] }], nextCursor: null })
    const bad = await app.inject({
      method: 'GET',
      url: '/v1/admin/users?limit=0',
      headers: bearer(admin.accessToken),
    })
    expect(bad.statusCode).toBe(400)
  })
})
