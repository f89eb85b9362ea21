// The key lifecycle (docs/guides/realtime.md "Keys", issue 11 item 2) at the real endpoint: a real JWKS over HTTP
// on loopback (`@portcullis/tokens/testing`), real sockets, real Redis. Cold start, removal, outage.
import { describe, expect, test } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { JwksServer } from '@portcullis/tokens/testing'
import { bearer, Client, connect, open, refused, shared, startApp, type TestApp } from '../helper.ts'

/** The failed-authentication count of the test client's IP (what the IP block counts), 0 when none. */
async function failuresCounted(t: TestApp): Promise<number> {
  return Number((await t.redis.get(t.app.node.rtStore.keys.authFailures('127.0.0.1'))) ?? 0)
}

async function readyz(t: TestApp): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await t.app.inject('/readyz')
  return { status: res.statusCode, body: res.json() }
}

describe('cold start: realtime up before the api', () => {
  for (const down of ['refusing connections', 'answering 503'] as const) {
    test(`JWKS ${down}: /readyz and upgrades answer 503 (never 401, never counted) until keys load, then the token is accepted`, async () => {
      const s = shared()
      const jwks = await JwksServer.reserve(() => s.tokens.jwks())
      if (down === 'answering 503') {
        await jwks.up()
        jwks.status = 503
      }
      // The loop below may try many upgrades on a slow machine: the connect rate is not what this test is about.
      const t = await startApp({ JWKS_URL: jwks.url, CONNECT_RATE_PER_MIN: 100_000 }, { shared: s })
      const login = await t.login()

      expect(await readyz(t)).toEqual({ status: 503, body: { status: 'keys_unavailable' } })
      for (let i = 0; i < 5; i++) {
        const res = await refused(t.url, { headers: bearer(login.token) })
        expect(res.status).toBe(503)
        expect(res.body).toMatchObject({ error: 'unavailable' })
        expect(res.headers['retry-after']).toBe('2')
      }
      expect(await failuresCounted(t)).toBe(0)
      expect(t.logs.events('ws.upgrade.refused').map((e) => e.reason)).toEqual(
        Array(5).fill('token_keys_unavailable'),
      )

      // The api comes up: every attempt from now on is 503 or accepted, never 401, and once /readyz says 200 the
      // very next upgrade is accepted.
      if (down === 'answering 503') jwks.status = 200
      else await jwks.up()
      // Each attempt: was /readyz 200 just before it, and what did the upgrade answer (101 for a socket).
      const attempts: Array<{ ready: boolean; status: number }> = []
      const deadline = Date.now() + 15_000
      while (attempts.at(-1)?.status !== 101 && Date.now() < deadline) {
        const ready = (await readyz(t)).status === 200
        const attempt = await open(t.url, { headers: bearer(login.token) })
        attempts.push({ ready, status: attempt instanceof Client ? 101 : attempt.status })
        if (attempts.at(-1)?.status !== 101) await new Promise((r) => setTimeout(r, 20))
      }
      expect(attempts.at(-1)?.status).toBe(101)
      expect(attempts.filter((a) => a.status !== 503 && a.status !== 101)).toEqual([])
      expect(attempts.filter((a) => a.ready && a.status !== 101)).toEqual([])
      expect(await readyz(t)).toEqual({ status: 200, body: { status: 'ready' } })
      expect(await failuresCounted(t)).toBe(0)
    })
  }
})

