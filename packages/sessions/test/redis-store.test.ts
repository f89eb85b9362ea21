import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startRedisServer, uniquePrefix, waitFor } from '@portcullis/testkit'
import {
  connectionLease,
  createRedisClient,
  keys,
  RedisSessionStore,
  type RedisClient,
} from '../src/redis.ts'
import {
  ENDED_SESSION_RETENTION_MS,
  hashSecret,
  SPENT_REFRESH_KEPT,
  StoreUnavailableError,
} from '../src/index.ts'
import { session, storeContract } from './contract.ts'
import { listingContract } from './listing-contract.ts'
import { redisUrl, testRedis } from './redis-url.ts'

/** The key prefix of each store the tests made (the listing contract writes connection leases under it). */
const prefixes = new WeakMap<object, string>()

async function redisStore(
  url = redisUrl(),
  prefix = uniquePrefix('sessions'),
  now?: () => number,
): Promise<RedisSessionStore> {
  const redis = await testRedis({ url }, { deadlineMs: 500 })
  const store = new RedisSessionStore({ redis, prefix, ownsRedis: true, ...(now ? { now } : {}) })
  onTestFinished(() => store.close())
  prefixes.set(store, prefix)
  return store
}

/** Resolves once the store answers a ping again (after its Redis came back). */
async function storeBack(store: RedisSessionStore): Promise<void> {
  await waitFor(
    () =>
      store.ping().then(
        () => true,
        () => false,
      ),
    'store back',
  )
}

async function rawClient(): Promise<RedisClient> {
  const raw = createRedisClient(redisUrl())
  await raw.connect()
  onTestFinished(() => raw.close())
  return raw
}

storeContract('redis', (options) => redisStore(undefined, undefined, options?.now))
listingContract(
  'redis',
  (options) => redisStore(undefined, undefined, options?.now),
  async (store, l) => {
    // What realtime's ACQUIRE_CONNECTION writes: the lease under the user's key, scored by its end.
    const raw = await rawClient()
    const key = keys(prefixes.get(store)!).userConnections(l.userId)
    await raw.zAdd(key, { score: l.untilMs, value: connectionLease(l.sid, l.connectionId) })
  },
)

