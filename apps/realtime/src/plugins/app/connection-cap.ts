import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify'
import { connectionLease } from '@portcullis/sessions/redis'
import { RtErrors } from '../../errors.ts'
import type { RtStore } from '../../limits/rt-store.ts'
import { refuse } from './refuse.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The id of the socket this upgrade will become, once a connection slot is reserved. */
    connectionId: string | null
    /** Called by the socket handler once the upgrade happened: the slot is then released by the hub on close. */
    keepConnectionSlot: (() => void) | null
  }
  interface FastifyInstance {
    /**
     * Hook: reserves one of the user's MAX_CONNECTIONS_PER_USER slots (all instances), else 429; then one of this
     * instance's MAX_CONNECTIONS, else 503.
     */
    reserveConnection: preValidationHookHandler
    /** Gives a slot back (socket closed, or the upgrade never happened): `lease` is `connectionLease(sid, id)`. */
    releaseConnection(userId: string, lease: string): Promise<void>
  }
}

export interface ConnectionCapOptions {
  store: RtStore
  maxPerUser: number
  /** A slot lives this long unless its instance renews it: slots of a crashed instance free themselves. */
  leaseMs: number
  /** MAX_CONNECTIONS: sockets this instance holds at most, upgrades past this hook included. */
  maxConnections: number
  /** Sockets open on this instance now. */
  openConnections: () => number
}

/** Seconds a client refused for too many connections should wait (one of its sockets has to close first). */
const RETRY_AFTER_S = 5

/**
 * Per-user connection cap across instances: a Redis sorted set of connection leases scored by lease expiry. Each
 * lease names its session (`connectionLease(sid, connectionId)`), so the admin listing counts a session's sockets.
 */
async function connectionCapPlugin(fastify: FastifyInstance, options: ConnectionCapOptions): Promise<void> {
  const { store, maxPerUser, leaseMs, maxConnections, openConnections } = options
  if (!(maxPerUser >= 1) || !(leaseMs >= 1000) || !(maxConnections >= 1) || !openConnections)
    throw new Error('connection-cap: bad options')
  /** Upgrades that passed this hook and are not a registered socket yet (they count toward MAX_CONNECTIONS). */
  let opening = 0
  fastify.decorateRequest('connectionId', null)
  fastify.decorateRequest('keepConnectionSlot', null)

  fastify.decorate('reserveConnection', async function reserveConnection(request: FastifyRequest, reply) {
    const principal = request.principal
    if (!principal) throw new Error('reserveConnection runs after authenticate')
    const connectionId = randomBytes(12).toString('base64url')
    const lease = connectionLease(principal.sid, connectionId)
    // An unreachable store rejects with StoreUnavailableError: the error handler refuses 503 (fail closed).
    const ok = await store.acquireConnection(principal.userId, lease, maxPerUser, leaseMs)
    if (!ok) {
      void reply.header('retry-after', RETRY_AFTER_S)
      throw refuse(request, new RtErrors.USER_CONNECTIONS(), 'user_connection_limit')
    }
    // The documented order: the per-user cap (429) is judged before the instance's (503).
    if (openConnections() + opening >= maxConnections) {
      void fastify.releaseConnection(principal.userId, lease)
      throw refuse(request, new RtErrors.INSTANCE_FULL(), 'instance_full')
    }
    opening += 1
    request.connectionId = connectionId
    // If the client vanishes between here and the `101`, the socket handler never runs: give the slot back.
    const socket = request.raw.socket
    const giveBack = (): void => {
      opening -= 1
      void fastify.releaseConnection(principal.userId, lease)
    }
    socket.once('close', giveBack)
    request.keepConnectionSlot = () => {
      socket.off('close', giveBack)
      opening -= 1
    }
  })

  fastify.decorate('releaseConnection', async function releaseConnection(userId: string, lease: string) {
    try {
      await store.releaseConnection(userId, lease)
    } catch (err) {
      // The lease expires by itself within leaseMs.
      fastify.log.warn({ err }, 'could not release a connection slot')
    }
  })
}

export default fp(connectionCapPlugin, { name: 'rt-connection-cap' })
