import type { SessionRecord } from '@portcullis/sessions'
import { tokenFailureOf, type AccessClaims, type VerifiedToken } from '@portcullis/tokens'
import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Forbidden, Unauthorized } from '../../errors.ts'
import { apiEvent } from '../../security-events.ts'
import jwt from '../external/jwt.ts'

/** The authenticated caller: the verified token (claims and `kid`) and the live session it belongs to. */
export interface AuthContext {
  claims: AccessClaims
  /** The key that signed the token (a ticket minted with it records it). */
  kid: string
  session: SessionRecord
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null
  }
  interface FastifyInstance {
    /** preValidation hook: a valid Bearer access token of a live session, else 401 (store unreachable: 503). */
    authenticate: preValidationAsyncHookHandler
    /** preValidation hook (after `authenticate`): the CURRENT roles in the store include `admin`, else 403. */
    requireAdmin: preValidationAsyncHookHandler
  }
}

/**
 * Bearer authentication with `@fastify/jwt` (registered here, with the one verifier of `@portcullis/tokens`):
 * `authenticate` runs `request.jwtVerify()` — the token rules, then `trusted`, which reads the session in the store
 * (revoked or another user's → 401; an unreachable store → `StoreUnavailableError`, 503) and sets `request.auth`.
 * Every refusal is the same public 401 `unauthorized`; the log says why (`auth.token.rejected`).
 */
async function authPlugin(app: FastifyInstance): Promise<void> {
  app.decorateRequest('auth', null)

  async function liveSession(req: FastifyRequest, token: VerifiedToken): Promise<boolean> {
    const session = await app.store.getSession(token.claims.sid)
    if (!session || session.userId !== token.claims.sub) return false
    req.auth = { claims: token.claims, kid: token.kid, session }
    return true
  }
  const { verifier, issuer } = app.tokens
  await app.register(jwt, { verifier, issuer, trusted: liveSession })

  app.decorate('authenticate', async function authenticate(req: FastifyRequest) {
    try {
      await req.jwtVerify()
    } catch (err) {
      const failure = tokenFailureOf(err)
      if (!failure) throw err // the store, from `liveSession`: the error handler answers 503
      // The api's own key set resolves synchronously, so `keys_unavailable` cannot happen here.
      apiEvent(req.log, 'auth.token.rejected', {
        reason: failure === 'untrusted' ? 'revoked' : failure,
        ip: req.ip,
        level: 'warn',
      })
      throw new Unauthorized()
    }
  })

  app.decorate('requireAdmin', async function requireAdmin(req: FastifyRequest) {
    if (!req.auth) throw new Unauthorized()
    const roles = await app.store.getRoles(req.auth.claims.sub)
    if (!roles?.includes('admin')) {
      apiEvent(req.log, 'auth.forbidden', {
        reason: 'not_admin',
        ip: req.ip,
        userId: req.auth.claims.sub,
        sessionId: req.auth.claims.sid,
        level: 'warn',
      })
      throw new Forbidden('admin')
    }
  })
}

export default fp(authPlugin, { name: 'auth', dependencies: ['store', 'services'] })
