import { afterEach, describe, expect, it, vi } from 'vitest'
import { PortcullisClient } from '../src/client.ts'
import { connected, flush, setup } from './harness.ts'

// Close classification and reconnect policy, driven through a scripted api and hand-driven sockets.
// The same behaviour against the real api + realtime is in client.integration.test.ts.

afterEach(() => {
  vi.useRealTimers()
})

describe('PortcullisClient: connect', () => {
  it('fetches a fresh ticket for every connect and puts only it in the URL', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    expect(t.api.calls.at(-1)).toMatchObject({ key: 'POST /v1/auth/ws-ticket' })
    expect(t.api.calls.at(-1)?.headers.authorization).toBe('Bearer access-1')
    expect(socket.url).toBe('ws://rt.test/v1/ws?ticket=t1')
    expect(socket.protocols).toEqual(['portcullis.v1'])
    expect(t.client.state).toBe('open')
    expect(t.states()).toEqual(['connecting', 'open'])

    socket.serverClose(1012, 'restart')
    await flush(1000)
    expect(t.sockets).toHaveLength(2)
    expect(t.sockets[1]!.url).toBe('ws://rt.test/v1/ws?ticket=t2')
  })
})

describe('PortcullisClient: stop while connecting', () => {
  it('an attempt stopped while its ticket call is in flight never opens a socket', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    await t.client.login('alice', 'alice-password')
    const first = t.client.connect().catch((e: unknown) => e)
    t.client.disconnect()
    const second = t.client.connect()
    await flush()
    expect(t.sockets).toHaveLength(1)
    t.sockets[0]!.welcome()
    await expect(second).resolves.toMatchObject({ type: 'welcome' })
    await expect(first).resolves.toMatchObject({ code: 'not_connected' })
  })
})

describe('PortcullisClient: secrets stay out of errors', () => {
  it('does not pass on a socket constructor error that quotes the ticket URL', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const errors: unknown[] = []
    const client = new PortcullisClient({
      apiUrl: 'http://api.test',
      realtimeUrl: 'ws://rt.test',
      fetch: t.api.fetch,
      createWebSocket: (url) => {
        throw new SyntaxError(`The URL '${url}' is invalid.`)
      },
      maxReconnectAttempts: 0,
    })
    client.on('error', (e) => errors.push(e))
    await client.login('alice', 'alice-password')
    await client.connect().catch(() => {})
    await flush()
    expect(errors).toHaveLength(1)
    const text =
      JSON.stringify(errors, Object.getOwnPropertyNames(errors[0])) + String((errors[0] as Error).cause)
    expect(text).not.toContain('ticket=')
    expect((errors[0] as Error).message).toBe('cannot open the socket (SyntaxError)')
  })
})

describe('PortcullisClient: expired tokens', () => {
  it('refreshes before connecting when the access token has (almost) expired', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    await t.client.login('alice', 'alice-password')
    // Time passes without timers firing (a sleeping laptop): the token is past its expiry.
    vi.setSystemTime(Date.now() + 301_000)
    void t.client.connect()
    await flush()
    expect(t.api.calls.map((c) => c.key).slice(-2)).toEqual([
      'POST /v1/auth/refresh',
      'POST /v1/auth/ws-ticket',
    ])
    expect(t.api.calls.at(-1)?.headers.authorization).toBe('Bearer access-2')
  })
})

