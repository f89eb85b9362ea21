import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startRedisServer, uniquePrefix } from '@portcullis/testkit'
import { createRedisClient, hitFixedWindow, retryAfterSeconds, type RedisClient } from '../src/redis.ts'
import { redisUrl } from './redis-url.ts'

async function client(url = redisUrl()): Promise<RedisClient> {
  const c = createRedisClient(url, { maxReconnectDelayMs: 200 })
  await c.connect()
  onTestFinished(() => c.destroy())
  return c
}

describe('hitFixedWindow (real Redis)', () => {
  it('counts hits in one window, shared by every client, and starts over when it ends', async () => {
    const [a, b] = [await client(), await client()]
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
    const redis = await client()
    const key = `${uniquePrefix('fw')}k`
    await hitFixedWindow(redis, key, { windowMs: 400 })
    await sleep(200)
    const later = await hitFixedWindow(redis, key, { windowMs: 400 })
    expect(later.resetMs).toBeLessThanOrEqual(220)
  })

  it('reads with cost 0 and refunds with a negative cost, never below 0 and never opening a window', async () => {
    const redis = await client()
    const key = `${uniquePrefix('fw')}k`
    expect(await hitFixedWindow(redis, key, { windowMs: 60_000, cost: 0 })).toEqual({ count: 0, resetMs: 0 })
    expect(await hitFixedWindow(redis, key, { windowMs: 60_000, cost: -1 })).toEqual({ count: 0, resetMs: 0 })
    expect(await redis.exists(key)).toBe(0)
    await hitFixedWindow(redis, key, { windowMs: 60_000, cost: 2 })
    expect((await hitFixedWindow(redis, key, { windowMs: 60_000, cost: 0 })).count).toBe(2)
    expect((await hitFixedWindow(redis, key, { windowMs: 60_000, cost: -5 })).count).toBe(0)
    expect(await redis.pTTL(key)).toBeGreaterThan(59_000) // the refund kept the window
  })

  it('gives a counter without an expiry one again', async () => {
    const redis = await client()
    const key = `${uniquePrefix('fw')}k`
    await redis.set(key, '7')
    expect(await hitFixedWindow(redis, key, { windowMs: 5000 })).toEqual({ count: 8, resetMs: 5000 })
    expect(await redis.pTTL(key)).toBeGreaterThan(4000)
  })

  it('rejects fast while Redis is down', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const redis = await client(server.url)
    await server.kill()
    const started = Date.now()
    await expect(hitFixedWindow(redis, 'k', { windowMs: 1000, timeoutMs: 500 })).rejects.toThrow(/./)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses a window or cost that is not an integer', async () => {
    const redis = await client()
    await expect(hitFixedWindow(redis, 'k', { windowMs: 0 })).rejects.toThrow(RangeError)
    await expect(hitFixedWindow(redis, 'k', { windowMs: 10, cost: 0.5 })).rejects.toThrow(RangeError)
  })

  it('turns the time left into Retry-After seconds (at least 1)', () => {
    expect(retryAfterSeconds(0)).toBe(1)
    expect(retryAfterSeconds(1000)).toBe(1)
    expect(retryAfterSeconds(1001)).toBe(2)
  })
})