describe('RedisSessionStore', () => {
  it('keeps every key under the prefix and stores only hashes of tickets and refresh tokens', async () => {
    const prefix = uniquePrefix('layout')
    const store = await redisStore(undefined, prefix)
    const s = session()
    await store.createSession(s)
    await store.saveRefresh(s.sid, hashSecret('REFRESH-SECRET'))
    await store.saveTicket(
      'TICKET-SECRET',
      { sid: s.sid, userId: s.userId, origin: null, accessExp: 1, traceparent: null },
      30,
    )
    await store.setRoles(s.userId, ['user'])
    const raw = await rawClient()
    const stored = await raw.keys(`${prefix}*`)
    const k = keys(prefix)
    expect(stored.toSorted()).toEqual(
      [
        k.session(s.sid),
        k.sessionIndex,
        k.userSessions(s.userId),
        k.roles(s.userId),
        k.ticket(hashSecret('TICKET-SECRET')),
      ].toSorted(),
    )
    expect(stored.join(' ')).not.toContain('TICKET-SECRET')
    const dump = JSON.stringify(await raw.hGetAll(k.session(s.sid)))
    expect(dump).not.toContain('REFRESH-SECRET')
    expect(await raw.pTTL(keys(prefix).session(s.sid))).toBeGreaterThan(0)
  })

  it('stores endsAt in the session hash; the key lives to expiresAt, or a retention past endsAt', async () => {
    const prefix = uniquePrefix('ends')
    const clock = { now: Date.now() }
    const store = await redisStore(undefined, prefix, () => clock.now)
    const raw = await rawClient()
    const s = session({ createdAt: clock.now, expiresAt: clock.now + 60_000, endsAt: clock.now + 90_000 })
    const key = keys(prefix).session(s.sid)
    await store.createSession(s)
    await store.saveRefresh(s.sid, 'h1')
    expect(await raw.hmGet(key, ['endsAt', 'expiresAt'])).toEqual([String(s.endsAt), String(s.expiresAt)])
    expect(await raw.pExpireTime(key)).toBe(s.expiresAt)
    clock.now += 40_000
    expect(await store.rotateRefresh(s.sid, 'h1', 'h2', clock.now + 60_000)).toBe('rotated')
    expect(await raw.hmGet(key, ['endsAt', 'expiresAt'])).toEqual([String(s.endsAt), String(s.endsAt)])
    expect(await raw.pExpireTime(key)).toBe(s.endsAt + ENDED_SESSION_RETENTION_MS)
  })

  it('treats a stored session without a valid endsAt as no session (fail closed)', async () => {
    const prefix = uniquePrefix('noends')
    const store = await redisStore(undefined, prefix)
    const raw = await rawClient()
    for (const endsAt of [undefined, '', 'soon', '1e20', '-5']) {
      const s = session()
      const fields: Record<string, string> = {
        userId: s.userId,
        username: s.username,
        createdAt: String(s.createdAt),
        expiresAt: String(s.expiresAt),
        rt: 'h1',
        ...(endsAt === undefined ? {} : { endsAt }),
      }
      await raw.hSet(keys(prefix).session(s.sid), fields)
      await raw.sAdd(keys(prefix).userSessions(s.userId), s.sid)
      expect(await store.getSession(s.sid), String(endsAt)).toBeNull()
      expect(await store.listUserSessions(s.userId)).toEqual([])
      expect(await store.rotateRefresh(s.sid, 'h1', 'h2', s.expiresAt)).toBe('unknown')
    }
  })

  it('keeps the session hash bounded however often the refresh token rotates', async () => {
    const prefix = uniquePrefix('bounded')
    const store = await redisStore(undefined, prefix)
    const raw = await rawClient()
    const s = session()
    const key = keys(prefix).session(s.sid)
    await store.createSession(s)
    await store.saveRefresh(s.sid, 'h0')
    const sizes: number[] = []
    for (let i = 0; i < 3 * SPENT_REFRESH_KEPT; i++) {
      expect(await store.rotateRefresh(s.sid, `h${i}`, `h${i + 1}`, s.expiresAt)).toBe('rotated')
      if ((i + 1) % SPENT_REFRESH_KEPT === 0) sizes.push(await raw.hLen(key))
    }
    // 6 record fields (refreshedAt among them), `rt`, the rotation count `xn`, and per kept spent hash an `x:` field
    // and a ring slot.
    const bound = 6 + 2 + 2 * SPENT_REFRESH_KEPT
    expect(sizes).toEqual([bound, bound, bound])
    const spent = Object.keys(await raw.hGetAll(key)).filter((f) => f.startsWith('x:'))
    expect(spent).toHaveLength(SPENT_REFRESH_KEPT)
  })

  it('bounds the session index: ended sessions leave it on the next login, revoked ones when a listing passes', async () => {
    const prefix = uniquePrefix('index')
    const store = await redisStore(undefined, prefix)
    const raw = await rawClient()
    const index = keys(prefix).sessionIndex
    const now = Date.now()
    await store.createSession(session({ createdAt: now, expiresAt: now + 30, endsAt: now + 30 }))
    await sleep(60)
    const live = session()
    await store.createSession(live)
    expect(await raw.zRange(index, 0, -1)).toEqual([`${String(live.endsAt).padStart(16, '0')}:${live.sid}`])
    await store.revokeSession(live.sid, 'admin')
    expect(await raw.zCard(index)).toBe(1)
    expect(await store.listSessions()).toEqual({ sessions: [], nextCursor: null })
    expect(await raw.zCard(index)).toBe(0)
  })

  it('fills a page past stale index members', async () => {
    const store = await redisStore()
    const made: string[] = []
    const now = Date.now()
    for (let i = 0; i < 8; i++) {
      const s = session({ createdAt: now + i, endsAt: now + 3_600_000 + i })
      await store.createSession(s)
      made.push(s.sid)
    }
    for (const sid of made.slice(2)) await store.revokeSession(sid, 'admin')
    const page = await store.listSessions({ limit: 2 })
    expect(page.sessions.map((s) => s.sid)).toEqual([made[1], made[0]])
  })

  it('counts only the leases that name the session (a member written before leases named it counts for none)', async () => {
    const prefix = uniquePrefix('leases')
    const store = await redisStore(undefined, prefix)
    const raw = await rawClient()
    const s = session()
    await store.createSession(s)
    const key = keys(prefix).userConnections(s.userId)
    const until = Date.now() + 60_000
    await raw.zAdd(key, [
      { score: until, value: 'plain-connection-id' },
      { score: until, value: connectionLease(s.sid, 'c1') },
      { score: until, value: connectionLease('another-session', 'c2') },
    ])
    expect((await store.listSessions()).sessions[0]?.connections).toBe(1)
  })

  it('lets a ticket expire after its TTL', async () => {
    const store = await redisStore()
    const s = session()
    await store.saveTicket(
      'short',
      { sid: s.sid, userId: s.userId, origin: null, accessExp: 1, traceparent: null },
      1,
    )
    await sleep(1100)
    expect(await store.consumeTicket('short')).toBeNull()
  })

  it('gives a ticket to exactly one of 20 redeemers on separate connections', async () => {
    const prefix = uniquePrefix('race')
    const minter = await redisStore(undefined, prefix)
    const redeemers = await Promise.all(Array.from({ length: 20 }, () => redisStore(undefined, prefix)))
    const s = session()
    await minter.saveTicket(
      'race',
      { sid: s.sid, userId: s.userId, origin: null, accessExp: 1, traceparent: null },
      30,
    )
    const results = await Promise.all(redeemers.map((r) => r.consumeTicket('race')))
    expect(results.filter((r) => r !== null)).toHaveLength(1)
  })

  it('a second store instance on the same prefix hears revocations (cross-instance)', async () => {
    const prefix = uniquePrefix('xinst')
    const api = await redisStore(undefined, prefix)
    const realtime = await redisStore(undefined, prefix)
    const heard: string[] = []
    await realtime.subscribe((e) => e.type === 'session.revoked' && heard.push(e.sid))
    const s = session()
    await api.createSession(s)
    await api.revokeSession(s.sid, 'logout')
    await waitFor(() => heard.length === 1, 'cross-instance event')
    expect(heard).toEqual([s.sid])
  })

  it('drops malformed events on the channels', async () => {
    const prefix = uniquePrefix('bad')
    const store = await redisStore(undefined, prefix)
    const events: unknown[] = []
    await store.subscribe((e) => events.push(e))
    const raw = await rawClient()
    await raw.sPublish(keys(prefix).events[0]!, 'not json')
    await raw.sPublish(keys(prefix).events[1]!, JSON.stringify({ v: 2, type: 'session.revoked' }))
    await raw.sPublish(keys(prefix).events[2]!, '{"probe":"someone-else:1:x"}')
    await store.publish({ v: 1, type: 'user.roles_changed', userId: 'u', roles: ['user'], at: 1 })
    await waitFor(() => events.length === 1, 'the valid event')
    expect(events).toEqual([{ v: 1, type: 'user.roles_changed', userId: 'u', roles: ['user'], at: 1 }])
  })

  it('fails fast while Redis is down, reports the link, and recovers', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const store = await redisStore(server.url)
    const links: boolean[] = []
    await store.subscribe(
      () => {},
      (up) => links.push(up),
    )
    await store.ping()
    await server.kill()
    const started = Date.now()
    await expect(store.getSession('x')).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.consumeTicket('t')).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.revokeSession('x', 'admin')).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(Date.now() - started).toBeLessThan(2000)
    await waitFor(() => links.includes(false), 'link down')
    await server.start()
    await storeBack(store)
    await waitFor(() => links.at(-1) === true, 'link up again')
    // Up means proven: events flow again (the feed saw its probes come back on every partition).
    const heard: string[] = []
    await store.subscribe((e) => e.type === 'session.revoked' && heard.push(e.sid))
    const s = session()
    await store.createSession(s)
    await store.revokeSession(s.sid, 'logout')
    await waitFor(() => heard.length === 1, 'an event after the restart')
  })

  it('runs its scripts by SHA: a restarted Redis (empty script cache) is served with one EVAL per script', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const store = await redisStore(server.url)
    const s = session()
    await store.createSession(s)
    await server.kill()
    await server.start()
    await storeBack(store)
    const admin = createRedisClient(server.url)
    await admin.connect()
    onTestFinished(() => admin.close())
    const t = session()
    await store.createSession(t)
    await store.createSession(session())
    expect(await store.getSession(t.sid)).toEqual(t)
    const stats = await admin.sendCommand<Array<string>>(['INFO', 'commandstats'])
    const calls = (name: string) =>
      Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(String(stats))?.[1] ?? 0)
    // Two sessions, three scripts each (create, user index, session index): every call was an EVALSHA, and each
    // script was sent once.
    expect(calls('evalsha')).toBe(6)
    expect(calls('eval')).toBe(3)
  })
})

describe('RedisSessionStore against a stalled Redis', () => {
  it('rejects within the command timeout instead of hanging (CLIENT PAUSE)', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const store = await redisStore(server.url)
    const admin = createRedisClient(server.url)
    await admin.connect()
    onTestFinished(() => admin.close())
    await store.ping()
    await admin.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL'])
    const started = Date.now()
    await expect(store.getSession('x')).rejects.toBeInstanceOf(StoreUnavailableError)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(400) // it did wait for the 500 ms timeout: a stall, not a refusal
    expect(elapsed).toBeLessThan(2000)
  })
})