describe('PortcullisClient: close codes', () => {
  it.each([1001, 1012, 1013, 1006])('reconnects with backoff after %i', async (code) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    socket.serverClose(code)
    expect(t.client.state).toBe('reconnecting')
    expect(t.client.lastClose).toMatchObject({ code, action: 'reconnect', willReconnect: true })
    // random 0.5 × window 100 ms = 50 ms
    await flush(49)
    expect(t.sockets).toHaveLength(1)
    await flush(1)
    expect(t.sockets).toHaveLength(2)
    t.sockets[1]!.welcome()
    expect(t.client.state).toBe('open')
  })

  it.each([
    [1003, 'unsupported_data'],
    [1009, ''],
    [4400, 'invalid_messages'],
  ])('never reconnects after the terminal code %i', async (code, reason) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    socket.serverClose(code, reason)
    await flush(60_000)
    expect(t.sockets).toHaveLength(1)
    expect(t.client.state).toBe('closed')
    expect(t.client.lastClose).toMatchObject({ code, reason, action: 'fix_client', willReconnect: false })
  })

  it('on 4401 refreshes, then reconnects with the new token', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    socket.serverClose(4401, 'token_expired')
    await flush(1000)
    const keys = t.api.calls.map((c) => c.key)
    expect(keys.slice(-2)).toEqual(['POST /v1/auth/refresh', 'POST /v1/auth/ws-ticket'])
    expect(t.api.calls.at(-1)?.headers.authorization).toBe('Bearer access-2')
    expect(t.sockets).toHaveLength(2)
  })

  it('on 4401 emits loggedOut and stops when the refresh is refused', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup({ refresh: () => ({ status: 401, body: { error: 'session_revoked' } }) })
    const socket = await connected(t)
    socket.serverClose(4401, 'session_revoked')
    await flush(60_000)
    expect(t.seen).toContainEqual(['loggedOut', { reason: 'session_revoked' }])
    expect(t.client.loggedIn).toBe(false)
    expect(t.client.state).toBe('idle')
    expect(t.client.lastClose).toMatchObject({ code: 4401, reason: 'session_revoked' })
    expect(t.sockets).toHaveLength(1)
  })

  it('after 4408 stays closed, then reopens on demand for the next request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    socket.serverClose(4408, 'idle_timeout')
    await flush(60_000)
    expect(t.client.state).toBe('closed')
    expect(t.sockets).toHaveLength(1)
    const published = t.client.publish('public:lobby', 'hi')
    await flush()
    const second = t.sockets[1]!
    second.welcome()
    await flush()
    expect(second.lastSent()).toMatchObject({ type: 'publish', channel: 'public:lobby', text: 'hi' })
    second.push({ type: 'published', id: second.lastSent().id, channel: 'public:lobby', messageId: 'm1' })
    await expect(published).resolves.toMatchObject({ messageId: 'm1' })
  })

  it('after 4429 backs off for the rate window before reconnecting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    socket.serverClose(4429, 'rate_limited')
    expect(t.client.lastClose).toMatchObject({ action: 'back_off', willReconnect: true })
    await flush(4999)
    expect(t.sockets).toHaveLength(1)
    await flush(100)
    expect(t.sockets).toHaveLength(2)
  })
})

describe('PortcullisClient: refusals learnt from the ticket call', () => {
  it('reports a socket that closes before welcome (a browser sees only 1006) and retries', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    await flush()
    t.sockets[0]!.serverClose(1006)
    expect(t.errors()).toEqual(['network'])
    expect(t.client.state).toBe('reconnecting')
    await flush(1000)
    expect(t.sockets).toHaveLength(2)
  })

  it('refreshes and retries when an upgrade with a bearer token is refused with 401', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    await flush()
    t.sockets[0]!.fail('Unexpected server response: 401')
    await flush(1000)
    expect(t.api.calls.map((c) => c.key)).toContain('POST /v1/auth/refresh')
    expect(t.sockets).toHaveLength(2)
  })

  it('reads the refusal status where the socket reveals it (Node ws), and acts on it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    await t.client.login('alice', 'alice-password')
    const result = t.client.connect().catch((e: unknown) => e)
    await flush()
    const socket = t.sockets[0]!
    socket.fail('Unexpected server response: 403')
    await expect(result).resolves.toMatchObject({ code: 'forbidden', status: 403 })
    expect(t.client.state).toBe('closed')
  })

  it('reports 403 as a typed forbidden error and stops', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup({ ticket: () => ({ status: 403, body: { error: 'origin_not_allowed' } }) })
    await t.client.login('alice', 'alice-password')
    const result = t.client.connect().catch((e: unknown) => e)
    await flush(60_000)
    expect(t.errors()).toEqual(['forbidden'])
    await expect(result).resolves.toMatchObject({ code: 'forbidden' })
    expect(t.client.state).toBe('closed')
    expect(t.sockets).toHaveLength(0)
  })

  it('waits Retry-After on 429, then connects', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    let limited = true
    const t = setup({
      ticket: () =>
        limited
          ? { status: 429, body: { error: 'rate_limited' }, headers: { 'retry-after': '3' } }
          : { status: 200, body: { ticket: 'tx', expiresIn: 30 } },
    })
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    await flush()
    expect(t.errors()).toEqual(['rate_limited'])
    limited = false
    await flush(2900)
    expect(t.sockets).toHaveLength(0)
    await flush(200)
    expect(t.sockets).toHaveLength(1)
  })

  it('refreshes once on a 401 ticket and emits loggedOut when that fails', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup({
      ticket: () => ({ status: 401, body: { error: 'unauthorized' } }),
      refresh: () => ({ status: 401, body: { error: 'unauthorized' } }),
    })
    await t.client.login('alice', 'alice-password')
    const result = t.client.connect().catch((e: unknown) => e)
    await flush(1000)
    expect(t.seen).toContainEqual(['loggedOut', { reason: 'refresh_failed' }])
    await expect(result).resolves.toMatchObject({ code: 'not_connected' })
    expect(t.client.state).toBe('idle')
  })
})

