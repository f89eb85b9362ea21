import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { SessionRecord, SessionStore, SessionSummary } from '../src/index.ts'
import { session, type StoreFactory } from './contract.ts'

/** One live WebSocket connection of a session, as realtime leases it (`untilMs`: the lease's end, epoch ms). */
export interface Lease {
  userId: string
  sid: string
  connectionId: string
  untilMs: number
}

/** Records a connection lease where the store reads them (Redis: realtime's sorted set; memory: its stand-in). */
export type LeaseConnection = (store: SessionStore, lease: Lease) => Promise<void>

const id = (p: string): string => `${p}-${randomBytes(6).toString('hex')}`

/** The summary a session should list as, with its roles, refresh time and connection count. */
function summary(s: SessionRecord, over: Partial<SessionSummary> = {}): SessionSummary {
  return { ...s, roles: [], refreshedAt: s.createdAt, connections: 0, ...over }
}

/** `n` sessions created one ms apart (distinct ends), oldest first; `over` applies to each. */
async function create(
  store: SessionStore,
  n: number,
  over: Partial<SessionRecord> = {},
): Promise<SessionRecord[]> {
  const now = Date.now()
  const made: SessionRecord[] = []
  for (let i = 0; i < n; i++) {
    const s = session({ createdAt: now + i, endsAt: now + 3_600_000 + i, ...over })
    await store.createSession(s)
    made.push(s)
  }
  return made
}

/** Every page of a listing, following `nextCursor`. */
async function allPages(store: SessionStore, query: { userId?: string; limit: number }): Promise<string[][]> {
  const pages: string[][] = []
  let cursor: string | undefined
  do {
    const page = await store.listSessions({ ...query, ...(cursor ? { cursor } : {}) })
    pages.push(page.sessions.map((s) => s.sid))
    cursor = page.nextCursor ?? undefined
  } while (cursor && pages.length < 20)
  return pages
}

/** The admin listing part of the SessionStore contract (`listSessions`): every implementation must pass it. */
export function listingContract(name: string, make: StoreFactory, lease: LeaseConnection): void {
  describe(`${name}: SessionStore listing contract`, () => {
    it('lists live sessions newest first, with the current roles, times and live connection counts', async () => {
      const store = await make()
      const [alice, bob, now] = [id('u'), id('u'), Date.now()]
      const at = (userId: string, i: number) =>
        session({ userId, createdAt: now + i, endsAt: now + 3_600_000 + i })
      const [a1, b1, a2] = [at(alice, 0), at(bob, 1), at(alice, 2)]
      for (const s of [a1, b1, a2]) await store.createSession(s)
      await store.setRoles(alice, ['user', 'admin'])
      const live = now + 60_000
      await lease(store, { userId: alice, sid: a1.sid, connectionId: 'c1', untilMs: live })
      await lease(store, { userId: alice, sid: a1.sid, connectionId: 'c2', untilMs: live })
      await lease(store, { userId: alice, sid: a2.sid, connectionId: 'c3', untilMs: live })
      await lease(store, { userId: alice, sid: a1.sid, connectionId: 'gone', untilMs: now - 1_000 })
      await lease(store, { userId: bob, sid: b1.sid, connectionId: 'c4', untilMs: live })

      const page = await store.listSessions()
      expect(page).toEqual({
        sessions: [
          summary(a2, { roles: ['user', 'admin'], connections: 1 }),
          summary(b1, { connections: 1 }),
          summary(a1, { roles: ['user', 'admin'], connections: 2 }),
        ],
        nextCursor: null,
      })
    })

    it('records refreshedAt at every rotation', async () => {
      const clock = { now: Date.now() }
      const store = await make({ now: () => clock.now })
      const [s] = await create(store, 1, { createdAt: clock.now })
      await store.saveRefresh(s!.sid, 'h1')
      clock.now += 5_000
      expect(await store.rotateRefresh(s!.sid, 'h1', 'h2', clock.now + 60_000)).toBe('rotated')
      const [listed] = (await store.listSessions()).sessions
      expect(listed).toMatchObject({ sid: s!.sid, createdAt: s!.createdAt, refreshedAt: clock.now })
      expect(listed?.expiresAt).toBe(clock.now + 60_000)
    })

    it('pages with a cursor: each live session once, in order, even when sessions end between pages', async () => {
      const store = await make()
      const made = await create(store, 7)
      const newestFirst = made.map((s) => s.sid).toReversed()
      const first = await store.listSessions({ limit: 3 })
      expect(first.sessions.map((s) => s.sid)).toEqual(newestFirst.slice(0, 3))
      expect(first.nextCursor).toEqual(expect.any(String))
      // A session of the next page is revoked and a new one logs in: the cursor is a position, not an offset.
      await store.revokeSession(newestFirst[4]!, 'admin')
      await create(store, 1, { endsAt: Date.now() + 7_200_000 })
      const rest: string[] = []
      let cursor = first.nextCursor
      while (cursor) {
        const page = await store.listSessions({ limit: 3, cursor })
        rest.push(...page.sessions.map((s) => s.sid))
        cursor = page.nextCursor
      }
      expect(rest).toEqual(newestFirst.slice(3).filter((sid) => sid !== newestFirst[4]))
    })

    it('filters by user, pages that too, and leaves out revoked and expired sessions', async () => {
      const clock = { now: Date.now() }
      const store = await make({ now: () => clock.now })
      const userId = id('u')
      const mine = await create(store, 5, { userId })
      await create(store, 3)
      const short = session({ userId, createdAt: clock.now, expiresAt: clock.now + 10_000 })
      await store.createSession(short)
      await store.revokeSession(mine[0]!.sid, 'logout')
      clock.now += 10_000 // `short` goes unrefreshed past expiresAt
      const pages = await allPages(store, { userId, limit: 2 })
      expect(pages.flat()).toEqual(
        mine
          .slice(1)
          .map((s) => s.sid)
          .toReversed(),
      )
      expect(pages.every((p) => p.length <= 2)).toBe(true)
      expect((await store.listSessions({ userId: id('nobody') })).sessions).toEqual([])
      expect((await store.listSessions()).sessions).toHaveLength(7)
    })

    it('refuses a malformed cursor or limit (RangeError)', async () => {
      const store = await make()
      await expect(store.listSessions({ cursor: 'not-a-cursor' })).rejects.toThrow(RangeError)
      await expect(store.listSessions({ limit: 0 })).rejects.toThrow(RangeError)
      await expect(store.listSessions({ limit: 101 })).rejects.toThrow(RangeError)
      await expect(store.listSessions({ limit: 1.5 })).rejects.toThrow(RangeError)
    })
  })
}
