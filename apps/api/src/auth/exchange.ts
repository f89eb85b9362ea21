import { createHash } from 'node:crypto'
import { KEYS_UNAVAILABLE_RETRY_AFTER_S } from '@portcullis/tokens'
import type { ProviderTokenKind } from '@portcullis/tokens/oidc'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { accountFromClaims } from '../accounts/provider-account.ts'
import {
  IdentityProviderUnavailable,
  InvalidSubjectToken,
  NoIdentityProvider,
  withRetryAfter,
} from '../errors.ts'
import { apiEvent } from '../security-events.ts'
import { openSession, type TokenPair } from './session-service.ts'

/** RFC 8693 §3 token type identifiers the exchange accepts, and the kind of provider token each is. */
export const SUBJECT_TOKEN_TYPES = {
  'urn:ietf:params:oauth:token-type:id_token': 'id_token',
  'urn:ietf:params:oauth:token-type:access_token': 'access_token',
} as const satisfies Record<string, ProviderTokenKind>

export type SubjectTokenType = keyof typeof SUBJECT_TOKEN_TYPES

/** `Retry-After` of a 503 while the provider's keys cannot be had, seconds (the key source retries within it). */
export const IDP_RETRY_AFTER_S = KEYS_UNAVAILABLE_RETRY_AFTER_S

/** The exchange request (docs/reference/http-api.md). */
export interface ExchangeRequest {
  subjectToken: string
  subjectTokenType: SubjectTokenType
  /** The `nonce` the client's authentication request carried; the ID token must hold exactly it. */
  nonce?: string | undefined
}

/**
 * Token exchange modelled on RFC 8693: a token of the identity provider becomes a Portcullis session, answered
 * exactly like a login. Order: the provider's rules (`@portcullis/tokens/oidc`: signature, `iss`, `aud`/`azp`,
 * times, type, nonce) → the token is spent (each subject token is exchanged once) → the account (created on the
 * first exchange: id from issuer and `sub`, roles seeded from the claims) → session, linked to the provider's
 * `sid` for back-channel logout. Every refusal is one public 401 `invalid_subject_token`; the reason is in the
 * `auth.exchange.failed` event only. Keys that cannot be had: 503 + Retry-After.
 */
export async function exchange(
  app: FastifyInstance,
  req: FastifyRequest,
  body: ExchangeRequest,
): Promise<TokenPair> {
  const idp = app.idp
  if (!idp) throw new NoIdentityProvider()
  const kind = SUBJECT_TOKEN_TYPES[body.subjectTokenType]
  const result = await idp.oidc.verify(body.subjectToken, kind, { nonce: body.nonce })
  const refuse = (reason: string): never => {
    apiEvent(req.log, 'auth.exchange.failed', { reason, ip: req.ip, kind, level: 'warn' })
    throw new InvalidSubjectToken()
  }
  if (!result.ok) {
    if (result.failure === 'keys_unavailable') {
      apiEvent(req.log, 'auth.exchange.failed', {
        reason: 'keys_unavailable',
        ip: req.ip,
        kind,
        level: 'warn',
      })
      throw withRetryAfter(new IdentityProviderUnavailable(), IDP_RETRY_AFTER_S)
    }
    return refuse(result.failure)
  }
  const { claims } = result
  const tokenHash = createHash('sha256').update(body.subjectToken).digest('base64url')
  if (!(await idp.sessions.firstUse('subject', tokenHash, claims.exp))) return refuse('replayed')
  const account = accountFromClaims(claims, idp.mapping)
  const pair = await openSession(app, account)
  if (claims.sid)
    await idp.sessions.link(
      claims.iss,
      claims.sid,
      pair.sessionId,
      app.now() + app.config.SESSION_MAX_AGE_S * 1000,
    )
  apiEvent(req.log, 'auth.exchange.succeeded', {
    ip: req.ip,
    userId: account.id,
    sessionId: pair.sessionId,
    kind,
  })
  return pair
}
