import { describe, expect, test } from 'vitest'
import { bearer, connect, startApp } from '../helper.ts'

const fast = { EXPIRY_WARNING_S: 1 }
const noLeeway = { deps: { expLeewayS: 0 } }

describe('token lifetime on a live socket', () => {
  test('auth.expiring EXPIRY_WARNING_S before exp, then 4401 token_expired without refresh', async () => {
    const t = await startApp(fast, noLeeway)
    const login = await t.login('exp1', ['user'], { expS: 2 })
    const c = await connect(t.url, { headers: bearer(login.token) })
    const expiring = await c.next({ type: 'auth.expiring' }, 3000)
    expect(expiring).toEqual({ type: 'auth.expiring', expiresAt: login.exp * 1000 })
    expect(await c.closed).toEqual({ code: 4401, reason: 'token_expired' })
    expect(Date.now()).toBeGreaterThanOrEqual(login.exp * 1000)
  })

  test('auth.refresh with a token of the same user and session moves the expiry', async () => {
    const t = await startApp(fast, noLeeway)
    const login = await t.login('exp2', ['user'], { expS: 2 })
    const c = await connect(t.url, { headers: bearer(login.token) })
    await c.next({ type: 'auth.expiring' }, 3000)
    const exp = Math.floor(Date.now() / 1000) + 60
    const fresh = t.tokens.token({ sub: login.userId, sid: login.sid, exp }, { alg: 'EdDSA' })
    c.send({ type: 'auth.refresh', id: 'r1', accessToken: fresh })
    expect(await c.next({ type: 'auth.refreshed' })).toEqual({
      type: 'auth.refreshed',
      id: 'r1',
      expiresAt: exp * 1000,
    })
    await new Promise((r) => setTimeout(r, Math.max(0, login.exp * 1000 - Date.now()) + 300))
    c.send({ type: 'ping', id: 'after' })
    await c.next({ type: 'pong', id: 'after' })
  })

  test('the session’s absolute end closes the socket 4401 session_expired; a fresh token does not move it', async () => {
    const t = await startApp(fast, noLeeway)
    const login = await t.login('ends', ['user'], { expS: 60, sessionEndsInMs: 1500 })
    const started = Date.now()
    const c = await connect(t.url, { headers: bearer(login.token) })
    const exp = Math.floor(Date.now() / 1000) + 120
    const fresh = t.tokens.token({ sub: login.userId, sid: login.sid, exp })
    c.send({ type: 'auth.refresh', id: 'r', accessToken: fresh })
    await c.next({ id: 'r', type: 'auth.refreshed' })
    expect(await c.closed).toEqual({ code: 4401, reason: 'session_expired' })
    const lived = Date.now() - started
    expect(lived).toBeGreaterThanOrEqual(1300)
    expect(lived).toBeLessThan(5000)
  })

  test('auth.refresh with another session’s token, or an invalid token → 4401 token_invalid', async () => {
    const t = await startApp(fast, noLeeway)
    const login = await t.login('exp3')
    const other = await t.login('exp3')
    const c = await connect(t.url, { headers: bearer(login.token) })
    c.send({ type: 'auth.refresh', id: 'r', accessToken: other.token })
    expect(await c.closed).toEqual({ code: 4401, reason: 'token_invalid' })
    const d = await connect(t.url, { headers: bearer(login.token) })
    d.send({
      type: 'auth.refresh',
      id: 'r',
      accessToken: t.tokens.token({ sub: 'exp3', sid: login.sid, iss: 'evil' }),
    })
    expect(await d.closed).toEqual({ code: 4401, reason: 'token_invalid' })
  })

  test('a token that expires in 40 days neither warns nor closes early', async () => {
    const t = await startApp(fast, noLeeway)
    const login = await t.login('far')
    const token = t.tokens.token({
      sub: login.userId,
      sid: login.sid,
      exp: Math.floor(Date.now() / 1000) + 40 * 86_400,
    })
    const c = await connect(t.url, { headers: bearer(token) })
    await new Promise((r) => setTimeout(r, 100))
    c.send({ type: 'ping', id: 'far' })
    await c.next({ type: 'pong', id: 'far' })
    expect(c.frames.filter((f) => f.type === 'auth.expiring')).toHaveLength(0)
  })

  test('nothing is delivered after exp, even before the sweep reaches the socket', async () => {
    const t = await startApp(fast, noLeeway)
    const login = await t.login('exp5', ['user'], { expS: 60 })
    const other = await t.login('exp6', ['user'], { expS: 60 })
    const c = await connect(t.url, { headers: bearer(login.token) })
    const p = await connect(t.url, { headers: bearer(other.token) })
    c.send({ type: 'subscribe', id: 's', channel: 'public:late' })
    await c.next({ type: 'subscribed' })
    // Move the socket's expiry into the past behind the sweep's back: only the send-side check can act.
    const conn = [...t.app.hub.connections.values()].find((x) => x.userId === login.userId)!
    conn.expMs = Date.now() - 1
    p.send({ type: 'publish', id: 'p', channel: 'public:late', text: 'after exp' })
    await p.next({ type: 'published' })
    expect(await c.closed).toEqual({ code: 4401, reason: 'token_expired' })
    expect(c.frames.filter((f) => f.type === 'message')).toHaveLength(0)
  })

  test('nothing is processed after exp, even before the sweep reaches the socket', async () => {
    const t = await startApp(fast, noLeeway)
    const login = await t.login('exp4', ['user'], { expS: 60 })
    const c = await connect(t.url, { headers: bearer(login.token) })
    // Move the socket's expiry into the past behind the sweep's back: only the per-frame check can act.
    const conn = [...t.app.hub.connections.values()][0]!
    conn.expMs = Date.now() - 1
    c.send({ type: 'ping', id: 'late' })
    expect(await c.closed).toEqual({ code: 4401, reason: 'token_expired' })
    expect(c.frames.filter((f) => f.type === 'pong')).toHaveLength(0)
  })
})
