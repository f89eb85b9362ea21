import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiClient } from '../src/http.ts'
import { Session, type LoggedOutReason } from '../src/session.ts'
import { fakeFetch, pair } from './fakes.ts'

afterEach(() => {
  vi.useRealTimers()
})

function setup(refreshAnswer: () => { status: number; body?: unknown; headers?: Record<string, string> }) {
  let n = 0
  const api = fakeFetch({
    'POST /v1/auth/login': () => ({ status: 200, body: pair(++n) }),
    'POST /v1/auth/refresh': refreshAnswer,
    'POST /v1/auth/exchange': (body) =>
      (body as { subjectToken?: string }).subjectToken === 'good-id-token'
        ? { status: 200, body: pair(++n) }
        : {
            status: 401,
            body: { error: 'invalid_subject_token', message: 'the subject token was not accepted' },
          },
  })
  const events: Array<string> = []
  const loggedOut: LoggedOutReason[] = []
  const session = new Session(
    new ApiClient({ apiUrl: 'http://api.test', fetch: api.fetch }),
    {
      onTokens: () => events.push('tokens'),
      onLoggedOut: (reason) => loggedOut.push(reason),
      onError: (error) => events.push(`error:${error.code}`),
    },
    { random: () => 0.5 },
  )
  return { session, api, events, loggedOut }
}

describe('Session (tokens in memory, refresh before expiry)', () => {
  it('refreshes at 75 % + jitter of the lifetime, before the token expires', async () => {
    vi.useFakeTimers()
    let n = 100
    const { session, api, events } = setup(() => ({ status: 200, body: pair(++n) }))
    await session.login('alice', 'alice-password')
    expect(session.accessToken()).toBe('access-1')
    // 300 s × (0.75 + 0.5 × 0.15) = 247.5 s
    await vi.advanceTimersByTimeAsync(247_000)
    expect(api.calls.filter((c) => c.key === 'POST /v1/auth/refresh')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1000)
    expect(api.calls.at(-1)).toMatchObject({
      key: 'POST /v1/auth/refresh',
      body: { refreshToken: 'refresh-1' },
    })
    expect(session.accessToken()).toBe('access-101')
    expect(events).toEqual(['tokens', 'tokens'])
    // The next refresh sends the rotated token.
    await vi.advanceTimersByTimeAsync(248_000)
    expect(api.calls.at(-1)?.body).toEqual({ refreshToken: 'refresh-101' })
  })

  it('an exchange (identity provider token) holds the session like a login: the refresh token rotates the same way', async () => {
    let n = 100
    const { session, api } = setup(() => ({ status: 200, body: pair(++n) }))
    await session.exchange({ subjectToken: 'good-id-token', nonce: 'n-1' })
    expect(api.calls.at(-1)).toMatchObject({
      key: 'POST /v1/auth/exchange',
      body: {
        subjectToken: 'good-id-token',
        subjectTokenType: 'urn:ietf:params:oauth:token-type:id_token',
        nonce: 'n-1',
      },
    })
    expect(session.accessToken()).toBe('access-1')
    await session.refresh()
    expect(api.calls.at(-1)).toMatchObject({
      key: 'POST /v1/auth/refresh',
      body: { refreshToken: 'refresh-1' },
    })
    await expect(session.exchange({ subjectToken: 'forged' })).rejects.toMatchObject({
      code: 'invalid_credentials',
      status: 401,
    })
  })

  it('sends one refresh for concurrent callers (the refresh token is single use)', async () => {
    let n = 100
    const { session, api } = setup(() => ({ status: 200, body: pair(++n) }))
    await session.login('alice', 'alice-password')
    const tokens = await Promise.all([session.refresh(), session.refresh(), session.refresh()])
    expect(tokens).toEqual(['access-101', 'access-101', 'access-101'])
    expect(api.calls.filter((c) => c.key === 'POST /v1/auth/refresh')).toHaveLength(1)
  })

  it('drops the tokens and reports loggedOut when the refresh is refused', async () => {
    const { session, loggedOut } = setup(() => ({ status: 401, body: { error: 'invalid_refresh_token' } }))
    await session.login('alice', 'alice-password')
    await expect(session.refresh('rejected', 'session_revoked')).rejects.toMatchObject({
      code: 'unauthorized',
    })
    expect(session.loggedIn).toBe(false)
    expect(loggedOut).toEqual(['session_revoked'])
    expect(() => session.accessToken()).toThrow(/not logged in/)
  })

  it('keeps the tokens on a transient failure and retries in the background', async () => {
    vi.useFakeTimers()
    let fail = true
    const { session, events } = setup(() =>
      fail
        ? { status: 503, body: { error: 'unavailable' }, headers: { 'retry-after': '2' } }
        : { status: 200, body: pair(7) },
    )
    await session.login('alice', 'alice-password')
    await vi.advanceTimersByTimeAsync(248_000)
    expect(events).toContain('error:unavailable')
    expect(session.accessToken()).toBe('access-1')
    fail = false
    await vi.advanceTimersByTimeAsync(2_500)
    expect(session.accessToken()).toBe('access-7')
  })

  it('never sends the password or a token anywhere but the body or Authorization header', async () => {
    const { session, api } = setup(() => ({ status: 200, body: pair(2) }))
    await session.login('alice', 'alice-password')
    await session.refresh()
    for (const call of api.calls) expect(call.key).not.toMatch(/password|access-|refresh-/)
  })
})
