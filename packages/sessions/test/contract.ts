import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import {
  SPENT_REFRESH_KEPT,
  type SessionEvent,
  type SessionRecord,
  type SessionStore,
  type TicketGrant,
} from '../src/index.ts'

/**
 * Builds a fresh, isolated store for one test (closed by the factory via onTestFinished). `now` is the store's
 * clock; tests only ever move it forward from the real time (Redis expires keys by its own clock).
 */
export type StoreFactory = (options?: { now?: () => number }) => Promise<SessionStore>

const id = (p: string): string => `${p}-${randomBytes(6).toString('hex')}`

export function session(over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now()
  return {
    sid: id('s'),
    userId: id('u'),
    username: 'alice',
    createdAt: now,
    expiresAt: now + 60_000,
    endsAt: now + 3_600_000,
    ...over,
  }
}

const grant = (s: SessionRecord, over: Partial<TicketGrant> = {}): TicketGrant => ({
  sid: s.sid,
  userId: s.userId,
  origin: 'http://localhost:5173',
  accessExp: Date.now() + 300_000,
  traceparent: null,
  ...over,
})

async function collect(store: SessionStore): Promise<SessionEvent[]> {
  const events: SessionEvent[] = []
  await store.subscribe((e) => events.push(e))
  return events
}

/** The SessionStore contract: every implementation must pass it. */
export function storeContract(name: string, make: StoreFactory): void {
  describe(`${name}: SessionStore contract`, () => {
    it('creates, reads and revokes a session, publishing session.revoked', async () => {
      const store = await make()
      const events = await collect(store)
      const s = session()
      await store.createSession(s)
      expect(await store.getSession(s.sid)).toEqual(s)
      expect(await store.listUserSessions(s.userId)).toEqual([s.sid])
      expect(await store.revokeSession(s.sid, 'logout')).toBe(true)
      expect(await store.getSession(s.sid)).toBeNull()
      expect(await store.listUserSessions(s.userId)).toEqual([])
      expect(await store.revokeSession(s.sid, 'logout')).toBe(false)
      await waitFor(() => events.length === 1, 'session.revoked')
      expect(events[0]).toMatchObject({
        v: 1,
        type: 'session.revoked',
        sid: s.sid,
        userId: s.userId,
        reason: 'logout',
      })
      expect(events[0]?.at).toBeGreaterThan(0)
    })

    it('returns null for an unknown session', async () => {
      const store = await make()
      expect(await store.getSession('nope')).toBeNull()
    })

    it('revokes every session of a user, with one event each', async () => {
      const store = await make()
      const events = await collect(store)
      const a = session()
      const b = session({ userId: a.userId })
      const other = session()
      for (const s of [a, b, other]) await store.createSession(s)
      const revoked = await store.revokeUserSessions(a.userId, 'admin')
      expect(revoked.toSorted()).toEqual([a.sid, b.sid].toSorted())
      expect(await store.getSession(other.sid)).not.toBeNull()
      await waitFor(() => events.length === 2, 'two events')
      expect(events.map((e) => e.type === 'session.revoked' && e.sid).toSorted()).toEqual(revoked.toSorted())
    })

    it('stores roles and publishes user.roles_changed', async () => {
      const store = await make()
      const events = await collect(store)
      const userId = id('u')
      expect(await store.getRoles(userId)).toBeNull()
      await store.setRoles(userId, ['user', 'admin', 'user'])
      expect(await store.getRoles(userId)).toEqual(['user', 'admin'])
      await store.setRoles(userId, [])
      expect(await store.getRoles(userId)).toEqual([])
      await waitFor(() => events.length === 2, 'two role events')
      expect(events[0]).toMatchObject({ v: 1, type: 'user.roles_changed', userId, roles: ['user', 'admin'] })
      expect(events[1]).toMatchObject({ type: 'user.roles_changed', userId, roles: [] })
    })

    it('seeds roles once without an event', async () => {
      const store = await make()
      const events = await collect(store)
      const userId = id('u')
      expect(await store.ensureRoles(userId, ['user'])).toEqual(['user'])
      expect(await store.ensureRoles(userId, ['user', 'admin'])).toEqual(['user'])
      await store.setRoles(userId, ['admin'])
      expect(await store.ensureRoles(userId, ['user'])).toEqual(['admin'])
      await waitFor(() => events.length === 1, 'the setRoles event')
      await store.ping()
      expect(events).toHaveLength(1)
    })

    it('redeems a ticket exactly once', async () => {
      const store = await make()
      const s = session()
      const ticket = randomBytes(16).toString('base64url')
      await store.saveTicket(ticket, grant(s), 30)
      expect(await store.consumeTicket(ticket)).toEqual(grant(s, { accessExp: expect.any(Number) as number }))
      expect(await store.consumeTicket(ticket)).toBeNull()
      expect(await store.consumeTicket('never-minted')).toBeNull()
    })

    it("keeps the minting token's kid with the ticket (and tickets without one)", async () => {
      const store = await make()
      const s = session()
      const [withKid, without] = [
        randomBytes(16).toString('base64url'),
        randomBytes(16).toString('base64url'),
      ]
      await store.saveTicket(withKid, grant(s, { kid: 'key-2026.1' }), 30)
      await store.saveTicket(without, grant(s), 30)
      expect(await store.consumeTicket(withKid)).toMatchObject({ sid: s.sid, kid: 'key-2026.1' })
      expect(await store.consumeTicket(without)).not.toHaveProperty('kid')
    })

    it('gives a ticket to exactly one of 20 parallel redeemers', async () => {
      const store = await make()
      const ticket = randomBytes(16).toString('base64url')
      await store.saveTicket(ticket, grant(session()), 30)
      const results = await Promise.all(Array.from({ length: 20 }, () => store.consumeTicket(ticket)))
      expect(results.filter((r) => r !== null)).toHaveLength(1)
    })

    it('rotates refresh hashes and revokes the session on reuse', async () => {
      const store = await make()
      const events = await collect(store)
      const s = session()
      await store.createSession(s)
      await store.saveRefresh(s.sid, 'h1')
      const later = s.expiresAt + 10_000
      expect(await store.rotateRefresh(s.sid, 'h1', 'h2', later)).toBe('rotated')
      expect((await store.getSession(s.sid))?.expiresAt).toBe(later)
      expect(await store.rotateRefresh(s.sid, 'forged', 'h3', later)).toBe('unknown')
      expect(await store.getSession(s.sid)).not.toBeNull()
      expect(await store.rotateRefresh(s.sid, 'h1', 'h3', later)).toBe('reused')
      expect(await store.getSession(s.sid)).toBeNull()
      expect(await store.rotateRefresh(s.sid, 'h2', 'h4', later)).toBe('unknown')
      await waitFor(() => events.length === 1, 'revocation on reuse')
      expect(events[0]).toMatchObject({ type: 'session.revoked', sid: s.sid, reason: 'refresh_reused' })
    })

    it('caps expiresAt at endsAt when creating and when rotating', async () => {
      const clock = { now: Date.now() }
      const store = await make({ now: () => clock.now })
      const s = session({ createdAt: clock.now, expiresAt: clock.now + 60_000, endsAt: clock.now + 30_000 })
      await store.createSession(s)
      expect(await store.getSession(s.sid)).toEqual({ ...s, expiresAt: s.endsAt })
      const t = session({ createdAt: clock.now, expiresAt: clock.now + 10_000, endsAt: clock.now + 30_000 })
      await store.createSession(t)
      await store.saveRefresh(t.sid, 'h1')
      clock.now += 5_000
      expect(await store.rotateRefresh(t.sid, 'h1', 'h2', clock.now + 10_000)).toBe('rotated')
      expect((await store.getSession(t.sid))?.expiresAt).toBe(clock.now + 10_000)
      clock.now += 5_000
      expect(await store.rotateRefresh(t.sid, 'h2', 'h3', clock.now + 60_000)).toBe('rotated')
      expect(await store.getSession(t.sid)).toEqual({ ...t, expiresAt: t.endsAt })
    })

    it('ends a session at endsAt: its tokens get `ended`, nothing moves, no revocation', async () => {
      const clock = { now: Date.now() }
      const store = await make({ now: () => clock.now })
      const events = await collect(store)
      const s = session({ createdAt: clock.now, expiresAt: clock.now + 20_000, endsAt: clock.now + 30_000 })
      await store.createSession(s)
      await store.saveRefresh(s.sid, 'h1')
      clock.now += 15_000
      expect(await store.rotateRefresh(s.sid, 'h1', 'h2', clock.now + 20_000)).toBe('rotated')
      clock.now = s.endsAt
      expect(await store.getSession(s.sid)).toBeNull()
      expect(await store.listUserSessions(s.userId)).toEqual([])
      expect(await store.rotateRefresh(s.sid, 'h2', 'h3', clock.now + 20_000)).toBe('ended')
      expect(await store.rotateRefresh(s.sid, 'h1', 'h3', clock.now + 20_000)).toBe('ended') // spent: still no revocation
      expect(await store.rotateRefresh(s.sid, 'forged', 'h3', clock.now + 20_000)).toBe('unknown')
      clock.now += 3_600_000 // later the same day: still answered `ended`
      expect(await store.rotateRefresh(s.sid, 'h2', 'h3', clock.now + 20_000)).toBe('ended')
      expect(await store.revokeSession(s.sid, 'admin')).toBe(false)
      await store.ping()
      await new Promise((r) => setTimeout(r, 50))
      expect(events).toEqual([])
    })

    it('forgets a session left unrefreshed past expiresAt: its token is `unknown`', async () => {
      const clock = { now: Date.now() }
      const store = await make({ now: () => clock.now })
      const s = session({ createdAt: clock.now, expiresAt: clock.now + 10_000, endsAt: clock.now + 30_000 })
      await store.createSession(s)
      await store.saveRefresh(s.sid, 'h1')
      clock.now += 10_000
      expect(await store.getSession(s.sid)).toBeNull()
      expect(await store.rotateRefresh(s.sid, 'h1', 'h2', clock.now + 10_000)).toBe('unknown')
    })

    it(`keeps the ${SPENT_REFRESH_KEPT} most recently spent hashes: reuse of one revokes, an older one is just refused`, async () => {
      const store = await make()
      const s = session()
      await store.createSession(s)
      await store.saveRefresh(s.sid, 'h0')
      const rotations = SPENT_REFRESH_KEPT + 8
      for (let i = 0; i < rotations; i++)
        expect(await store.rotateRefresh(s.sid, `h${i}`, `h${i + 1}`, s.expiresAt)).toBe('rotated')
      const oldestKept = rotations - SPENT_REFRESH_KEPT
      expect(await store.rotateRefresh(s.sid, `h${oldestKept - 1}`, 'x', s.expiresAt)).toBe('unknown')
      expect(await store.getSession(s.sid)).not.toBeNull()
      expect(await store.rotateRefresh(s.sid, `h${oldestKept}`, 'x', s.expiresAt)).toBe('reused')
      expect(await store.getSession(s.sid)).toBeNull()
    })

    it('delivers published events and stops after unsubscribe', async () => {
      const store = await make()
      const events: SessionEvent[] = []
      const links: boolean[] = []
      const unsubscribe = await store.subscribe(
        (e) => events.push(e),
        (up) => links.push(up),
      )
      expect(links).toEqual([true])
      const e: SessionEvent = {
        v: 1,
        type: 'session.revoked',
        sid: 's1',
        userId: 'u1',
        reason: 'admin',
        at: 1,
      }
      await store.publish(e)
      await waitFor(() => events.length === 1, 'event')
      expect(events[0]).toEqual(e)
      await unsubscribe()
      await store.publish(e)
      await store.ping()
      await new Promise((r) => setTimeout(r, 50))
      expect(events).toHaveLength(1)
    })
  })
}
