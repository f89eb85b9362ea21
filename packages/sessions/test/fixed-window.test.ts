import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startRedisServer, uniquePrefix } from '@portcullis/testkit'
import { StoreUnavailableError } from '../src/index.ts'
import { createRedisClient, hitFixedWindow, keys, retryAfterSeconds, type RedisClient } from '../src/redis.ts'
import { redisUrl, testRedis } from './redis-url.ts'

async function raw(): Promise<RedisClient> {
  const c = createRedisClient(redisUrl())
  await c.connect()
  onTestFinished(() => c.destroy())
  return c
}

describe('hitFixedWindow (real Redis)', () => {
  it('counts hits in one window, shared by every client, and starts over when it ends', async () => {
    const [a, b] = [await testRedis(), await testRedis()]
    const key = `${uniquePrefix('fw')}k`
    expect(await hitFixedWindow(a, key, { windowMs: 300 })).toMatchObject({ count: 1 })
    expect(await hitFixedWindow(b, key, { windowMs: 300 })).toMatchObject({ count: 2 })
    const third = await hitFixedWindow(a, key, { windowMs: 300 })
    expect(third.count).toBe(3)
    expect(third.resetMs).toBeGreaterThan(0)
    expect(third.resetMs).toBeLessThanOrEqual(300)
    await sleep(350)
    expect(await hitFixedWindow(b, key, { windowMs: 300 })).toMatchObject({ count: 1 })
  })

  it('never extends the window with later hits (fixed, not sliding)', async () => {
    const redis = await testRedis()
    const key = `${uniquePrefix('fw')}k`
    await hitFixedWindow(redis, key, { windowMs: 400 })
    await sleep(200)
    const later = await hitFixedWindow(redis, key, { windowMs: 400 })
    expect(later.resetMs).toBeLessThanOrEqual(220)
  })

  it('reads with cost 0 and refunds with a negative cost, never below 0 and never opening a window', async () => {
    const [redis, admin] = [await testRedis(), await raw()]
    const key = `${uniquePrefix('fw')}k`
    const none = { count: 0, resetMs: 0, blockedMs: 0, blockedNow: false }
    expect(await hitFixedWindow(redis, key, { windowMs: 60_000, cost: 0 })).toEqual(none)
    expect(await hitFixedWindow(redis, key, { windowMs: 60_000, cost: -1 })).toEqual(none)
    expect(await admin.exists(key)).toBe(0)
    await hitFixedWindow(redis, key, { windowMs: 60_000, cost: 2 })
    expect((await hitFixedWindow(redis, key, { windowMs: 60_000, cost: 0 })).count).toBe(2)
    expect((await hitFixedWindow(redis, key, { windowMs: 60_000, cost: -5 })).count).toBe(0)
    expect(await admin.pTTL(key)).toBeGreaterThan(59_000) // the refund kept the window
  })

  it('gives a counter without an expiry one again', async () => {
    const [redis, admin] = [await testRedis(), await raw()]
    const key = `${uniquePrefix('fw')}k`
    await admin.set(key, '7')
    expect(await hitFixedWindow(redis, key, { windowMs: 5000 })).toMatchObject({ count: 8, resetMs: 5000 })
    expect(await admin.pTTL(key)).toBeGreaterThan(4000)
  })

  it('sets a block flag at a count, counts nothing while it holds, and starts over after it', async () => {
    const [redis, admin] = [await testRedis(), await raw()]
    const k = keys(uniquePrefix('fwb'))
    const block = { key: k.ipBlock('10.0.0.9'), at: 3, ms: 300 }
    const hit = () => hitFixedWindow(redis, k.authFailures('10.0.0.9'), { windowMs: 60_000, block })
    expect(await hit()).toMatchObject({ count: 1, blockedMs: 0, blockedNow: false })
    expect(await hit()).toMatchObject({ count: 2, blockedNow: false })
    expect(await hit()).toMatchObject({ count: 3, blockedMs: 300, blockedNow: true })
    expect(await admin.exists(k.authFailures('10.0.0.9'))).toBe(0) // the count starts over after the block
    const during = await hit()
    expect(during).toMatchObject({ count: 0, blockedNow: false })
    expect(during.blockedMs).toBeGreaterThan(0)
    // A counter that only checks the flag (the connect gate) counts nothing while it holds either.
    const gate = await hitFixedWindow(redis, k.connectRate('10.0.0.9'), {
      windowMs: 60_000,
      block: { key: block.key },
    })
    expect(gate.count).toBe(0)
    expect(gate.blockedMs).toBeGreaterThan(0)
    await sleep(350)
    expect(await hit()).toMatchObject({ count: 1, blockedMs: 0 })
    // A flag without an expiry (a restored dump) still blocks, reported as 1 s.
    await admin.set(block.key, '1')
    expect(await hit()).toMatchObject({ count: 0, blockedMs: 1000 })
  })

  it('rejects fast with StoreUnavailableError while Redis is down', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const redis = await testRedis({ url: server.url }, { deadlineMs: 500 })
    await server.kill()
    const started = Date.now()
    await expect(hitFixedWindow(redis, 'k', { windowMs: 1000 })).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses a window, cost or block that makes no sense', async () => {
    const redis = await testRedis()
    await expect(hitFixedWindow(redis, 'k', { windowMs: 0 })).rejects.toThrow(RangeError)
    await expect(hitFixedWindow(redis, 'k', { windowMs: 10, cost: 0.5 })).rejects.toThrow(RangeError)
    await expect(hitFixedWindow(redis, '{a}k', { windowMs: 10, block: { key: '{b}k' } })).rejects.toThrow(
      /slot/,
    )
    await expect(
      hitFixedWindow(redis, '{a}k', { windowMs: 10, block: { key: '{a}b', at: 0, ms: 1 } }),
    ).rejects.toThrow(RangeError)
  })

  it('turns the time left into Retry-After seconds (at least 1)', () => {
    expect(retryAfterSeconds(0)).toBe(1)
    expect(retryAfterSeconds(1000)).toBe(1)
    expect(retryAfterSeconds(1001)).toBe(2)
  })
})
