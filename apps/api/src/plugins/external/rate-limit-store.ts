import { hitFixedWindow, keys, type RedisConnection } from '@portcullis/sessions/redis'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { RouteOptions } from 'fastify'

/**
 * A `@fastify/rate-limit` store over the node-redis client (its built-in Redis store speaks ioredis), so per-IP
 * limits hold across api instances: the workspace's one fixed-window counter (`hitFixedWindow`). An unreachable
 * Redis fails closed (`StoreUnavailableError`: 503), never open.
 */
export function redisRateLimitStore(redis: RedisConnection, prefix: string): FastifyRateLimitStoreCtor {
  class RedisRateLimitStore implements FastifyRateLimitStore {
    readonly #key: string

    constructor(_options: unknown, key = keys(prefix).rateLimitPrefix) {
      this.#key = key
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      hitFixedWindow(redis, this.#key + key, { windowMs: timeWindow }).then(
        ({ count, resetMs }) => callback(null, { current: count, ttl: resetMs }),
        (err: unknown) => callback(err as Error),
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
