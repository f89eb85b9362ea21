import { randomUUID } from 'node:crypto'
import type { Role } from '@portcullis/protocol'
import { createSigner } from 'fast-jwt'
import type { AccessClaims } from './claims.ts'
import type { KeySet, SigningKey } from './keys/key-set.ts'
import { TokensOptionsError } from './options-error.ts'

/** A session ended before a token could be issued for it (`endsAt` is not in the future). */
export class SessionEndedError extends Error {
  readonly code = 'TOKENS_ERR_SESSION_ENDED'
  constructor() {
    super('the session has ended')
    this.name = 'SessionEndedError'
  }
}

export interface IssuerOptions {
  /** `iss` of every token (the api's `JWT_ISSUER`). */
  issuer: string
  /** `aud` of every token (`JWT_AUDIENCE`). */
  audience: string
  /** Access-token lifetime, seconds (`ACCESS_TOKEN_TTL_S`, default 300). */
  ttlS?: number
  /**
   * Clock, epoch ms (default `Date.now`): `iat`/`nbf`/`exp` are taken from it. A service with an injectable
   * clock (the api's tests move it hours ahead) passes its own, so tokens agree with its session records.
   */
  now?: () => number
}

/** Whom a token is for. */
export interface TokenSubject {
  /** User id (`sub`). */
  sub: string
  /** Session id (`sid`). */
  sid: string
  /** The user's current roles (informational for other services). */
  roles: readonly Role[]
  /** The session's absolute end, epoch ms (`SESSION_MAX_AGE_S`): `exp` never passes it. */
  endsAt?: number
}

/**
 * The fast-jwt signer options of a key: the one definition of how Portcullis signs, used by `createIssuer` and
 * by `@fastify/jwt` (its `sign` options plus `secret.private`, see `@portcullis/tokens/fastify`).
 */
export function signerOptions(key: SigningKey): { algorithm: SigningKey['alg']; kid: string; key: string } {
  return { algorithm: key.alg, kid: key.kid, key: key.privatePem }
}

export interface TokenIssuer {
  /** The key that signs (the key set's current key). */
  readonly key: SigningKey
  /**
   * The claims of a new token: `iat` = `nbf` = now, `exp` = now + `ttlS` capped at `endsAt`, a random `jti`.
   * @throws SessionEndedError when `endsAt` leaves no time
   */
  claims(subject: TokenSubject): AccessClaims
  /** Claims and their signed token (header `alg` and `kid` of the current key). */
  issue(subject: TokenSubject): { token: string; claims: AccessClaims }
}

/** Default access-token lifetime, seconds (the api's `ACCESS_TOKEN_TTL_S`). */
export const DEFAULT_TTL_S = 300

/**
 * The access-token issuer: the contract's claims, signed with the key set's current key.
 * @example
 * const issuer = createIssuer(keys, { issuer: 'portcullis', audience: 'portcullis', ttlS: 300 })
 * const { token } = issuer.issue({ sub: 'u_alice', sid, roles: ['user'], endsAt: session.endsAt })
 */
export function createIssuer(keys: KeySet, options: IssuerOptions): TokenIssuer {
  const { issuer, audience, ttlS = DEFAULT_TTL_S, now = Date.now } = options
  if (typeof issuer !== 'string' || issuer.length === 0)
    throw new TokensOptionsError('issuer', 'a non-empty string')
  if (typeof audience !== 'string' || audience.length === 0)
    throw new TokensOptionsError('audience', 'a non-empty string')
  if (!Number.isInteger(ttlS) || ttlS <= 0)
    throw new TokensOptionsError('ttlS', 'a positive integer (seconds)')
  if (typeof now !== 'function') throw new TokensOptionsError('now', 'a function returning epoch ms')
  const key = keys.current
  const sign = createSigner(signerOptions(key))

  function claims({ sub, sid, roles, endsAt }: TokenSubject): AccessClaims {
    const iat = Math.floor(now() / 1000)
    const exp = endsAt === undefined ? iat + ttlS : Math.min(iat + ttlS, Math.floor(endsAt / 1000))
    if (exp <= iat) throw new SessionEndedError()
    return { iss: issuer, aud: audience, sub, sid, roles: [...roles], iat, nbf: iat, exp, jti: randomUUID() }
  }

  return {
    key,
    claims,
    issue(subject) {
      const c = claims(subject)
      return { token: sign(c), claims: c }
    },
  }
}
