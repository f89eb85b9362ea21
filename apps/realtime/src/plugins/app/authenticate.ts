import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { SessionStore } from '@portcullis/sessions'
import { RtErrors } from '../../errors.ts'
import { extractCredential } from '../../auth/credentials.ts'
import type { JwksCache } from '../../auth/jwks.ts'
import type { Principal } from '../../auth/principal.ts'
import { verifyWithRefresh, type VerifyOptions } from '../../auth/verify-token.ts'
import { refuse } from './refuse.ts'
import { upgradeOf } from './upgrade-telemetry.ts'
import type { UpgradeWatch, UpgradeWatches } from '../../hub/upgrade-watch.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` once the upgrade's credential checked out. */
    principal: Principal | null
    /**
     * Session events that race this upgrade (from before its session read until its socket is registered): the
     * socket handler settles it; a refused or abandoned upgrade ends it in `onResponse` / `onRequestAbort`.
     */
    upgradeWatch: UpgradeWatch | null
  }
  interface FastifyInstance {
    /** Hook: 401 (missing/invalid/expired/revoked credential, spent ticket) or 503 (store unreachable). */
    authenticateUpgrade: preValidationHookHandler
  }
}

export interface AuthenticateOptions {
  store: SessionStore
  /** Where upgrades in flight are watched for racing session events (the supervisor's). */
  upgrades: UpgradeWatches
  keys: JwksCache
  verify: VerifyOptions
  allowQueryToken: boolean
}

class StoreDown extends Error {}

/** Awaits a session-store call; an unreachable store becomes `StoreDown` (→ 503, never admit). */
async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw new StoreDown('session store unreachable', { cause: err })
  }
}

/**
 * Credential extraction and verification before the upgrade (SPEC order: ticket, subprotocol bearer,
 * Authorization, dev-only query token). Tickets are consumed atomically and bound to their Origin; every
 * credential must lead to a live session, whose current roles (not the token's) are used.
 */
async function authenticatePlugin(fastify: FastifyInstance, options: AuthenticateOptions): Promise<void> {
  const { store, keys, verify, allowQueryToken, upgrades } = options
  if (!store || !keys || !upgrades) throw new Error('authenticate: store, keys and upgrades are required')
  fastify.decorateRequest('principal', null)
  fastify.decorateRequest('upgradeWatch', null)
  const endWatch = async (request: FastifyRequest): Promise<void> => {
    if (request.upgradeWatch) upgrades.end(request.upgradeWatch)
  }
  fastify.addHook('onResponse', endWatch)
  fastify.addHook('onRequestAbort', endWatch)

  async function unauthorized(request: FastifyRequest, err: FastifyError, reason: string): Promise<never> {
    await fastify.recordAuthFailure(request)
    throw refuse(request, err, reason)
  }

  async function principalFor(request: FastifyRequest): Promise<Principal> {
    const found = extractCredential(
      request.query as Record<string, unknown>,
      request.headers,
      allowQueryToken,
    )
    if (!found.ok) {
      const err =
        found.reason === 'missing' ? new RtErrors.CREDENTIALS_MISSING() : new RtErrors.TOKEN_INVALID()
      return await unauthorized(request, err, found.reason)
    }
    upgradeOf(request).setCredential(found.source)
    const nowMs = Date.now()
    let userId: string
    let sid: string
    let expMs: number
    let traceparent: string | null = null
    if (found.source === 'ticket') {
      const grant = await fromStore(() => store.consumeTicket(found.value))
      if (!grant) return await unauthorized(request, new RtErrors.TICKET_INVALID(), 'ticket_unknown_or_spent')
      // The ticket request's trace continues into this upgrade's span (SPEC "Behaviour").
      upgradeOf(request).continueTrace(grant.traceparent)
      // Bound to the Origin of the ticket request: same Origin, or none on both sides (the ticket is spent).
      if ((grant.origin ?? null) !== (request.headers.origin ?? null))
        return await unauthorized(request, new RtErrors.TICKET_INVALID(), 'ticket_origin_mismatch')
      if (nowMs > grant.accessExp + verify.expLeewayS * 1000)
        return await unauthorized(request, new RtErrors.TOKEN_EXPIRED(), 'ticket_token_expired')
      ;({ userId, sid } = grant)
      expMs = grant.accessExp
      traceparent = grant.traceparent
    } else {
      const result = await verifyWithRefresh(found.value, keys, verify)
      if (!result.ok) {
        const err = result.reason === 'expired' ? new RtErrors.TOKEN_EXPIRED() : new RtErrors.TOKEN_INVALID()
        return await unauthorized(request, err, `token_${result.reason}`)
      }
      userId = result.claims.sub
      sid = result.claims.sid
      expMs = result.claims.exp * 1000
    }
    // Watch for revocations and role changes from before the session read until the socket exists.
    request.upgradeWatch = upgrades.start(sid, userId)
    // Both lookups in one round trip (node-redis pipelines concurrent commands; the keys may sit in different
    // Cluster slots, so this is a pipeline rather than one script: decision 0702).
    const [session, roles] = await fromStore(() =>
      Promise.all([store.getSession(sid), store.getRoles(userId)]),
    )
    if (!session || session.userId !== userId)
      return await unauthorized(request, new RtErrors.SESSION_REVOKED(), 'session_revoked')
    if (!roles) return await unauthorized(request, new RtErrors.SESSION_REVOKED(), 'unknown_user')
    return {
      userId,
      username: session.username,
      sid,
      roles,
      expMs,
      sessionEndsAt: session.endsAt,
      via: found.source,
      traceparent,
    }
  }

  fastify.decorate('authenticateUpgrade', async function authenticateUpgrade(request: FastifyRequest) {
    try {
      request.principal = await principalFor(request)
    } catch (err) {
      if (err instanceof StoreDown)
        throw refuse(request, new RtErrors.STORE_UNAVAILABLE({ cause: err.cause }), 'store_unavailable')
      throw err
    }
  })
}

export default fp(authenticatePlugin, { name: 'rt-authenticate', dependencies: ['rt-ip-block'] })