describe('removal: a key the api stops publishing', () => {
  test('is refused at the upgrade and at auth.refresh, and its sockets (bearer and ticket) close 4401 within JWKS_REFRESH_S', async () => {
    const t = await startApp({ JWKS_REFRESH_S: 1 })
    const [kept, removed] = t.tokens.keys as [(typeof t.tokens.keys)[0], (typeof t.tokens.keys)[0]]
    const login = await t.login('u_removal') // signed by `kept`
    const tokenOf = (key: typeof kept, claims: Record<string, unknown> = {}) =>
      t.tokens.token({ sub: login.userId, sid: login.sid, ...claims }, { signWith: key })

    const byBearer = await connect(t.url, { headers: bearer(tokenOf(removed)) })
    const byTicket = await connect(t.url, {
      query: `ticket=${await t.ticket(login, { kid: removed.kid })}`,
      origin: t.origin,
    })
    const unaffected = await connect(t.url, { headers: bearer(login.token) })
    // Admitted with the removed key, but refreshed with the kept one before the removal: it lives on.
    const refreshed = await connect(t.url, { headers: bearer(tokenOf(removed)) })
    refreshed.send({ type: 'auth.refresh', id: 'r0', accessToken: tokenOf(kept) })
    await refreshed.next({ type: 'auth.refreshed', id: 'r0' })
    const lateRefresh = await connect(t.url, { headers: bearer(login.token) })

    const removedAt = Date.now()
    t.tokens.removeKey(removed.kid)
    expect(await byBearer.closed).toEqual({ code: 4401, reason: 'token_invalid' })
    expect(await byTicket.closed).toEqual({ code: 4401, reason: 'token_invalid' })
    // Within JWKS_REFRESH_S (1 s) of the JWKS change, plus the time to close.
    expect(Date.now() - removedAt).toBeLessThan(1800)
    expect(t.logs.events('keys.removed')).toEqual([
      expect.objectContaining({ kids: removed.kid, sockets: 2 }),
    ])

    const upgrade = await refused(t.url, { headers: bearer(tokenOf(removed)) })
    expect(upgrade).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    const ticket = await refused(t.url, {
      query: `ticket=${await t.ticket(login, { kid: removed.kid })}`,
      origin: t.origin,
    })
    expect(ticket).toMatchObject({ status: 401, body: { error: 'invalid_ticket' } })
    expect(t.logs.events('ws.upgrade.refused').map((e) => e.reason)).toEqual([
      'token_unknown_kid',
      'ticket_key_removed',
    ])
    lateRefresh.send({ type: 'auth.refresh', id: 'r1', accessToken: tokenOf(removed) })
    expect(await lateRefresh.closed).toEqual({ code: 4401, reason: 'token_invalid' })

    for (const alive of [unaffected, refreshed]) {
      alive.send({ type: 'ping', id: 'still' })
      await alive.next({ type: 'pong', id: 'still' })
    }
    // A ticket minted before tickets recorded their kid cannot be tied to a key: it is redeemed as before.
    await connect(t.url, { query: `ticket=${await t.ticket(login, { kid: null })}`, origin: t.origin })
  })
})

describe('outage: the JWKS cannot be fetched', () => {
  test('live sockets stay open and known kids verify from cache; past JWKS_MAX_STALE_S upgrades get 503, never 401', async () => {
    const t = await startApp({ JWKS_REFRESH_S: 1, JWKS_MAX_STALE_S: 3 })
    const login = await t.login()
    const live = await connect(t.url, { headers: bearer(login.token) })
    await t.jwks.down()
    const downAt = Date.now()
    await waitFor(() => t.app.node.keys.status().consecutiveFailures > 0, 'a failed fetch', 3000)

    // Within JWKS_MAX_STALE_S: the cached keys verify; an unknown kid may be a key we could not fetch (503).
    await connect(t.url, { headers: bearer(login.token) })
    live.send({
      type: 'auth.refresh',
      id: 'r1',
      accessToken: t.tokens.token({ sub: login.userId, sid: login.sid }),
    })
    await live.next({ type: 'auth.refreshed', id: 'r1' })
    const unknown = await refused(t.url, { headers: bearer(t.tokens.token({}, { kid: 'not-fetched-yet' })) })
    expect(unknown.status).toBe(503)
    expect((await readyz(t)).status).toBe(200)

    // Past JWKS_MAX_STALE_S without a successful fetch: fail closed, as 503, and /readyz says so.
    await waitFor(async () => (await readyz(t)).status === 503, 'keys stale', 5000)
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(1900) // stale 3 s after the last success, not earlier
    const stale = await refused(t.url, { headers: bearer(login.token) })
    expect(stale).toMatchObject({ status: 503, body: { error: 'unavailable' } })
    expect(stale.headers['retry-after']).toBe('2')
    live.send({
      type: 'auth.refresh',
      id: 'r2',
      accessToken: t.tokens.token({ sub: login.userId, sid: login.sid }),
    })
    expect(await live.next({ id: 'r2' })).toMatchObject({
      type: 'error',
      code: 'unavailable',
      retryAfterMs: 2000,
    })
    expect(await failuresCounted(t)).toBe(0)

    // The api is back: ready within about a second, the same socket never closed.
    await t.jwks.up()
    await waitFor(async () => (await readyz(t)).status === 200, 'keys fresh again', 5000)
    await connect(t.url, { headers: bearer(login.token) })
    live.send({ type: 'ping', id: 'p' })
    await live.next({ type: 'pong', id: 'p' })
    expect(t.logs.events('ws.closed')).toEqual([])
  })
})
