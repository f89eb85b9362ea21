import { afterEach, describe, expect, it, vi } from 'vitest'
import { PortcullisError } from '../src/errors.ts'
import type { AccessGrant, TokenProvider, TokenRequestReason } from '../src/token-provider.ts'
import { fakeTimers, flush, frames, setup, type Answer } from './harness.ts'

// An app that holds the tokens itself (identity-provider exchange, its own backend) drives the SDK through
// `tokenProvider`: no password, no refresh token in the SDK, still a fresh ticket per connect.

afterEach(() => {
  vi.useRealTimers()
})

/** A provider that hands out `idp-access-<n>` and records why it was asked. */
function provider(answer?: (reason: TokenRequestReason, n: number) => AccessGrant | null | Promise<never>) {
  const asked: TokenRequestReason[] = []
  let n = 0
  const fn: TokenProvider = async ({ reason }) => {
    asked.push(reason)
    n++
    return answer ? answer(reason, n) : { accessToken: `idp-access-${n}`, expiresIn: 300 }
  }
  return { fn, asked }
}

function withProvider(fn: TokenProvider, overrides: { ticket?: () => Answer } = {}) {
  return setup({ ...overrides, options: { tokenProvider: fn } })
}

describe('PortcullisClient with a tokenProvider', () => {
  it('connects with the provider’s token and a fresh ticket, never calling login or refresh', async () => {
    fakeTimers()
    const p = provider()
    const t = withProvider(p.fn)
    expect(t.client.loggedIn).toBe(true)
    const welcome = t.client.connect()
    await flush()
    expect(p.asked).toEqual(['initial'])
    expect(t.api.calls.map((c) => c.key)).toEqual(['POST /v1/auth/ws-ticket'])
    expect(t.api.calls[0]?.headers.authorization).toBe('Bearer idp-access-1')
    expect(t.sockets[0]!.url).toBe('ws://rt.test/v1/ws?ticket=t1')
    // Who the user is comes from `welcome` when the provider does not say.
    expect(t.client.user).toBeUndefined()
    t.sockets[0]!.welcome()
    await welcome
    expect(t.client.user).toEqual({ id: 'u-alice', username: 'alice', roles: ['user'] })
  })

  it('asks for a fresh token before expiry and hands it to the live socket', async () => {
    fakeTimers()
    const p = provider()
    const t = withProvider(p.fn)
    void t.client.connect()
    await flush()
    t.sockets[0]!.welcome()
    // 300 s × (0.75 + 0.5 × 0.15) = 247.5 s
    await flush(247_500)
    expect(p.asked).toEqual(['initial', 'refresh'])
    expect(t.sockets[0]!.lastSent()).toMatchObject({ type: 'auth.refresh', accessToken: 'idp-access-2' })
    expect(t.api.calls.map((c) => c.key)).not.toContain('POST /v1/auth/refresh')
  })

  it('asks for a new token (`rejected`) when the ticket call refuses the one it has', async () => {
    fakeTimers()
    let refused = true
    const p = provider()
    const t = withProvider(p.fn, {
      ticket: () => {
        if (!refused) return { status: 200, body: { ticket: 'tk', expiresIn: 30 } }
        refused = false
        return { status: 401, body: { error: 'unauthorized' } }
      },
    })
    void t.client.connect()
    await flush()
    expect(p.asked).toEqual(['initial', 'rejected'])
    expect(t.api.calls.map((c) => c.headers.authorization)).toEqual([
      'Bearer idp-access-1',
      'Bearer idp-access-2',
    ])
    expect(t.sockets).toHaveLength(1)
  })

  it('ends the session when the provider answers null after a 4401, failing what waits', async () => {
    fakeTimers()
    const p = provider((reason, n) =>
      reason === 'rejected' ? null : { accessToken: `a${n}`, expiresIn: 300 },
    )
    const t = withProvider(p.fn)
    void t.client.connect()
    await flush()
    t.sockets[0]!.welcome()
    t.sockets[0]!.serverClose(4401, 'session_revoked')
    const queued = t.client.publish('public:lobby', 'too late').catch((e: unknown) => e)
    await flush(1000)
    expect(p.asked).toEqual(['initial', 'rejected'])
    expect(t.seen).toContainEqual(['loggedOut', { reason: 'session_revoked' }])
    expect(t.client.loggedIn).toBe(false)
    expect(t.client.state).toBe('idle')
    await expect(queued).resolves.toMatchObject({ code: 'not_connected' })
    expect(() => t.client.accessToken()).toThrow(/not logged in/)
    expect(t.sockets).toHaveLength(1)
  })

  it('treats a thrown unauthorized PortcullisError like null (a refused refresh behind the provider)', async () => {
    fakeTimers()
    const p = provider((reason, n) =>
      reason === 'refresh'
        ? Promise.reject(
            new PortcullisError('unauthorized', 'refresh refused', { source: 'http', status: 401 }),
          )
        : { accessToken: `a${n}`, expiresIn: 300 },
    )
    const t = withProvider(p.fn)
    void t.client.connect()
    await flush()
    t.sockets[0]!.welcome()
    await expect(t.client.refresh()).rejects.toMatchObject({ code: 'unauthorized' })
    expect(t.seen).toContainEqual(['loggedOut', { reason: 'refresh_failed' }])
    expect(t.client.state).toBe('idle')
  })

  it('keeps the token through a transient provider failure and asks again with backoff', async () => {
    fakeTimers()
    let down = true
    const p = provider((reason, n) =>
      reason === 'refresh' && down
        ? Promise.reject(new Error('identity provider unreachable'))
        : { accessToken: `a${n}`, expiresIn: 300 },
    )
    const t = withProvider(p.fn)
    void t.client.connect()
    await flush()
    const socket = t.sockets[0]!
    socket.welcome()
    await flush(247_500)
    expect(t.errors()).toEqual(['network'])
    expect(t.client.accessToken()).toBe('a1')
    expect(t.client.state).toBe('open')
    down = false
    await flush(15_000)
    const token = `a${p.asked.length}`
    expect(t.client.accessToken()).toBe(token)
    expect(frames(socket)).toContainEqual(
      expect.objectContaining({ type: 'auth.refresh', accessToken: token }),
    )
  })

  it('rejects a malformed grant as a programming error and ends the session', async () => {
    fakeTimers()
    const t = withProvider(async () => ({ accessToken: '', expiresIn: 300 }))
    const result = t.client.connect().catch((e: unknown) => e)
    await flush()
    await expect(result).resolves.toMatchObject({ code: 'not_connected' })
    // The app learns what is wrong on the error event, then that the session ended.
    const error = t.seen.find(([e]) => e === 'error')?.[1]
    expect(error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('tokenProvider') })
    expect(t.seen).toContainEqual(['loggedOut', { reason: 'refresh_failed' }])
    expect(t.sockets).toHaveLength(0)
  })

  it('refuses login(), and a connect() after the session ended asks the provider again', async () => {
    fakeTimers()
    let ended = true
    const p = provider((reason, n) => (ended && n === 1 ? null : { accessToken: `a${n}`, expiresIn: 300 }))
    const t = withProvider(p.fn)
    await expect(t.client.login('alice', 'alice-password')).rejects.toThrow(TypeError)
    await expect(t.client.connect()).rejects.toMatchObject({ code: 'not_connected' })
    expect(t.client.loggedIn).toBe(false)
    ended = false
    const welcome = t.client.connect()
    await flush()
    t.sockets[0]!.welcome()
    await expect(welcome).resolves.toMatchObject({ type: 'welcome' })
    expect(p.asked).toEqual(['initial', 'initial'])
  })

  it('ignores a refresh token in the grant and never calls the refresh route', async () => {
    fakeTimers()
    const t = withProvider(async () => ({
      accessToken: 'from-exchange',
      refreshToken: 'kept-by-the-app',
      expiresIn: 300,
      sessionId: 's-9',
      user: { id: 'u-alice', username: 'alice', roles: ['user'] },
    }))
    void t.client.connect()
    await flush()
    t.sockets[0]!.welcome()
    await flush(600_000)
    expect(t.client.sessionId).toBe('s-9')
    expect(t.api.calls.map((c) => c.key)).not.toContain('POST /v1/auth/refresh')
    expect(JSON.stringify(t.api.calls)).not.toContain('kept-by-the-app')
    // The same token again moves nothing: no auth.refresh for it.
    expect(frames(t.sockets[0]!).filter((f) => f.type === 'auth.refresh')).toEqual([])
  })
})
