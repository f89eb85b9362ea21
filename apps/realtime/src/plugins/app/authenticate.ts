import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify'
import { normalizeOrigin } from '@portcullis/config'
import type { SessionStore, TicketGrant } from '@portcullis/sessions'
import {
  tokenFailureOf,
  wireError,
  type JwksSource,
  type TokenFailure,
  type TokenVerifier,
} from '@portcullis/tokens'
import { RtErrors } from '../../errors.ts'
import { extractCredential, type Extraction } from '../../auth/credentials.ts'
import type { Principal } from '../../auth/principal.ts'
import jwt from '../external/jwt.ts'
import { refuse } from './refuse.ts'
import { upgradeOf } from './upgrade-telemetry.ts'
import type { UpgradeWatch, UpgradeWatches } from '../../hub/upgrade-watch.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` once the upgrade's credential checked out. */
    principal: Principal | null
    /** The upgrade's credential, as `extractCredential` found it (the bearer path hands it to @fastify/jwt). */
    credential: Extraction | null
    /**
     * Session events that race this upgrade (from before its session read until its socket is registered): the
     * socket handler settles it; a refused or abandoned upgrade ends it in `onResponse` / `onRequestAbort`.
     */
    upgradeWatch: UpgradeWatch | null
  }
  interface FastifyInstance {
    /**
     * Hook: 401 (missing/invalid/expired/revoked credential, spent ticket) or 503 (store or key set unreachable:
     * never counted as a failed authentication).
     */
    authenticateUpgrade: preValidationHookHandler
  }
}

export interface AuthenticateOptions {
  store: SessionStore
  /** Where upgrades in flight are watched for racing session events (the supervisor's). */
  upgrades: UpgradeWatches
  /** The api's keys: a ticket whose minting key is no longer published is refused. */
  keys: Pick<JwksSource, 'resolve'>
  /** The one token verifier, registered with @fastify/jwt for the bearer credentials. */
  verifier: TokenVerifier
  /** Leeway after the minting token's `exp` for a ticket, ms. */
  expLeewayMs: number
  allowQueryToken: boolean
}

/** The refusal of a token failure, by its wire code (`wireError`: the one mapping). */
function refusalOf(failure: TokenFailure): FastifyError {
  switch (wireError(failure).error) {
    case 'missing_credentials':
      return new RtErrors.CREDENTIALS_MISSING()
    case 'token_expired':
      return new RtErrors.TOKEN_EXPIRED()
    case 'unavailable':
      return new RtErrors.JWKS_UNAVAILABLE()
    default:
      return new RtErrors.TOKEN_INVALID()
  }
}

/**
 * Credential extraction and verification before the upgrade (documented order: ticket, subprotocol bearer,
 * Authorization, dev-only query token). Tickets are consumed atomically and bound to their Origin and to the key of
 * the token that minted them; bearer tokens are verified by `@fastify/jwt` with the one verifier. Every credential
 * must lead to a live session, whose current roles (not the token's) are used. Every 401 counts toward the IP
 * block; a 503 (store or keys unreachable) never does.
 */
