// The api on a real Redis Cluster (3 masters + 3 replicas, one per file), including a master killed with SIGKILL
// while requests flow: every store-backed answer is a success or a 503 within 2 s, never a 500, and the api
// recovers by itself.
import { describe, expect, it } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { useRedisCluster } from '@portcullis/testkit/cluster/vitest'
import { bearer, buildTestApp, listen, loginAs } from './helper.ts'

const cluster = useRedisCluster()

const onCluster = (env: Record<string, string> = {}) =>
  buildTestApp({ REDIS_CLUSTER_NODES: cluster().seeds, ...env })

describe('api on Redis Cluster', () => {
  it('logs in, mints tickets, refreshes, changes roles and logs out; events reach a listener', async () => {
    const { app, config } = await onCluster()
    const { events } = await listen(config.REDIS_KEY_PREFIX, { clusterNodes: cluster().seeds.split(',') })
    expect((await app.inject('/readyz')).statusCode).toBe(200)
    const admin = await loginAs(app, 'admin')
    const alice = await loginAs(app, 'alice')
    const ticket = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(alice.accessToken),
    })
    expect(ticket.statusCode).toBe(200)
    const refreshed = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: alice.refreshToken },
    })
    expect(refreshed.statusCode).toBe(200)
    const roles = await app.inject({
      method: 'PUT',
      url: `/v1/admin/users/${alice.user.id}/roles`,
      headers: bearer(admin.accessToken),
      payload: { roles: ['user', 'admin'] },
    })
    expect(roles.statusCode).toBe(200)
    const logout = await app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer((refreshed.json() as { accessToken: string }).accessToken),
    })
    expect(logout.statusCode).toBe(204)
    await waitFor(
      () => events.some((e) => e.type === 'session.revoked' && e.sid === alice.sessionId),
      'revoked',
    )
    expect(events.some((e) => e.type === 'user.roles_changed' && e.userId === alice.user.id)).toBe(true)
  })

  it('throttles logins and quotas through the cluster (the fixed-window counter by SHA)', async () => {
    const { app } = await onCluster({ LOGIN_FAILURES_PER_USERNAME: '2', TICKET_RATE_PER_MIN: '1' })
    const wrong = {
      method: 'POST' as const,
      url: '/v1/auth/login',
      payload: { username: 'bob', password: 'no' },
    }
    expect((await app.inject(wrong)).statusCode).toBe(401)
    expect((await app.inject(wrong)).statusCode).toBe(401)
    expect((await app.inject(wrong)).statusCode).toBe(429)
    const alice = await loginAs(app, 'alice')
    const ticket = { method: 'POST' as const, url: '/v1/auth/ws-ticket', headers: bearer(alice.accessToken) }
    expect((await app.inject(ticket)).statusCode).toBe(200)
    expect((await app.inject(ticket)).statusCode).toBe(429)
  })

  it(
    'kill -9 of a master while requests flow: 200 or 503 + Retry-After within 2 s (never 500), then recovered',
    { timeout: 60_000 },
    async () => {
      const { app } = await onCluster({ TICKET_RATE_PER_MIN: '100000' })
      const sessions = await Promise.all(['alice', 'bob', 'admin'].map((u) => loginAs(app, u)))
      const outcomes: Array<{ status: number; ms: number; retryAfter?: string }> = []
      const run = { stop: false }
      const traffic = (async () => {
        for (let i = 0; !run.stop; i++) {
          const started = Date.now()
          const res = await app.inject({
            method: 'POST',
            url: '/v1/auth/ws-ticket',
            headers: bearer(sessions[i % sessions.length]!.accessToken),
          })
          const retryAfter = res.headers['retry-after']
          outcomes.push({
            status: res.statusCode,
            ms: Date.now() - started,
            ...(retryAfter ? { retryAfter: String(retryAfter) } : {}),
          })
          await new Promise((r) => setTimeout(r, 20))
        }
      })()
      await new Promise((r) => setTimeout(r, 200))
      await cluster().killMaster()
      await waitFor(async () => (await app.inject('/readyz')).statusCode === 200, 'ready again', 30_000)
      await new Promise((r) => setTimeout(r, 500))
      run.stop = true
      await traffic
      const statuses = new Set(outcomes.map((o) => o.status))
      expect([...statuses].toSorted()).toEqual([200, 503])
      expect(outcomes.filter((o) => o.status === 503).every((o) => o.retryAfter === '2')).toBe(true)
      expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(2000)
      // Recovered: a new login and its refresh work, on every shard's keys.
      for (const user of ['alice', 'bob', 'admin']) {
        const pair = await loginAs(app, user)
        const res = await app.inject({
          method: 'POST',
          url: '/v1/auth/refresh',
          payload: { refreshToken: pair.refreshToken },
        })
        expect(res.statusCode).toBe(200)
      }
    },
  )
})
