import { parseSecurityFeedEntry, parseServerMessage, SECURITY_FEED_CHANNEL } from '@portcullis/protocol'
import { waitFor } from '@portcullis/testkit'
import { bearer, connect, refused, type Client } from '@portcullis/testkit/ws'
import { describe, expect, onTestFinished, test } from 'vitest'
import { startStack } from '../src/index.ts'

// The admin console's data end to end: the real api lists what two real realtime instances hold, and both apps'
// security events reach an admin's socket on the feed.

async function twoInstances() {
  const s = await startStack({ label: 'admin', realtimeInstances: 2 })
  onTestFinished(() => s.close())
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${s.apiUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> }
  }
  const login = async (username: string, password = `${username}-password`) => {
    const res = await call('POST', '/v1/auth/login', undefined, { username, password })
    return res.body as { accessToken: string; sessionId: string }
  }
  const [first, second] = s.realtimeUrls.map((url) => `${url}/v1/ws`) as [string, string]
  return { call, login, first, second }
}

describe('admin console across apps', () => {
  test('GET /v1/admin/sessions counts each session’s live sockets on every realtime instance', async () => {
    const { call, login, first, second } = await twoInstances()
    const admin = await login('admin')
    const bobA = await login('bob')
    const bobB = await login('bob')
    const sockets = [
      await connect(first, { headers: bearer(bobA.accessToken) }),
      await connect(second, { headers: bearer(bobA.accessToken) }),
      await connect(second, { headers: bearer(bobB.accessToken) }),
    ]
    const counts = async () => {
      const res = await call('GET', '/v1/admin/sessions?userId=u_bob', admin.accessToken)
      expect(res.status).toBe(200)
      const sessions = res.body.sessions as Array<{ sessionId: string; connections: number }>
      return Object.fromEntries(sessions.map((s) => [s.sessionId, s.connections]))
    }
    expect(await counts()).toEqual({ [bobA.sessionId]: 2, [bobB.sessionId]: 1 })
    sockets[0]!.close()
    await waitFor(async () => (await counts())[bobA.sessionId] === 1, 'the closed socket stops counting')
    await call('DELETE', `/v1/admin/sessions/${bobB.sessionId}`, admin.accessToken)
    expect(await sockets[2]!.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    await waitFor(
      async () => JSON.stringify(await counts()) === JSON.stringify({ [bobA.sessionId]: 1 }),
      'revoked',
    )
  })

  test('the api’s and realtime’s security events reach an admin socket on the feed; a non-admin gets 403', async () => {
    const { call, login, first, second } = await twoInstances()
    const admin = await login('admin')
    const alice = await login('alice')
    const feed: Client = await connect(second, { headers: bearer(admin.accessToken) })
    feed.send({ type: 'subscribe', id: 'f', channel: SECURITY_FEED_CHANNEL })
    await feed.next({ id: 'f', type: 'subscribed' })
    const entries = () =>
      feed.frames.flatMap((f) => {
        const parsed = parseServerMessage(JSON.stringify(f))
        const entry =
          parsed.ok && parsed.message.type === 'message' ? parseSecurityFeedEntry(parsed.message) : null
        return entry ? [entry] : []
      })

    expect(
      (await call('POST', '/v1/auth/login', undefined, { username: 'bob', password: 'NOT-BOBS-PASSWORD' }))
        .status,
    ).toBe(401)
    expect(
      (await refused(first, { headers: bearer(alice.accessToken), origin: 'https://evil.example' })).status,
    ).toBe(403)
    expect((await call('GET', '/v1/admin/sessions', alice.accessToken)).status).toBe(403)
    await waitFor(() => entries().length >= 3, 'three feed entries')
    expect(entries().map((e) => [e.source, e.event, e.reason])).toEqual(
      expect.arrayContaining([
        ['api', 'auth.login.failed', 'bad_password'],
        ['realtime', 'ws.upgrade.refused', 'origin_not_allowed'],
        ['api', 'auth.forbidden', 'not_admin'],
      ]),
    )
    const text = JSON.stringify(feed.frames)
    for (const secret of ['NOT-BOBS-PASSWORD', alice.accessToken, admin.accessToken])
      expect(text).not.toContain(secret)
  })
})
