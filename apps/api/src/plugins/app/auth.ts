import type { SessionRecord } from '@portcullis/sessions'
import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Forbidden, Unauthorized } from '../../errors.ts'
import { apiEvent } from '../../security-events.ts'
import type { AccessClaims } from '../../tokens/access-token.ts'

/** The authenticated caller: verified token claims and the live session they belong to. */
export interface AuthContext {
  claims: AccessClaims
  session: SessionRecord
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null
  }
  interface FastifyInstance {
    /** preValidation hook: a valid Bearer access token of a live session, else 401. */
    authenticate: preValidationAsyncHookHandler
    /** preValidation hook (after `authenticate`): the CURRENT roles in the store include `admin`, else 403. */
    requireAdmin: preValidationAsyncHookHandler
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/

function reject(req: FastifyRequest, reason: string, userId?: string): never {
  apiEvent(req.log, 'auth.token.rejected', { reason, ip: req.ip, userId, level: 'warn' })
  throw new Unauthorized()
}

async function authPlugin(app: FastifyInstance): Promise<void> {
  app.decorateRequest('auth', null)

  app.decorate('authenticate', async function authenticate(req: FastifyRequest) {
    const match = BEARER.exec(req.headers.authorization ?? '')
    if (!match?.[1]) reject(req, req.headers.authorization ? 'malformed' : 'missing')
    const result = app.tokens.verifier.check(match[1])
    if ('reason' in result) reject(req, result.reason)
    const { claims } = result
    const session = await app.store.getSession(claims.sid)
    if (!session || session.userId !== claims.sub) reject(req, 'revoked', claims.sub)
    req.auth = { claims, session }
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
