import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { clientKey } from '@portcullis/sessions'
import { RtErrors } from '../../errors.ts'
import type { RtStore } from '../../limits/rt-store.ts'
import { rtEvent } from '../../security-events.ts'
import { refuse } from './refuse.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook, one Redis round trip: 429 + Retry-After while the client IP is blocked, else counts the
     * connect and answers 429 + Retry-After past CONNECT_RATE_PER_MIN (all instances).
     */
    checkIpGate: onRequestHookHandler
    /** Counts a failed authentication (every 401); blocks the IP past AUTH_FAILURES_PER_MIN. */
    recordAuthFailure(request: FastifyRequest): Promise<void>
  }
}

export interface IpBlockOptions {
  store: RtStore
  failuresPerMin: number
  blockS: number
  /** CONNECT_RATE_PER_MIN: upgrades per IP per minute (fixed window), across instances. */
  connectPerMin: number
}

/** Fixed window of the connect rate (ms). */
const CONNECT_WINDOW_MS = 60_000

/**
 * Temporary IP block after repeated failed authentications and the per-IP connect rate, shared by all instances
 * through Redis: one script checks the block and counts the connect (the bench measured two round trips and a
 * `PTTL` per upgrade before). See docs/decisions/0702-one-round-trip-ip-gate.md.
 */
async function ipBlockPlugin(fastify: FastifyInstance, options: IpBlockOptions): Promise<void> {
  const { store, failuresPerMin, blockS, connectPerMin } = options
  if (!(failuresPerMin >= 1) || !(blockS >= 1) || !(connectPerMin >= 1))
    throw new Error('ip-block: failuresPerMin, blockS and connectPerMin must be >= 1')

  fastify.decorate('checkIpGate', async function checkIpGate(request: FastifyRequest, reply) {
    // An unreachable store rejects with StoreUnavailableError: the error handler refuses 503 (fail closed).
    const gate = await store.gateConnect(clientKey(request.ip), CONNECT_WINDOW_MS)
    if (gate.blockedMs > 0) {
      void reply.header('retry-after', Math.ceil(gate.blockedMs / 1000))
      throw refuse(request, new RtErrors.IP_BLOCKED(), 'ip_blocked')
    }
    if (gate.current > connectPerMin) {
      void reply.header('retry-after', Math.max(1, Math.ceil(gate.ttl / 1000)))
      throw refuse(request, new RtErrors.CONNECT_RATE(), 'connect_rate')
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
