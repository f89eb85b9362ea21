import { expect, inject, onTestFinished, test } from 'vitest'
import { uniquePrefix } from '@portcullis/testkit'
import { createRedisClient, redisConnection } from '@portcullis/sessions/redis'
import { RtStore } from '../../src/limits/rt-store.ts'

// Regression (bench, 10 000 connections): lease renewal sent one EVAL per user at once and mass close one ZREM
// each; both bursts passed node-redis's queue bound ("The queue is full") and an upgrade arriving then got a 503.
test('bursts of renewals and releases never fill the command queue nor refuse a concurrent upgrade', async () => {
  const client = createRedisClient(inject('redisUrl'), { maxQueuedCommands: 100 })
  await client.connect()
  onTestFinished(() => client.close())
  const store = new RtStore(redisConnection(client), uniquePrefix(), 16)
  const users = Array.from({ length: 600 }, (_, i) => `u${i}`)
  for (let i = 0; i < users.length; i += 50) {
    const slice = users.slice(i, i + 50)
    expect(
      await Promise.all(slice.map((u) => store.acquireConnection(u, `${u}-c`, 5, 60_000))),
    ).not.toContain(false)
  }

  // Six times the queue bound at once, as the supervisor's renewal round and a mass close issue them.
  const renewals = users.map((u) => store.renewConnections(u, [`${u}-c`], 60_000))
  const upgrade = store.acquireConnection('newcomer', 'n-c', 5, 60_000)
  const releases = users.map((u) => store.releaseConnection(u, `${u}-c`))
  expect(store.backgroundPending).toBeGreaterThan(0)
  await expect(Promise.all([...renewals, ...releases])).resolves.toBeDefined()
  expect(await upgrade).toBe(true)

  const left = await Promise.all(users.slice(0, 50).map((u) => client.exists(store.keys.userConnections(u))))
  expect(left.every((n) => n === 0)).toBe(true)
})

test('releases of one user in the same turn are coalesced and all settle', async () => {
  const client = createRedisClient(inject('redisUrl'))
  await client.connect()
  onTestFinished(() => client.close())
  const store = new RtStore(redisConnection(client), uniquePrefix())
  for (const id of ['a', 'b', 'c']) expect(await store.acquireConnection('u', id, 5, 60_000)).toBe(true)
  await Promise.all(['a', 'b'].map((id) => store.releaseConnection('u', id)))
  expect(await client.zRange(store.keys.userConnections('u'), 0, -1)).toEqual(['c'])
})

test('a renewal round extends every user’s live leases in batched calls and never re-adds a released one', async () => {
  const client = createRedisClient(inject('redisUrl'))
  await client.connect()
  onTestFinished(() => client.close())
  const store = new RtStore(redisConnection(client), uniquePrefix())
  // More users than one call carries (256), one with two sockets.
  const users = Array.from({ length: 300 }, (_, i) => `u${i}`)
  for (const u of users) expect(await store.acquireConnection(u, `${u}-a`, 5, 2000)).toBe(true)
  expect(await store.acquireConnection('u7', 'u7-b', 5, 2000)).toBe(true)
  await store.releaseConnection('u0', 'u0-a')
  const before = Date.now()
  await store.renewLeases(
    users.map((u): [string, string[]] => [u, u === 'u7' ? ['u7-a', 'u7-b'] : [`${u}-a`]]),
    60_000,
  )
  for (const [u, id] of [
    ['u1', 'u1-a'],
    ['u7', 'u7-b'],
    ['u299', 'u299-a'],
  ] as const) {
    expect(Number(await client.zScore(store.keys.userConnections(u), id))).toBeGreaterThanOrEqual(
      before + 60_000,
    )
    expect(await client.pTTL(store.keys.userConnections(u))).toBeGreaterThan(50_000)
  }
  expect(await client.exists(store.keys.userConnections('u0'))).toBe(0)
})
