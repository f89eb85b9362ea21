import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { RtErrors } from '../../errors.ts'
import { clientKey } from '../../limits/client-key.ts'
import type { RtStore } from '../../limits/rt-store.ts'
import { rtEvent } from '../../security-events.ts'
import { refuse } from './refuse.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: 429 + Retry-After while the client IP is blocked. */
    checkIpBlock: onRequestHookHandler
    /** Counts a failed authentication (every 401); blocks the IP past AUTH_FAILURES_PER_MIN. */
    recordAuthFailure(request: FastifyRequest): Promise<void>
  }
}

export interface IpBlockOptions {
  store: RtStore
  failuresPerMin: number
  blockS: number
}

/** Temporary IP block after repeated failed authentications, shared by all instances through Redis. */
async function ipBlockPlugin(fastify: FastifyInstance, options: IpBlockOptions): Promise<void> {
  const { store, failuresPerMin, blockS } = options
  if (!(failuresPerMin >= 1) || !(blockS >= 1))
    throw new Error('ip-block: failuresPerMin and blockS must be >= 1')

  fastify.decorate('checkIpBlock', async function checkIpBlock(request: FastifyRequest, reply) {
    let ms: number
    try {
      ms = await store.blockedFor(clientKey(request.ip))
    } catch (err) {
      throw refuse(request, new RtErrors.STORE_UNAVAILABLE({ cause: err }), 'store_unavailable')
    }
    if (ms > 0) {
      void reply.header('retry-after', Math.ceil(ms / 1000))
      throw refuse(request, new RtErrors.IP_BLOCKED(), 'ip_blocked')
    }
  })

  fastify.decorate('recordAuthFailure', async function recordAuthFailure(request: FastifyRequest) {
    try {
      if (await store.recordAuthFailure(clientKey(request.ip), failuresPerMin, blockS)) {
        rtEvent(request.log, 'ip.blocked', {
          reason: 'auth_failures',
          ip: request.ip,
          origin: request.headers.origin ?? null,
          blockS,
          level: 'warn',
        })
      }
    } catch (err) {
      // The refusal stands either way; only the count is lost while Redis is down.
      request.log.warn({ err }, 'could not count a failed authentication')
    }
  })
}

export default fp(ipBlockPlugin, { name: 'rt-ip-block' })