describe('PortcullisClient: live session', () => {
  it('follows role changes and forbidden drops, and re-subscribes after a reconnect', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    for (const channel of ['public:lobby', 'admin:ops']) {
      const sub = t.client.subscribe(channel)
      socket.push({ type: 'subscribed', id: socket.lastSent().id, channel })
      await sub
    }
    socket.push({ type: 'session.updated', roles: ['user'] })
    socket.push({ type: 'unsubscribed', channel: 'admin:ops', reason: 'forbidden' })
    expect(t.seen).toContainEqual(['rolesChanged', { roles: ['user'] }])
    expect(t.seen).toContainEqual(['unsubscribed', { channel: 'admin:ops', reason: 'forbidden' }])
    expect(t.client.channels).toEqual(['public:lobby'])

    socket.serverClose(1012, 'restart')
    await flush(1000)
    t.sockets[1]!.welcome()
    expect(t.sockets[1]!.lastSent()).toMatchObject({ type: 'subscribe', channel: 'public:lobby' })
  })

  it('sends one subscribe for concurrent subscribes to the same channel', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    const before = socket.sent.length
    const both = Promise.all([t.client.subscribe('public:lobby'), t.client.subscribe('public:lobby')])
    expect(socket.sent.length).toBe(before + 1)
    socket.push({ type: 'subscribed', id: socket.lastSent().id, channel: 'public:lobby' })
    const [a, b] = await both
    expect(a).toBe(b)
    expect(t.client.channels).toEqual(['public:lobby'])
  })

  it('on auth.expiring refreshes, or hands over a newer token the socket missed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    const refreshes = () => t.api.calls.filter((c) => c.key === 'POST /v1/auth/refresh').length
    socket.push({ type: 'auth.expiring', expiresAt: Date.now() + 30_000 })
    await flush()
    expect(refreshes()).toBe(1)
    expect(socket.lastSent()).toMatchObject({ type: 'auth.refresh', accessToken: 'access-2' })
    // The server refuses to move the expiry this time (an error reply): the socket still runs on access-1.
    socket.push({ type: 'error', id: socket.lastSent().id, code: 'unavailable', message: 'store down' })
    await flush()
    socket.push({ type: 'auth.expiring', expiresAt: Date.now() + 20_000 })
    await flush()
    expect(refreshes()).toBe(1)
    expect(socket.lastSent()).toMatchObject({ type: 'auth.refresh', accessToken: 'access-2' })
    socket.push({ type: 'auth.refreshed', id: socket.lastSent().id, expiresAt: Date.now() + 300_000 })
    await flush()
    // Now the socket has the current token: the next warning means a new refresh.
    socket.push({ type: 'auth.expiring', expiresAt: Date.now() + 30_000 })
    await flush()
    expect(refreshes()).toBe(2)
    expect(t.seen.filter(([e]) => e === 'expiring')).toHaveLength(3)
  })

  it('hands a refreshed token to the live socket with auth.refresh', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    await t.client.refresh()
    expect(socket.lastSent()).toMatchObject({ type: 'auth.refresh', accessToken: 'access-2' })
    const expiresAt = Date.now() + 300_000
    socket.push({ type: 'auth.refreshed', id: socket.lastSent().id, expiresAt })
    expect(t.client.socketExpiresAt).toBe(expiresAt)
  })

  it('reports error frames nobody waits for, and counts them against the rate budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    t.client.sendRaw('{not json')
    expect(t.client.rateBudget().tokens).toBe(39)
    socket.push({ type: 'error', code: 'invalid_message', message: 'frame is not valid JSON' })
    socket.push({ type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 50 })
    expect(t.errors()).toEqual(['invalid_message', 'rate_limited'])
    expect(t.client.rateBudget().tokens).toBe(0)
  })

  it('a new login closes the socket of the previous one and forgets its channels', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    const sub = t.client.subscribe('public:lobby')
    socket.push({ type: 'subscribed', id: socket.lastSent().id, channel: 'public:lobby' })
    await sub
    await t.client.login('bob', 'bob-password')
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'login' })
    expect(t.client.channels).toEqual([])
    expect(t.client.state).toBe('idle')
    expect(socket.sent.some((frame) => frame.includes('auth.refresh'))).toBe(false)
  })

  it('logout revokes at the api, closes the socket and does not reconnect', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    await t.client.logout()
    expect(t.api.calls.at(-1)?.key).toBe('POST /v1/auth/logout')
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'logout' })
    expect(t.seen).toContainEqual(['loggedOut', { reason: 'logout' }])
    await flush(60_000)
    expect(t.sockets).toHaveLength(1)
    expect(t.client.state).toBe('idle')
  })
})

describe('PortcullisClient: connect() during a reconnect', () => {
  it('does not open a second socket when called while the refresh after a 4401 is in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const t = setup()
    const socket = await connected(t)
    socket.serverClose(4401, 'token_expired')
    const again = t.client.connect()
    await flush(1000)
    expect(t.sockets).toHaveLength(2)
    t.sockets[1]!.welcome()
    await expect(again).resolves.toMatchObject({ type: 'welcome' })
    await flush(60_000)
    expect(t.sockets).toHaveLength(2)
    expect(t.client.state).toBe('open')
  })
})
