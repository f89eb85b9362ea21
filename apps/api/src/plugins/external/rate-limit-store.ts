import type { RedisClient } from '@portcullis/sessions/redis'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { RouteOptions } from 'fastify'
import { withDeadline } from '@portcullis/sessions'
import { StoreUnavailable } from '../../errors.ts'
import { REDIS_CALL_TIMEOUT_MS } from '../../store-guard.ts'

/** KEYS[1] counter; ARGV window ms. Fixed window: {count, pttl}. */
const INCR = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`

/**
 * A `@fastify/rate-limit` store over the node-redis client (its built-in Redis store speaks ioredis), so per-IP
 * limits hold across api instances. An unreachable Redis fails closed (503), never open.
 */
export function redisRateLimitStore(redis: RedisClient, prefix: string): FastifyRateLimitStoreCtor {
  class RedisRateLimitStore implements FastifyRateLimitStore {
    readonly #key: string

    constructor(_options: unknown, key = `${prefix}ratelimit:`) {
      this.#key = key
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      withDeadline(
        redis.eval(INCR, { keys: [this.#key + key], arguments: [String(timeWindow)] }),
        REDIS_CALL_TIMEOUT_MS,
      ).then(
        (reply) => {
          const [current, ttl] = reply as [number, number]
          callback(null, { current, ttl })
        },
        (err: unknown) => callback(new StoreUnavailable({ cause: err })),
      )
    }

    /** One counter namespace per route: `<prefix>ratelimit:<METHOD><url>:<ip>`. */
    child(routeOptions: RouteOptions & { path: string; prefix: string }): FastifyRateLimitStore {
      // At runtime the plugin passes its merged params, with the route under `routeInfo` (types say otherwise).
      const route = (routeOptions as { routeInfo?: RouteOptions }).routeInfo ?? routeOptions
      return new RedisRateLimitStore(null, `${this.#key}${String(route.method)}${route.url}:`)
    }
  }
  return RedisRateLimitStore
}
