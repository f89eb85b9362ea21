import type { FastifyInstance, FastifyRequest } from 'fastify'
import { providerUserId } from '../accounts/provider-account.ts'
import {
  IdentityProviderUnavailable,
  InvalidLogoutToken,
  NoIdentityProvider,
  withRetryAfter,
} from '../errors.ts'
import { apiEvent } from '../security-events.ts'
import { IDP_RETRY_AFTER_S } from './exchange.ts'

/** The `session.revoked` reason of a back-channel logout. */
export const PROVIDER_LOGOUT = 'provider_logout'

/**
 * OpenID Connect Back-Channel Logout 1.0 §2.6–2.8: verifies the logout token (signature, `iss`, `aud`, `iat`/`exp`,
 * the `events` member, `sid` and/or `sub`, no `nonce`: `@portcullis/tokens/oidc`), refuses a `jti` seen before,
 * then revokes the Portcullis sessions of the provider's `sid` — or, with only a `sub`, every session of that
 * account. Each revocation publishes `session.revoked`, so realtime closes the sockets (4401 `session_revoked`).
 * Returns how many sessions ended. Refusals are 400 (`auth.backchannel_logout.failed` says why); keys that cannot
 * be had are 503 + Retry-After (not the token's fault).
 */
export async function backchannelLogout(
  app: FastifyInstance,
  req: FastifyRequest,
  token: string,
): Promise<number> {
  const idp = app.idp
  if (!idp) throw new NoIdentityProvider()
  const result = await idp.oidc.verify(token, 'logout_token')
  const refuse = (reason: string): never => {
    apiEvent(req.log, 'auth.backchannel_logout.failed', { reason, ip: req.ip, level: 'warn' })
    throw new InvalidLogoutToken()
  }
  if (!result.ok) {
    if (result.failure === 'keys_unavailable') {
      apiEvent(req.log, 'auth.backchannel_logout.failed', {
        reason: 'keys_unavailable',
        ip: req.ip,
        level: 'warn',
      })
      throw withRetryAfter(new IdentityProviderUnavailable(), IDP_RETRY_AFTER_S)
    }
    return refuse(result.failure)
  }
  const { iss, sid, sub, jti, exp } = result.claims
  if (!(await idp.sessions.firstUse('logout', `${iss}\n${jti}`, exp))) return refuse('replayed')
  const userId = sub === undefined ? undefined : providerUserId(iss, sub)
  let revoked: string[]
  if (sid !== undefined) {
    const sids = await idp.sessions.take(iss, sid)
    const ended = await Promise.all(
      sids.map(async (s) => ((await app.store.revokeSession(s, PROVIDER_LOGOUT)) ? s : null)),
    )
    revoked = ended.filter((s): s is string => s !== null)
  } else {
    revoked = await app.store.revokeUserSessions(userId as string, PROVIDER_LOGOUT)
  }
  for (const sessionId of revoked)
    apiEvent(req.log, 'session.revoked', { reason: PROVIDER_LOGOUT, ip: req.ip, userId, sessionId })
  apiEvent(req.log, 'auth.backchannel_logout.succeeded', {
    ip: req.ip,
    userId,
    sessions: revoked.length,
    by: sid !== undefined ? 'sid' : 'sub',
  })
  return revoked.length
}
