import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, claimsOf, listen, loginAs, secretsIn } from '../../helper.ts'

const ORIGIN = 'http://localhost:5173'
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

describe('POST /v1/auth/ws-ticket', () => {
  it('mints an opaque ticket bound to session, Origin, token exp and kid, traceparent, stored only hashed', async () => {
    const { app, config, logs } = await buildTestApp()
    const { store } = await listen(config.REDIS_KEY_PREFIX)
    const pair = await loginAs(app, 'alice')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: { ...bearer(pair.accessToken), origin: ORIGIN, traceparent: TRACEPARENT },
    })
    expect(res.statusCode).toBe(200)
    const { ticket, expiresIn } = res.json<{ ticket: string; expiresIn: number }>()
    expect(expiresIn).toBe(30)
    expect(Buffer.from(ticket, 'base64url').length).toBeGreaterThanOrEqual(16)
    const { exp } = claimsOf(pair.accessToken)
    const { kid } = JSON.parse(Buffer.from(pair.accessToken.split('.')[0]!, 'base64url').toString()) as {
      kid: string
    }
    expect(kid).toBe(app.keys.current.kid)
    expect(await store.consumeTicket(ticket)).toEqual({
      sid: pair.sessionId,
      userId: 'u_alice',
      origin: ORIGIN,
      accessExp: exp * 1000,
      traceparent: TRACEPARENT,
      kid,
    })
    expect(await store.consumeTicket(ticket)).toBeNull()
    expect(secretsIn(logs, [ticket, pair.accessToken])).toEqual([])
  })

  it('binds null origin and drops a malformed traceparent', async () => {
    const { app, config } = await buildTestApp()
    const { store } = await listen(config.REDIS_KEY_PREFIX)
    const pair = await loginAs(app, 'alice')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: { ...bearer(pair.accessToken), traceparent: 'garbage' },
    })
    const grant = await store.consumeTicket(res.json<{ ticket: string }>().ticket)
    expect(grant).toMatchObject({ origin: null, traceparent: null })
  })

  it('exactly one of 20 parallel redeemers gets the ticket', async () => {
    const { app, config } = await buildTestApp()
    const redeemers = await Promise.all(Array.from({ length: 20 }, () => listen(config.REDIS_KEY_PREFIX)))
    const pair = await loginAs(app, 'bob')
    const { ticket } = (
      await app.inject({ method: 'POST', url: '/v1/auth/ws-ticket', headers: bearer(pair.accessToken) })
    ).json<{ ticket: string }>()
    const grants = await Promise.all(redeemers.map((r) => r.store.consumeTicket(ticket)))
    expect(grants.filter(Boolean)).toHaveLength(1)
  })

  it('expires after TICKET_TTL_S', async () => {
    const { app, config } = await buildTestApp({ TICKET_TTL_S: '1' })
    const { store } = await listen(config.REDIS_KEY_PREFIX)
    const pair = await loginAs(app, 'bob')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: bearer(pair.accessToken),
    })
    expect(res.json()).toMatchObject({ expiresIn: 1 })
    await sleep(1100)
    expect(await store.consumeTicket(res.json<{ ticket: string }>().ticket)).toBeNull()
  })

  it('one Origin policy: an allowed Origin in any case is accepted and stored lower-cased', async () => {
    const { app, config } = await buildTestApp({ ALLOWED_ORIGINS: 'https://App.Example' })
    const { store } = await listen(config.REDIS_KEY_PREFIX)
    const pair = await loginAs(app, 'alice')
    for (const origin of ['https://app.example', 'HTTPS://APP.EXAMPLE']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/auth/ws-ticket',
        headers: { ...bearer(pair.accessToken), origin },
      })
      expect(res.statusCode, origin).toBe(200)
      const grant = await store.consumeTicket(res.json<{ ticket: string }>().ticket)
      expect(grant).toMatchObject({ origin: 'https://app.example' })
    }
    const other = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: { ...bearer(pair.accessToken), origin: 'https://app.example.evil.test' },
    })
    expect(other.statusCode).toBe(403)
  })

  it('refuses a disallowed Origin (403) and a missing or bad token (401)', async () => {
    const { app } = await buildTestApp()
    const pair = await loginAs(app, 'bob')
    const evil = await app.inject({
      method: 'POST',
      url: '/v1/auth/ws-ticket',
      headers: { ...bearer(pair.accessToken), origin: 'https://evil.example' },
    })
    expect(evil.statusCode).toBe(403)
    expect(evil.json()).toMatchObject({ error: 'origin_not_allowed' })
    for (const headers of [
      {},
      { authorization: 'Bearer x.y.z' },
      { authorization: `Basic ${pair.accessToken}` },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/auth/ws-ticket', headers })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ error: 'unauthorized' })
    }
  })
})
