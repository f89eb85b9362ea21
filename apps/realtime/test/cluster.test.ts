// Realtime on a real Redis Cluster (3 masters + 3 replicas, one per file): what holds on one node holds here, and
// a master killed with SIGKILL under live sockets and traffic is survived without a restart.
import { describe, expect, test } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { useRedisCluster } from '@portcullis/testkit/cluster/vitest'
import { createRedisClient, keys, keySlot } from '@portcullis/sessions/redis'
import { bearer, connect, open, refused, shared, startApp, type TestApp } from './helper.ts'
import {
  bothReady,
  expectRecovered,
  expectRiddenOut,
  overspendAcrossInstances,
  subscribe,
  trafficDuring,
  usersOnBoth,
} from './two-instances.ts'

const cluster = useRedisCluster()

/** Two instances on the cluster sharing a prefix and a signer. */
async function pair(overrides: Parameters<typeof startApp>[0] = {}): Promise<[TestApp, TestApp]> {
  const s = shared()
  const config = { REDIS_CLUSTER_NODES: cluster().seeds.split(','), ...overrides }
  return [await startApp(config, { shared: s }), await startApp(config, { shared: s })]
}

/** Channels whose fan-out keys land on every master (so a failover always moves some of them). */
async function channelsOnEveryShard(prefix: string): Promise<string[]> {
  const masters = new Set(await cluster().masters())
  const byMaster = new Map<number, string>()
  const owner = await slotOwner()
  for (let i = 0; byMaster.size < masters.size; i++) {
    const channel = `public:room-${i}`
    const port = owner(keySlot(keys(prefix).fanout(channel)))
    if (!byMaster.has(port)) byMaster.set(port, channel)
  }
  return [...byMaster.values()]
}

/** The master port serving a slot now (from CLUSTER SLOTS of a live master). */
async function slotOwner(): Promise<(slot: number) => number> {
  const [master] = await cluster().masters()
  const client = createRedisClient(`redis://127.0.0.1:${master}`)
  await client.connect()
  const ranges = await client.sendCommand<Array<[number, number, [string, number]]>>(['CLUSTER', 'SLOTS'])
  client.destroy()
  return (slot) => Number(ranges.find(([from, to]) => slot >= from && slot <= to)![2][1])
}

describe('realtime on Redis Cluster', () => {
  test('revocation and role changes reach both instances', async () => {
    const [a, b] = await pair()
    const login = await a.login('root', ['user', 'admin'])
    const other = await a.login('root', ['user', 'admin'])
    const onA = await connect(a.url, { headers: bearer(login.token) })
    const onB = await connect(b.url, { headers: bearer(login.token) })
    const otherB = await connect(b.url, { headers: bearer(other.token) })
    await a.store.setRoles('root', ['user'])
    for (const c of [onA, onB, otherB]) await c.next({ type: 'session.updated' })
    await a.store.revokeSession(login.sid, 'logout')
    expect(await onA.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    expect(await onB.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    otherB.send({ type: 'ping', id: 'still' })
    await otherB.next({ type: 'pong', id: 'still' })
  })

  test('the per-user connection cap holds across instances', async () => {
    const [a, b] = await pair({ MAX_CONNECTIONS_PER_USER: 2 })
    const login = await a.login()
    await connect(a.url, { headers: bearer(login.token) })
    await connect(b.url, { headers: bearer(login.token) })
    const third = await refused(a.url, { headers: bearer(login.token) })
    expect(third.status).toBe(429)
    expect(third.body).toMatchObject({ error: 'too_many_connections' })
  })

  test('the per-user message budget is shared by the instances', async () => {
    const [a, b] = await pair({ MSG_RATE_PER_S: 1, MSG_BURST: 10 })
    expect(await overspendAcrossInstances([a, b])).toMatchObject({ type: 'error', code: 'rate_limited' })
  })

  test('a lease renewal round covers users of every slot (one script never spans two slots)', async () => {
    const [a] = await pair()
    const store = a.app.node.rtStore
    const users = Array.from({ length: 40 }, (_, i) => `renew-${i}`)
    for (const u of users) expect(await store.acquireConnection(u, `${u}-c`, 5, 60_000)).toBe(true)
    await expect(
      store.renewLeases(
        users.map((u): [string, string[]] => [u, [`${u}-c`]]),
        60_000,
      ),
    ).resolves.toBeUndefined()
  })

  test('channel fan-out crosses instances on every shard; failed authentications block the IP', async () => {
    const [a, b] = await pair({ AUTH_FAILURES_PER_MIN: 3 })
    const channels = await channelsOnEveryShard(a.config.REDIS_KEY_PREFIX)
    expect(channels).toHaveLength(3)
    const alice = await connect(a.url, { headers: bearer((await a.login('alice')).token) })
    const bob = await connect(b.url, { headers: bearer((await b.login('bob')).token) })
    for (const channel of channels) await subscribe(bob, channel)
    for (const channel of channels) {
      alice.send({ type: 'publish', id: `p-${channel}`, channel, text: `to ${channel}` })
      await alice.next({ type: 'published', id: `p-${channel}` })
      await bob.next((f) => f.type === 'message' && f.text === `to ${channel}`)
    }
    for (let i = 0; i < 3; i++) expect((await refused(a.url, { headers: bearer('x.y.z') })).status).toBe(401)
    expect((await refused(b.url, { headers: bearer('x.y.z') })).status).toBe(429)
  })

  test(
    'kill -9 of a master under live sockets and traffic: no restart, no 1013 within STORE_GRACE_MS, upgrades ' +
      '503 meanwhile (never 500), and after the failover revocations close the right sockets and fan-out flows',
    { timeout: 90_000 },
    async () => {
      const [a, b] = await pair({
        STORE_GRACE_MS: 20_000,
        MAX_CONNECTIONS_PER_USER: 10,
        CONNECT_RATE_PER_MIN: 10_000,
      })
      const channels = await channelsOnEveryShard(a.config.REDIS_KEY_PREFIX)
      // 24 users, one socket on each instance, subscribed to a channel on every shard.
      const users = await usersOnBoth([a, b], 24, 'fo', channels)
      // Traffic throughout: publishes from one socket per instance, and fresh upgrades.
      const traffic = trafficDuring([a, b], users, channels)

      await new Promise((r) => setTimeout(r, 300))
      const { killed } = await cluster().killMaster()
      await bothReady([a, b], 30_000) // every master answers again
      await new Promise((r) => setTimeout(r, 1000))
      expectRiddenOut(a, await traffic.stop())

      // Fan-out after the failover on every shard (the moved channels included), to both instances; revocations
      // issued after it close exactly the revoked sessions' sockets, on both instances.
      await expectRecovered(a, users, channels, 12)
      await cluster().restart(killed) // back as a replica: the next test can fail over again
    },
  )

  test(
    'a shard gone longer than STORE_GRACE_MS: live sockets close 1013, and clients get back in after the failover',
    { timeout: 60_000 },
    async () => {
      const [a] = await pair({ STORE_GRACE_MS: 300 })
      const login = await a.login()
      const live = await connect(a.url, { headers: bearer(login.token) })
      await cluster().killMaster()
      expect(await live.closed).toEqual({ code: 1013, reason: 'try_again_later' })
      expect(a.logs.events('store.unreachable')).toHaveLength(1)
      await waitFor(async () => (await a.app.inject({ url: '/readyz' })).statusCode === 200, 'ready', 30_000)
      await waitFor(
        async () => 'ws' in (await open(a.url, { headers: bearer(login.token) })),
        'admitted again',
        10_000,
      )
    },
  )
})
