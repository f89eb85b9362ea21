import { describe, expect, test } from 'vitest'
import {
  parseSecurityFeedEntry,
  parseServerMessage,
  SECURITY_FEED_CHANNEL,
  type SecurityFeedEntry,
} from '@portcullis/protocol'
import { REALTIME_FEED_RULES } from '../../src/plugins/app/security-feed.ts'
import { REALTIME_EVENTS } from '../../src/security-events.ts'
import { bearer, connect, refused, shared, startApp, type Client, type TestApp } from '../helper.ts'

/** An admin socket subscribed to the security feed. */
async function feedReader(t: TestApp): Promise<Client> {
  const admin = await connect(t.url, { headers: bearer((await t.login('root', ['user', 'admin'])).token) })
  admin.send({ type: 'subscribe', id: 'feed', channel: SECURITY_FEED_CHANNEL })
  await admin.next({ id: 'feed', type: 'subscribed' })
  return admin
}

/** The feed entries a socket received so far. */
function entries(c: Client): SecurityFeedEntry[] {
  return c.frames.flatMap((frame) => {
    const parsed = parseServerMessage(JSON.stringify(frame))
    if (!parsed.ok || parsed.message.type !== 'message') return []
    const found = parseSecurityFeedEntry(parsed.message)
    return found ? [found] : []
  })
}

async function waitEntry(c: Client, match: (e: SecurityFeedEntry) => boolean): Promise<SecurityFeedEntry> {
  await c.next((f) => {
    if (f.type !== 'message' || f.channel !== SECURITY_FEED_CHANNEL) return false
    return entries(c).some(match)
  })
  return entries(c).find(match)!
}

describe('the live security feed (admin:security)', () => {
  test('a refused Origin on one instance reaches an admin on another at once, identifiers only', async () => {
    const s = shared()
    const a = await startApp({}, { shared: s })
    const b = await startApp({}, { shared: s })
    const admin = await feedReader(a)
    const victim = await b.login('alice')
    const ticket = await b.ticket(victim)
    const refusal = await refused(b.url, {
      query: `ticket=${ticket}&access_token=${victim.token}`,
      origin: 'https://evil.example',
    })
    expect(refusal.status).toBe(403)
    const seen = await waitEntry(admin, (e) => e.reason === 'origin_not_allowed')
    expect(seen).toEqual({
      event: 'ws.upgrade.refused',
      source: 'realtime',
      at: expect.any(Number) as number,
      reason: 'origin_not_allowed',
      status: 403,
      ip: '127.0.0.1',
      origin: 'https://evil.example',
    })
    const raw = JSON.stringify(admin.frames)
    for (const secret of [ticket, victim.token, victim.token.split('.')[2]!])
      expect(raw).not.toContain(secret)
  })

  test('only admins read it and nobody writes to it', async () => {
    const t = await startApp()
    const alice = await connect(t.url, { headers: bearer((await t.login('alice')).token) })
    alice.send({ type: 'subscribe', id: 's', channel: SECURITY_FEED_CHANNEL })
    expect(await alice.next({ id: 's' })).toMatchObject({ type: 'error', code: 'forbidden' })
    const admin = await feedReader(t)
    admin.send({ type: 'publish', id: 'p', channel: SECURITY_FEED_CHANNEL, text: '{"event":"ip.blocked"}' })
    expect(await admin.next({ id: 'p' })).toMatchObject({ type: 'error', code: 'forbidden' })
    expect(entries(admin)).toEqual([])
  })

  test('a rate-limit close (4429) shows with the user and session', async () => {
    const t = await startApp({ MSG_RATE_PER_S: 1, MSG_BURST: 2 })
    const admin = await feedReader(t)
    const flooder = await t.login('flooder')
    const c = await connect(t.url, { headers: bearer(flooder.token) })
    for (let i = 0; i < 10; i++) c.send({ type: 'ping', id: `p${i}` })
    expect((await c.closed).code).toBe(4429)
    const seen = await waitEntry(admin, (e) => e.event === 'ws.closed')
    expect(seen).toMatchObject({ code: 4429, userId: 'flooder', sessionId: flooder.sid })
  })

  test('a burst of refusals is rate-limited per instance, and every left-out event is counted', async () => {
    const t = await startApp({ CONNECT_RATE_PER_MIN: 1000 })
    const admin = await feedReader(t)
    for (let i = 0; i < 45; i++) await refused(t.url, { origin: 'https://evil.example' })
    await new Promise((r) => setTimeout(r, 300)) // the bucket refills (10 per second)
    await refused(t.url, { origin: 'https://late.example' })
    await waitEntry(admin, (e) => e.origin === 'https://late.example')
    const refusals = entries(admin).filter((e) => e.event === 'ws.upgrade.refused')
    expect(refusals.length).toBeLessThan(46)
    const counted = refusals.length + refusals.reduce((sum, e) => sum + (e.dropped ?? 0), 0)
    expect(counted).toBe(46)
  })

  test('the allowlist names only events realtime has', () => {
    for (const name of Object.keys(REALTIME_FEED_RULES)) expect(REALTIME_EVENTS).toContain(name)
  })
})
