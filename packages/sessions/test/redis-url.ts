import { inject, onTestFinished } from 'vitest'
import { connectRedis, whenReady, type ConnectRedisOptions, type RedisTarget } from '../src/redis.ts'
import type { RedisConnection } from '../src/connection.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by @portcullis/testkit's global setup (same declaration as there). */
    redisUrl: string
  }
}

/** URL of the redis-server the test project owns. */
export const redisUrl = (): string => inject('redisUrl')

/** A connected `RedisConnection` (one node by default), closed when the test finishes. */
export async function testRedis(
  target: RedisTarget = { url: redisUrl() },
  options: ConnectRedisOptions = {},
): Promise<RedisConnection> {
  const redis = connectRedis(target, { maxReconnectDelayMs: 200, ...options })
  onTestFinished(() => redis.close())
  if (!(await whenReady(redis, 10_000))) throw new Error('test Redis did not become ready')
  return redis
}