async function authenticatePlugin(fastify: FastifyInstance, options: AuthenticateOptions): Promise<void> {
  const { store, keys, verifier, expLeewayMs, allowQueryToken, upgrades } = options
  if (!store || !keys || !verifier || !upgrades || !(expLeewayMs >= 0))
    throw new Error('authenticate: store, keys, verifier, upgrades and expLeewayMs are required')
  fastify.decorateRequest('principal', null)
  fastify.decorateRequest('credential', null)
  fastify.decorateRequest('upgradeWatch', null)
  await fastify.register(jwt, {
    verifier,
    extractToken: (request) => (request.credential?.ok ? request.credential.value : undefined),
  })
  const endWatch = async (request: FastifyRequest): Promise<void> => {
    if (request.upgradeWatch) upgrades.end(request.upgradeWatch)
  }
  fastify.addHook('onResponse', endWatch)
  fastify.addHook('onRequestAbort', endWatch)

  async function unauthorized(request: FastifyRequest, err: FastifyError, reason: string): Promise<never> {
    if (err.statusCode === 401) await fastify.recordAuthFailure(request)
    throw refuse(request, err, reason)
  }

  /** A ticket's grant, checked: its Origin binding, its token's expiry and key. */
  async function redeemTicket(request: FastifyRequest, ticket: string): Promise<TicketGrant> {
    const grant = await store.consumeTicket(ticket)
    if (!grant) return await unauthorized(request, new RtErrors.TICKET_INVALID(), 'ticket_unknown_or_spent')
    // The ticket request's trace continues into this upgrade's span (docs/reference/protocol.md).
    upgradeOf(request).continueTrace(grant.traceparent)
    // Bound to the Origin of the ticket request: the same (compared as the Origin policy does), or none on both
    // sides. The ticket is spent either way.
    const origin = request.headers.origin
    if ((grant.origin ?? null) !== (origin === undefined ? null : normalizeOrigin(origin)))
      return await unauthorized(request, new RtErrors.TICKET_INVALID(), 'ticket_origin_mismatch')
    if (Date.now() > grant.accessExp + expLeewayMs)
      return await unauthorized(request, new RtErrors.TOKEN_EXPIRED(), 'ticket_token_expired')
    // Minted with a token of a key the api has stopped publishing. Only a definite `unknown_kid` refuses: a JWKS
    // outage must not fail tickets, which need no key to be redeemed.
    if (grant.kid !== undefined && (await keys.resolve(grant.kid)) === 'unknown_kid')
      return await unauthorized(request, new RtErrors.TICKET_INVALID(), 'ticket_key_removed')
    return grant
  }

  /** The bearer token, verified by @fastify/jwt (`request.user`). */
  async function verifyBearer(
    request: FastifyRequest,
  ): Promise<{ userId: string; sid: string; expMs: number; kid: string }> {
    try {
      await request.jwtVerify()
      const { claims, kid } = request.user
      return { userId: claims.sub, sid: claims.sid, expMs: claims.exp * 1000, kid }
    } catch (err) {
      const failure = tokenFailureOf(err)
      if (!failure) throw err
      return await unauthorized(request, refusalOf(failure), `token_${failure}`)
    }
  }

  async function principalFor(request: FastifyRequest): Promise<Principal> {
    const found = extractCredential(
      request.query as Record<string, unknown>,
      request.headers,
      allowQueryToken,
    )
    request.credential = found
    if (!found.ok) {
      const err =
        found.reason === 'missing' ? new RtErrors.CREDENTIALS_MISSING() : new RtErrors.TOKEN_INVALID()
      return await unauthorized(request, err, found.reason)
    }
    upgradeOf(request).setCredential(found.source)
    let userId: string
    let sid: string
    let expMs: number
    let kid: string | null
    let traceparent: string | null = null
    if (found.source === 'ticket') {
      const grant = await redeemTicket(request, found.value)
      ;({ userId, sid } = grant)
      expMs = grant.accessExp
      kid = grant.kid ?? null
      traceparent = grant.traceparent
    } else {
      ;({ userId, sid, expMs, kid } = await verifyBearer(request))
    }
    // Watch for revocations and role changes from before the session read until the socket exists.
    request.upgradeWatch = upgrades.start(sid, userId)
    // Both lookups in one round trip (node-redis pipelines concurrent commands; the keys may sit in different
    // Cluster slots, so this is a pipeline rather than one script: decision 0702).
    const [session, roles] = await Promise.all([store.getSession(sid), store.getRoles(userId)])
    if (!session || session.userId !== userId)
      return await unauthorized(request, new RtErrors.SESSION_REVOKED(), 'session_revoked')
    if (!roles) return await unauthorized(request, new RtErrors.SESSION_REVOKED(), 'unknown_user')
    return {
      userId,
      username: session.username,
      sid,
      roles,
      expMs,
      kid,
      sessionEndsAt: session.endsAt,
      via: found.source,
      traceparent,
    }
  }

  // An unreachable store rejects with StoreUnavailableError: the error handler refuses 503 (never admit).
  fastify.decorate('authenticateUpgrade', async function authenticateUpgrade(request: FastifyRequest) {
    request.principal = await principalFor(request)
  })
}

export default fp(authenticatePlugin, { name: 'rt-authenticate', dependencies: ['rt-ip-block'] })
