import { describe, expect, test } from 'vitest'
import { sessionRevoked } from '@portcullis/sessions'
import { bearer, connect, shared, startApp, type Client } from '../helper.ts'

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

describe('session events with two realtime instances on one Redis', () => {
  test('revocation closes every socket of the session on both instances with 4401 session_revoked', async () => {
    const s = shared()
    const a = await startApp({}, { shared: s })
    const b = await startApp({}, { shared: s })
    const login = await a.login('alice')
    const other = await a.login('alice')
    const onA = await connect(a.url, { headers: bearer(login.token) })
    const onB = await connect(b.url, { headers: bearer(login.token) })
    const otherSession = await connect(b.url, { headers: bearer(other.token) })
    await a.store.revokeSession(login.sid, 'logout')
    expect(await onA.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    expect(await onB.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    otherSession.send({ type: 'ping', id: 'still' })
    await otherSession.next({ type: 'pong' })
    expect(a.logs.events('session.revoked')[0]).toMatchObject({ sessionId: login.sid, reason: 'logout' })
  })

  test('revocation latency over 50 sessions (publish `at` → close observed), p99 ≤ 1 s', async () => {
    const s = shared()
    const a = await startApp({ MAX_CONNECTIONS_PER_USER: 100, CONNECT_RATE_PER_MIN: 1000 }, { shared: s })
    const b = await startApp({ MAX_CONNECTIONS_PER_USER: 100, CONNECT_RATE_PER_MIN: 1000 }, { shared: s })
    const sessions: Array<{ sid: string; userId: string; client: Client }> = []
    for (let i = 0; i < 50; i++) {
      const login = await a.login(`lat${i}`)
      const client = await connect((i % 2 ? a : b).url, { headers: bearer(login.token) })
      sessions.push({ sid: login.sid, userId: login.userId, client })
    }
    const latencies: number[] = []
    for (const { sid, userId, client } of sessions) {
      const event = sessionRevoked(sid, userId, 'admin')
      const closed = client.closed.then(() => Date.now() - event.at)
      await a.store.publish(event)
      latencies.push(await closed)
    }
    latencies.sort((x, y) => x - y)
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    process.stdout.write(
      `revocation latency over ${latencies.length} sessions: p50 ${p50} ms, p99 ${p99} ms, max ${latencies.at(-1)} ms\n`,
    )
    // docs/reference/protocol.md: target p99 ≤ 100 ms, never over 1 s. The timed target is benchmarked, not asserted here.
    expect(p99).toBeLessThanOrEqual(1000)
  })

  test('role change: session.updated on both instances, forbidden subscriptions dropped, socket stays open', async () => {
    const s = shared()
    const a = await startApp({}, { shared: s })
    const b = await startApp({}, { shared: s })
    const login = await a.login('root', ['user', 'admin'])
    const clients = [
      await connect(a.url, { headers: bearer(login.token) }),
      await connect(b.url, { headers: bearer(login.token) }),
    ]
    for (const c of clients) {
      c.send({ type: 'subscribe', id: 'a', channel: 'admin:ops' })
      c.send({ type: 'subscribe', id: 'p', channel: 'public:lobby' })
      await c.next({ id: 'a', type: 'subscribed' })
      await c.next({ id: 'p', type: 'subscribed' })
    }
    await a.store.setRoles('root', ['user'])
    for (const c of clients) {
      expect(await c.next({ type: 'session.updated' })).toEqual({ type: 'session.updated', roles: ['user'] })
      expect(await c.next({ type: 'unsubscribed' })).toEqual({
        type: 'unsubscribed',
        channel: 'admin:ops',
        reason: 'forbidden',
      })
      c.send({ type: 'publish', id: 'x', channel: 'admin:ops', text: 'no' })
      expect(await c.next({ id: 'x' })).toMatchObject({ type: 'error', code: 'forbidden' })
      c.send({ type: 'ping', id: 'alive' })
      await c.next({ type: 'pong', id: 'alive' })
      expect(c.frames.filter((f) => f.type === 'unsubscribed')).toHaveLength(1)
    }
  })
})
