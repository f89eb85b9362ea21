import { request as httpRequest } from 'node:http'
import { describe, expect, test } from 'vitest'
import { SUBPROTOCOL } from '@portcullis/protocol'
import { wireError } from '@portcullis/tokens'
import { extractCredential } from '../../src/auth/credentials.ts'
import { bearer, connect, refused, shared, startApp } from '../helper.ts'
import { MAX_HEADER_FIELDS } from '../../src/plugins/app/handshake.ts'

/** Sends a raw upgrade request with exactly these headers; resolves with status and body. */
async function rawUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const u = new URL(url.replace('ws:', 'http:'))
  return await new Promise((resolve, reject) => {
    const req = httpRequest({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      headers,
      agent: false,
    })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode ?? 0, body: '' })
    })
    req.on('error', reject)
    req.end()
  })
}

const goodHandshake = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
}

describe('refusals before 101', () => {
  test('400: plain GET, bad version, bad key, bad subprotocol header; JSON body', async () => {
    const t = await startApp()
    const { token } = await t.login()
    const auth = bearer(token)
    const plain = await rawUpgrade(t.url, auth)
    expect(plain.status).toBe(400)
    expect(JSON.parse(plain.body)).toMatchObject({ error: 'bad_handshake' })
    expect(
      (await rawUpgrade(t.url, { ...goodHandshake, ...auth, 'sec-websocket-version': '8' })).status,
    ).toBe(400)
    expect(
      (await rawUpgrade(t.url, { ...goodHandshake, ...auth, 'sec-websocket-key': 'short' })).status,
    ).toBe(400)
    const badProto = { ...goodHandshake, ...auth, 'sec-websocket-protocol': 'a b, {c}' }
    expect((await rawUpgrade(t.url, badProto)).status).toBe(400)
    expect((await rawUpgrade(t.url, { ...goodHandshake, ...auth })).status).toBe(101)
  })

  test('oversized headers are refused without harm', async () => {
    const t = await startApp()
    const res = await rawUpgrade(t.url, { ...goodHandshake, 'x-junk': 'a'.repeat(20_000) })
    expect(res.status).toBe(431)
    const { token } = await t.login()
    await connect(t.url, { headers: bearer(token) })
  })

  test('excessive header fields are refused (400) without harm, even with a valid token', async () => {
    const t = await startApp()
    const { token } = await t.login()
    const many = Object.fromEntries(Array.from({ length: MAX_HEADER_FIELDS }, (_, i) => [`x-h-${i}`, '1']))
    const res = await rawUpgrade(t.url, { ...goodHandshake, ...bearer(token), ...many })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toMatchObject({ error: 'bad_handshake' })
    await connect(t.url, { headers: bearer(token) })
  })

  test('403: Origin not allowed (before authentication: the ticket is not spent)', async () => {
    const t = await startApp()
    const login = await t.login()
    const ticket = await t.ticket(login, { origin: t.origin })
    const res = await refused(t.url, { query: `ticket=${ticket}`, origin: 'http://evil.test' })
    expect(res.status).toBe(403)
    expect(res.body).toMatchObject({ error: 'origin_forbidden' })
    await connect(t.url, { query: `ticket=${ticket}`, origin: t.origin })
  })

  test('one Origin policy: an allowed Origin in another case passes the guard and its ticket binding', async () => {
    const t = await startApp({ ALLOWED_ORIGINS: ['http://App.Test'] })
    const login = await t.login()
    await connect(t.url, { headers: bearer(login.token), origin: 'HTTP://APP.TEST' })
    // The api stores a ticket's Origin lower-cased; the browser may send any case of it.
    const ticket = await t.ticket(login, { origin: 'http://app.test' })
    await connect(t.url, { query: `ticket=${ticket}`, origin: 'http://APP.test' })
    expect(
      (await refused(t.url, { headers: bearer(login.token), origin: 'http://app.test.evil' })).status,
    ).toBe(403)
  })

  test('401: missing, garbage, alg none, wrong iss/aud, expired, nbf in the future, unknown kid, revoked session', async () => {
    const t = await startApp()
    const login = await t.login()
    const now = Math.floor(Date.now() / 1000)
    const base = { sub: login.userId, sid: login.sid }
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'missing_credentials'],
      [bearer('garbage'), 'invalid_token'],
      [bearer(t.tokens.token(base, { alg: 'none' })), 'invalid_token'],
      [bearer(t.tokens.token({ ...base, iss: 'x' })), 'invalid_token'],
      [bearer(t.tokens.token({ ...base, aud: 'x' })), 'invalid_token'],
      [bearer(t.tokens.token({ ...base, exp: now - 30 })), 'token_expired'],
      [bearer(t.tokens.token({ ...base, nbf: now + 300 })), 'invalid_token'],
      [bearer(t.tokens.token(base, { kid: 'unknown' })), 'invalid_token'],
      [bearer(t.tokens.token({ ...base, sid: 'no-such-session' })), 'session_revoked'],
    ]
    for (const [headers, error] of cases) {
      const res = await refused(t.url, { headers })
      expect(res.status, error).toBe(401)
      expect(res.body).toEqual({ error, message: expect.any(String) })
    }
    await t.store.revokeSession(login.sid, 'logout')
    expect((await refused(t.url, { headers: bearer(login.token) })).body.error).toBe('session_revoked')
  })

  test('401 for every attack token of @portcullis/tokens/testing, at the real endpoint, each counted', async () => {
    const t = await startApp({ AUTH_FAILURES_PER_MIN: 10_000, CONNECT_RATE_PER_MIN: 10_000 })
    const login = await t.login()
    const attacks = t.tokens.attacks()
    expect(attacks.length).toBeGreaterThan(50)
    for (const attack of attacks) {
      const headers = bearer(attack.token)
      const res = await refused(t.url, { headers })
      expect(res.status, attack.name).toBe(401)
      expect(res.body.error, attack.name).toBe(wireError(attack.failure).error)
      // Refused by the credential parser (a header that is no bearer token) or by the verifier, for its reason.
      const extracted = extractCredential({}, headers, false)
      const reason = extracted.ok ? `token_${attack.failure}` : extracted.reason
      expect(t.logs.events('ws.upgrade.refused').at(-1)?.reason, attack.name).toBe(reason)
    }
    // Each refusal counted toward the IP block.
    const failures = await t.redis.get(t.app.node.rtStore.keys.authFailures('127.0.0.1'))
    expect(Number(failures)).toBe(attacks.length)
    await connect(t.url, { headers: bearer(login.token) })
  })

  test('401 for a bearer subprotocol entry without portcullis.v1; with it, the server answers portcullis.v1 only', async () => {
    const t = await startApp()
    const { token } = await t.login()
    expect((await refused(t.url, { protocols: [`portcullis.bearer.${token}`] })).status).toBe(401)
    const c = await connect(t.url, { protocols: [SUBPROTOCOL, `portcullis.bearer.${token}`] })
    expect(c.ws.protocol).toBe(SUBPROTOCOL)
  })

  test('?access_token= works outside production only when ALLOW_QUERY_TOKEN', async () => {
    const on = await startApp()
    const a = await on.login()
    await connect(on.url, { query: `access_token=${a.token}` })
    const off = await startApp({ ALLOW_QUERY_TOKEN: false })
    const b = await off.login()
    expect((await refused(off.url, { query: `access_token=${b.token}` })).status).toBe(401)
  })

  test('429 + Retry-After: per-IP connect rate, counted across instances', async () => {
    const s = shared()
    const a = await startApp({ CONNECT_RATE_PER_MIN: 3 }, { shared: s })
    const b = await startApp({ CONNECT_RATE_PER_MIN: 3 }, { shared: s })
    const { token } = await a.login()
    for (const t of [a, a, b]) (await connect(t.url, { headers: bearer(token) })).close()
    const res = await refused(b.url, { headers: bearer(token) })
    expect(res.status).toBe(429)
    expect(res.body).toMatchObject({ error: 'rate_limited' })
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    expect((await refused(a.url, { headers: bearer(token) })).status).toBe(429)
  })

  test('429: failed authentications block the IP on every instance, with ip.blocked; even valid credentials', async () => {
    const s = shared()
    const a = await startApp({ AUTH_FAILURES_PER_MIN: 3, AUTH_BLOCK_S: 60 }, { shared: s })
    const b = await startApp({ AUTH_FAILURES_PER_MIN: 3, AUTH_BLOCK_S: 60 }, { shared: s })
    const { token } = await a.login()
    for (const t of [a, b, a]) expect((await refused(t.url, { headers: bearer('bad') })).status).toBe(401)
    for (const t of [a, b]) {
      const res = await refused(t.url, { headers: bearer(token) })
      expect(res.status).toBe(429)
      expect(res.body).toMatchObject({ error: 'ip_blocked' })
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(50)
    }
    expect(a.logs.events('ip.blocked')).toHaveLength(1)
    expect(a.logs.events('ip.blocked')[0]).toMatchObject({ ip: '127.0.0.1', reason: 'auth_failures' })
  })

  test('order: a blocked IP gets 429 before 403, a bad Origin gets 403 before 401', async () => {
    const t = await startApp({ AUTH_FAILURES_PER_MIN: 2 })
    expect((await refused(t.url, { origin: 'http://evil.test', headers: bearer('bad') })).status).toBe(403)
    for (let i = 0; i < 2; i++) await refused(t.url, { headers: bearer('bad') })
    expect((await refused(t.url, { origin: 'http://evil.test' })).status).toBe(429)
  })

  test('429 + Retry-After: per-user connection cap; a closed socket frees its slot', async () => {
    const t = await startApp({ MAX_CONNECTIONS_PER_USER: 2 })
    const { token } = await t.login('capped')
    const first = await connect(t.url, { headers: bearer(token) })
    await connect(t.url, { headers: bearer(token) })
    const res = await refused(t.url, { headers: bearer(token) })
    expect(res.status).toBe(429)
    expect(res.body).toMatchObject({ error: 'too_many_connections' })
    expect(res.headers['retry-after']).toBeDefined()
    first.close()
    await first.closed
    await new Promise((r) => setTimeout(r, 100))
    await connect(t.url, { headers: bearer(token) })
  })
})
