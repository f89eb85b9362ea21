import { waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { PortcullisClient, type ClientOptions } from '../src/index.ts'
import type { WebSocketFactory, WebSocketLike } from '../src/transport.ts'
import { startStack, type Stack } from '@portcullis/test-stack'

// The SDK against the real api + realtime + redis-server: every path a Node service would use.

let stack: Stack
beforeAll(async () => {
  stack = await startStack({ label: 'client' })
})
afterAll(async () => {
  await stack?.close()
})

const wsWithHeaders: WebSocketFactory = (url, protocols, headers) =>
  new WebSocket(url, protocols, { headers }) as unknown as WebSocketLike

function client(options: Partial<ClientOptions> = {}): PortcullisClient {
  const c = new PortcullisClient({
    apiUrl: stack.apiUrl,
    realtimeUrl: stack.realtimeUrl,
    backoff: { baseMs: 50, maxMs: 500 },
    requestTimeoutMs: 5000,
    ...options,
  })
  onTestFinished(() => c.disconnect())
  return c
}

/** fetch that claims to come from a page on an origin the api does not allow. */
const evil: typeof fetch = (input, init) =>
  fetch(input, {
    ...init,
    headers: { ...(init?.headers as Record<string, string>), origin: 'http://evil.example' },
  })

async function online(username: string, options: Partial<ClientOptions> = {}): Promise<PortcullisClient> {
  const c = client(options)
  await c.login(username, `${username}-password`)
  await c.connect()
  return c
}

describe('client SDK against the real stack', () => {
  it.each(['ticket', 'bearer-subprotocol', 'authorization-header'] as const)(
    'connects with %s and chats with typed replies matched by id',
    async (auth) => {
      const alice = await online('alice', { auth, createWebSocket: wsWithHeaders })
      const bob = await online('bob')
      expect(alice.state).toBe('open')
      expect(alice.user).toMatchObject({ username: 'alice', roles: ['user'] })
      const received: string[] = []
      bob.on('message', (m) => received.push(`${m.from.username}: ${m.text}`))
      const [a, b] = await Promise.all([alice.subscribe('public:lobby'), bob.subscribe('public:lobby')])
      expect([a.type, b.type]).toEqual(['subscribed', 'subscribed'])
      const [published, pong] = await Promise.all([
        alice.publish('public:lobby', `hi via ${auth}`),
        alice.ping(),
      ])
      expect(published).toMatchObject({ type: 'published', channel: 'public:lobby' })
      expect(pong.type).toBe('pong')
      await waitFor(() => received.includes(`alice: hi via ${auth}`), 'bob receives the message')
    },
  )

  it('rejects a forbidden channel with a typed error and keeps the socket', async () => {
    const alice = await online('alice')
    await expect(alice.subscribe('admin:ops')).rejects.toMatchObject({ code: 'forbidden', source: 'socket' })
    await expect(alice.ping()).resolves.toMatchObject({ type: 'pong' })
  })

  it('reports an invalid frame as an error event with code invalid_message', async () => {
    const alice = await online('alice')
    const codes: string[] = []
    alice.on('error', (e) => codes.push(e.code))
    alice.sendRaw('{"type":"launch_missiles","id":"x1"}')
    await waitFor(() => codes.includes('invalid_message'), 'invalid_message error')
    expect(alice.state).toBe('open')
  })

  it('refreshes the token and moves the live socket expiry with auth.refresh', async () => {
    const alice = await online('alice')
    const before = alice.socketExpiresAt
    const tokenBefore = alice.accessToken()
    await new Promise((r) => setTimeout(r, 1100)) // exp has second resolution
    await alice.refresh()
    expect(alice.accessToken()).not.toBe(tokenBefore)
    await waitFor(() => alice.socketExpiresAt > before, 'auth.refreshed moves the expiry')
    expect(alice.state).toBe('open')
  })

  it('sees role changes live and drops the channels they forbid, without reconnecting', async () => {
    const admin = await online('admin')
    const bob = await online('bob')
    const bobId = bob.user!.id
    const connectionId = (await bob.connect()).connectionId
    const roles: string[][] = []
    bob.on('rolesChanged', (r) => roles.push(r.roles))
    const dropped: string[] = []
    bob.on('unsubscribed', (u) => dropped.push(`${u.channel}:${u.reason}`))

    await admin.api.setRoles(admin.accessToken(), bobId, ['user', 'admin'])
    await waitFor(() => roles.some((r) => r.includes('admin')), 'bob gains admin')
    await bob.subscribe('admin:ops')
    await admin.api.setRoles(admin.accessToken(), bobId, ['user'])
    await waitFor(() => dropped.includes('admin:ops:forbidden'), 'admin:ops dropped')
    expect(bob.channels).not.toContain('admin:ops')
    expect(bob.state).toBe('open')
    expect((await bob.connect()).connectionId).toBe(connectionId)
  })

  it('lists users and live sessions for an admin (typed), one page at a time; a non-admin gets forbidden', async () => {
    const admin = await online('admin')
    const bob = await online('bob')
    const users = await admin.api.listUsers(admin.accessToken(), { limit: 2 })
    expect(users.users.map((u) => u.username)).toEqual(['admin', 'alice'])
    expect(users.nextCursor).toBe('u_alice')
    // The stack is shared by this file's tests: bob may have older sessions; this one is the newest.
    const mine = await admin.api.listSessions(admin.accessToken(), { userId: bob.user!.id, limit: 1 })
    expect(mine.sessions).toEqual([
      {
        sessionId: bob.sessionId,
        user: { id: bob.user!.id, username: 'bob', roles: ['user'] },
        createdAt: expect.any(Number) as number,
        refreshedAt: expect.any(Number) as number,
        connections: 1,
      },
    ])
    await expect(bob.api.listSessions(bob.accessToken())).rejects.toMatchObject({
      code: 'forbidden',
      status: 403,
    })
  })

  it('logs out within a second when an admin revokes the session, and does not reconnect', async () => {
    const admin = await online('admin')
    const alice = await online('alice', { auth: 'bearer-subprotocol' })
    const loggedOut: string[] = []
    alice.on('loggedOut', (e) => loggedOut.push(e.reason))
    const started = Date.now()
    await admin.api.revokeUserSessions(admin.accessToken(), alice.user!.id)
    await waitFor(() => loggedOut.length > 0, 'loggedOut', 1000)
    const elapsedMs = Date.now() - started
    expect(loggedOut).toEqual(['session_revoked'])
    expect(alice.lastClose).toMatchObject({ code: 4401, reason: 'session_revoked' })
    expect(alice.state).toBe('idle')
    expect(alice.loggedIn).toBe(false)
    expect(elapsedMs).toBeLessThan(1000)
  })

  it('logout revokes the session: the old refresh token no longer works', async () => {
    const alice = client()
    const login = await alice.login('alice', 'alice-password')
    await alice.connect()
    await alice.logout()
    expect(alice.state).toBe('idle')
    await expect(alice.api.refresh(login.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' })
  })

  it('reports a wrong password as invalid_credentials', async () => {
    await expect(client().login('alice', 'nope')).rejects.toMatchObject({
      code: 'invalid_credentials',
      status: 401,
    })
  })

  it('learns from the ticket call that its Origin is not allowed (403), and stops', async () => {
    const alice = client({ fetch: evil })
    await alice.login('alice', 'alice-password')
    const errors: string[] = []
    alice.on('error', (e) => errors.push(`${e.code}:${e.status}`))
    await expect(alice.connect()).rejects.toMatchObject({ code: 'forbidden' })
    expect(errors).toEqual(['forbidden:403'])
    expect(alice.state).toBe('closed')
  })

  it('sends the caller’s traceparent on HTTP calls', async () => {
    const seen: Array<string | null> = []
    const spy: typeof fetch = (input, init) => {
      seen.push(new Headers(init?.headers).get('traceparent'))
      return fetch(input, init)
    }
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const alice = client({ fetch: spy, traceparent: () => traceparent })
    await alice.login('alice', 'alice-password')
    await alice.connect()
    expect(seen).toEqual([traceparent, traceparent])
  })
})
