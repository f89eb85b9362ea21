// The session store, the counters and the event feed on a real Redis Cluster (3 masters + 3 replicas, one per file),
// including a master killed with SIGKILL under load.
import { describe, expect, it, onTestFinished } from 'vitest'
import { createCluster } from 'redis'
import { uniquePrefix, waitFor } from '@portcullis/testkit'
import { useRedisCluster } from '@portcullis/testkit/cluster/vitest'
import { StoreUnavailableError, type SessionEvent } from '../src/index.ts'
import { hitFixedWindow, keys, keySlot, partitionOf, RedisSessionStore } from '../src/redis.ts'
import { session, storeContract } from './contract.ts'
import { testRedis } from './redis-url.ts'

const cluster = useRedisCluster()

async function clusterStore(prefix = uniquePrefix('cl'), now?: () => number): Promise<RedisSessionStore> {
  const redis = await testRedis({ clusterNodes: cluster().seeds.split(',') }, { deadlineMs: 1000 })
  expect(redis.mode).toBe('cluster')
  const store = new RedisSessionStore({ redis, prefix, ownsRedis: true, ...(now ? { now } : {}) })
  onTestFinished(() => store.close())
  return store
}

storeContract('redis cluster', (options) => clusterStore(undefined, options?.now))

describe('on Redis Cluster', () => {
  it('computes the slots Redis computes (CLUSTER KEYSLOT), event partitions included', async () => {
    const raw = createCluster({ rootNodes: cluster().nodes.map((n) => ({ url: n.url })) })
    raw.on('error', () => {})
    await raw.connect()
    onTestFinished(() => raw.close())
    const k = keys('portcullis:')
    const samples = [...k.events, k.session('s-1'), k.roles('u-1'), k.connectRate('10.1.2.3'), 'plain', 'ü{}']
    const client = await raw.nodeClient(raw.masters[0]!)
    for (const key of samples)
      expect(Number(await client.sendCommand(['CLUSTER', 'KEYSLOT', key])), key).toBe(keySlot(key))
  })

  it('spreads the event partitions over every master', async () => {
    const masters = await cluster().masters()
    expect(masters).toHaveLength(3)
    const raw = createCluster({ rootNodes: cluster().nodes.map((n) => ({ url: n.url })) })
    raw.on('error', () => {})
    await raw.connect()
    onTestFinished(() => raw.close())
    const owners = keys('p:').events.map((channel) => raw.slots[keySlot(channel)]!.master.port)
    for (const port of masters) expect(owners.filter((p) => p === port).length).toBeGreaterThanOrEqual(20)
  })

  it('runs the two-key fixed-window script (counter + block flag in one slot)', async () => {
    const redis = await testRedis({ clusterNodes: cluster().seeds.split(',') })
    const k = keys(uniquePrefix('clfw'))
    const block = { key: k.ipBlock('10.9.9.9'), at: 2, ms: 60_000 }
    const hit = () => hitFixedWindow(redis, k.authFailures('10.9.9.9'), { windowMs: 60_000, block })
    expect(await hit()).toMatchObject({ count: 1, blockedNow: false })
    expect(await hit()).toMatchObject({ count: 2, blockedNow: true })
    const gate = await hitFixedWindow(redis, k.connectRate('10.9.9.9'), {
      windowMs: 60_000,
      block: { key: block.key },
    })
    expect(gate.blockedMs).toBeGreaterThan(59_000)
  })

  it(
    'kill -9 of a master: calls fail fast with StoreUnavailableError, the feed reports it, and after the promotion ' +
      'every partition delivers again (revocations issued after the failover arrive)',
    { timeout: 60_000 },
    async () => {
      const prefix = uniquePrefix('fo')
      const api = await clusterStore(prefix)
      const realtime = await clusterStore(prefix)
      const heard: SessionEvent[] = []
      const links: boolean[] = []
      await realtime.subscribe(
        (e) => heard.push(e),
        (up) => links.push(up),
      )
      // One session in every event partition, so every shard (the killed one too) serves some.
      const sessions = new Map<number, ReturnType<typeof session>>()
      while (sessions.size < 64) {
        const s = session()
        if (!sessions.has(partitionOf(s.sid))) sessions.set(partitionOf(s.sid), s)
      }
      for (const s of sessions.values()) await api.createSession(s)

      // Traffic during the failover: every call either answers or fails fast with the one error.
      const failures: unknown[] = []
      const slowest = { ms: 0 }
      const run = { stop: false }
      const traffic = (async () => {
        while (!run.stop) {
          for (const s of sessions.values()) {
            const started = Date.now()
            await api.getSession(s.sid).catch((err: unknown) => failures.push(err))
            slowest.ms = Math.max(slowest.ms, Date.now() - started)
          }
          await new Promise((r) => setTimeout(r, 20))
        }
      })()
      const { killed, promoted } = await cluster().killMaster()
      expect(promoted).not.toBe(killed)
      await waitFor(() => links.includes(false), 'the feed to report the lost shard', 10_000)
      await waitFor(() => links.at(-1) === true, 'every partition to deliver again', 20_000)
      run.stop = true
      await traffic
      expect(failures.length).toBeGreaterThan(0)
      expect(failures.every((err) => err instanceof StoreUnavailableError)).toBe(true)
      expect(slowest.ms).toBeLessThan(1500) // the deadline (1 s) plus one tick: never a hang

      // After the failover: every session readable, every revocation delivered (the killed shard's partitions too).
      heard.length = 0
      for (const s of sessions.values()) expect(await api.getSession(s.sid)).toEqual(s)
      for (const s of sessions.values()) expect(await api.revokeSession(s.sid, 'admin')).toBe(true)
      await waitFor(() => heard.length === 64, 'all 64 revocations', 10_000)
      expect(new Set(heard.map((e) => e.type === 'session.revoked' && e.sid)).size).toBe(64)
      await cluster().restart(killed)
    },
  )
})
