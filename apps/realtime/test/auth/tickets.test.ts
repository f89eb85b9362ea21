import { describe, expect, test } from 'vitest'
import { Client, connect, open, refused, startApp } from '../helper.ts'

describe('ticket redemption', () => {
  test('a ticket upgrades once; the socket lives until the minting token’s exp; replay → 401', async () => {
    const t = await startApp()
    const login = await t.login()
    const ticket = await t.ticket(login)
    const c = await connect(t.url, { query: `ticket=${ticket}`, origin: t.origin })
    expect(await c.next({ type: 'welcome' })).toMatchObject({ expiresAt: login.exp * 1000 })
    const replay = await refused(t.url, { query: `ticket=${ticket}`, origin: t.origin })
    expect(replay.status).toBe(401)
    expect(replay.body).toMatchObject({ error: 'invalid_ticket' })
  })

  test('20 parallel upgrades with one ticket → exactly one 101', async () => {
    const t = await startApp({ CONNECT_RATE_PER_MIN: 100 })
    const ticket = await t.ticket(await t.login())
    const results = await Promise.all(
      Array.from({ length: 20 }, () => open(t.url, { query: `ticket=${ticket}`, origin: t.origin })),
    )
    const accepted = results.filter((r) => r instanceof Client)
    expect(accepted).toHaveLength(1)
    expect(results.filter((r) => !(r instanceof Client) && r.status === 401)).toHaveLength(19)
  })

  test('Origin binding: minted with an Origin → only that Origin; minted without → only without (spent on mismatch)', async () => {
    const t = await startApp({ ALLOWED_ORIGINS: ['http://app.test', 'http://other.test'] })
    const login = await t.login()
    const withOrigin = await t.ticket(login, { origin: 'http://app.test' })
    expect(
      (await refused(t.url, { query: `ticket=${withOrigin}`, origin: 'http://other.test' })).status,
    ).toBe(401)
    // spent by the mismatch
    expect((await refused(t.url, { query: `ticket=${withOrigin}`, origin: 'http://app.test' })).status).toBe(
      401,
    )
    const withoutOrigin = await t.ticket(login, { origin: null })
    expect(
      (await refused(t.url, { query: `ticket=${withoutOrigin}`, origin: 'http://app.test' })).status,
    ).toBe(401)
    const again = await t.ticket(login, { origin: null })
    await connect(t.url, { query: `ticket=${again}` })
    const fromBrowser = await t.ticket(login, { origin: 'http://app.test' })
    expect((await refused(t.url, { query: `ticket=${fromBrowser}` })).status).toBe(401)
  })

  test('a ticket of a session revoked since, or of an expired token, or unknown → 401', async () => {
    const t = await startApp({}, { deps: { expLeewayS: 0 } })
    const login = await t.login()
    const ticket = await t.ticket(login)
    await t.store.revokeSession(login.sid, 'logout')
    expect((await refused(t.url, { query: `ticket=${ticket}`, origin: t.origin })).body.error).toBe(
      'session_revoked',
    )
    const other = await t.login()
    const stale = await t.ticket(other, { accessExp: Date.now() - 1000 })
    expect((await refused(t.url, { query: `ticket=${stale}`, origin: t.origin })).body.error).toBe(
      'token_expired',
    )
    expect((await refused(t.url, { query: 'ticket=made-up', origin: t.origin })).body.error).toBe(
      'invalid_ticket',
    )
  })
})
