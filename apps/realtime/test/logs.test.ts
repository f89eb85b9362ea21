import { expect, test } from 'vitest'
import { SUBPROTOCOL } from '@portcullis/protocol'
import { bearer, connect, refused, startApp } from './helper.ts'

test('no token or ticket reaches the logs; request URLs are redacted; upgrades are logged by their events with ip, userId, connectionId', async () => {
  const t = await startApp({ AUTH_FAILURES_PER_MIN: 1000 })
  const login = await t.login()
  const ticket = await t.ticket(login)
  const spentTicket = await t.ticket(login)
  const secrets = [login.token, ticket, spentTicket]
  const ok = await connect(t.url, { query: `ticket=${ticket}`, origin: t.origin })
  await connect(t.url, { protocols: [SUBPROTOCOL, `portcullis.bearer.${login.token}`] })
  await connect(t.url, { query: `access_token=${login.token}` })
  await connect(t.url, { headers: bearer(login.token) })
  await connect(t.url, { query: `ticket=${spentTicket}`, origin: t.origin })
  await refused(t.url, { query: `ticket=${spentTicket}`, origin: t.origin })
  await refused(t.url, { query: `access_token=${login.token}x` })
  ok.send({ type: 'auth.refresh', id: 'r', accessToken: login.token })
  await ok.next({ type: 'auth.refreshed' })
  ok.send({ type: 'publish', id: 'p', channel: 'public:x', text: `secret body ${login.token}` })
  await ok.next({ type: 'published' })
  // Other routes keep Fastify's request lines, with query values redacted.
  const http = t.url.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '')
  await fetch(`${http}/healthz?ticket=${ticket}&access_token=${login.token}`)

  const all = t.logs.text()
  for (const secret of secrets) expect(all).not.toContain(secret)
  expect(all).not.toContain('secret body')
  const incoming = (t.logs.lines() as Array<{ req?: { url: string } }>).filter((l) => l.req)
  expect(incoming.map((l) => l.req!.url)).toEqual(['/healthz?[ticket,access_token]'])
  // The upgrade route writes no request lines: its security events record every upgrade, refused or not.
  expect(t.logs.lines().filter((l) => (l as { msg?: string }).msg === 'request completed')).toHaveLength(1)
  const connected = t.logs.events('ws.connected')
  expect(connected).toHaveLength(5)
  expect(connected[0]).toMatchObject({
    ip: '127.0.0.1',
    origin: t.origin,
    userId: login.userId,
    sessionId: login.sid,
    connectionId: expect.any(String),
    via: 'ticket',
  })
  expect(t.logs.events('ws.upgrade.refused').map((e) => e.reason)).toEqual([
    'ticket_unknown_or_spent',
    'token_signature',
  ])
})
