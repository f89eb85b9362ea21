import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { LoginThrottled } from '../../errors.ts'
import { apiEvent } from '../../security-events.ts'
import { redisRateLimitStore } from './rate-limit-store.ts'

/**
 * `@fastify/rate-limit`, Redis-backed, opt-in per route (`config.rateLimit`): login and the identity-provider
 * exchange are limited per IP, each route with its own count. Runs in `onRequest`, before authentication and body
 * parsing.
 */
async function rateLimitPlugin(app: FastifyInstance, opts: { prefix: string }): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    store: redisRateLimitStore(app.redis, opts.prefix),
    errorResponseBuilder: (req, ctx) => {
      const retryAfterS = Math.max(1, Math.ceil(ctx.ttl / 1000))
      apiEvent(req.log, 'auth.login.throttled', {
        reason: 'ip',
        ip: req.ip,
        route: req.routeOptions.url,
        level: 'warn',
      })
      return Object.assign(new LoginThrottled(retryAfterS), { retryAfterS })
    },
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['store'] })
