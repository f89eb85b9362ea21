import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import { RtErrors } from '../../errors.ts'
import { clientKey } from '../../limits/client-key.ts'
import type { RtStore } from '../../limits/rt-store.ts'
import { refuse } from './refuse.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: per-IP connect rate (CONNECT_RATE_PER_MIN, all instances), 429 + Retry-After. */
    checkConnectRate: onRequestHookHandler
  }
}

export interface ConnectRateOptions {
  store: RtStore
  perMinute: number
}

type IncrCallback = (err: Error | null, res?: { current: number; ttl: number }) => void

/** Per-IP connect rate limit through @fastify/rate-limit, with a node-redis store shared by all instances. */
async function connectRatePlugin(fastify: FastifyInstance, options: ConnectRateOptions): Promise<void> {
  const { store, perMinute } = options
  if (!(perMinute >= 1)) throw new Error('connect-rate: perMinute must be >= 1')

  // @fastify/rate-limit constructs the store itself; a closure class hands it our RtStore.
  class SharedStore {
    incr(ip: string, cb: IncrCallback, timeWindow: number): void {
      store.incrWindow(store.keys.connectRate(ip), timeWindow).then(
        (res) => cb(null, res),
        (err: unknown) => cb(new RtErrors.STORE_UNAVAILABLE({ cause: err })),
      )
    }
    child(): SharedStore {
      return this
    }
  }

  await fastify.register(rateLimit, {
    global: false,
    store: SharedStore as never,
    skipOnError: false,
    // Only Retry-After on refusals: the counters of an IP are nobody's business.
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
  })

  const limiter = fastify.rateLimit({
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => clientKey(request.ip),
    errorResponseBuilder: (request) => refuse(request, new RtErrors.CONNECT_RATE(), 'connect_rate'),
  })
  fastify.decorate('checkConnectRate', limiter)
}

export default fp(connectRatePlugin, { name: 'rt-connect-rate' })
