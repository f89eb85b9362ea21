import { randomUUID } from 'node:crypto'
import type { Role } from '@portcullis/sessions'
import { createDecoder, createSigner, createVerifier } from 'fast-jwt'
import type { KeySet } from '../keys/keyset.ts'

/** Claims of an access token (SPEC): times in epoch SECONDS, as JWT requires. */
export interface AccessClaims {
  iss: string
  aud: string
  sub: string
  sid: string
  roles: Role[]
  iat: number
  nbf: number
  exp: number
  jti: string
}

/** Tolerance for `exp`, ms (SPEC: at most 5 s). `nbf`/`iat` may be up to 60 s ahead (checked here too). */
export const EXP_LEEWAY_MS = 5_000
export const NBF_SKEW_S = 60

/** Options shared by issuer and verifier. */
export interface TokenOptions {
  issuer: string
  audience: string
  /** Access-token lifetime, seconds. */
  ttlS: number
  now: () => number
}

const decode = createDecoder({ complete: true })

/** Signs access tokens with the current key (`kid` in the header). */
export function createTokenIssuer(keys: KeySet, opts: TokenOptions) {
  const key = keys.current
  const sign = createSigner({ key: key.privatePem, algorithm: key.alg, kid: key.kid })
  return {
    /**
     * A fresh token for the session; `exp` in seconds: `iat + ttlS`, but never after `notAfterMs` (epoch ms,
     * the session's `endsAt`), so no access token outlives its session.
     */
    issue(
      sub: string,
      sid: string,
      roles: Role[],
      notAfterMs = Number.POSITIVE_INFINITY,
    ): { token: string; claims: AccessClaims } {
      const iat = Math.floor(opts.now() / 1000)
      const claims: AccessClaims = {
        iss: opts.issuer,
        aud: opts.audience,
        sub,
        sid,
        roles,
        iat,
        nbf: iat,
        exp: Math.min(iat + opts.ttlS, Math.floor(notAfterMs / 1000)),
        jti: randomUUID(),
      }
      return { token: sign(claims), claims }
    },
  }
}

/** Why a token was refused (for the `auth.token.rejected` event). */
export type TokenRejection = 'invalid' | 'expired'

/**
 * Verifies access tokens: algorithm pinned to the key's, `kid` must be in the key set, `iss`/`aud` checked,
 * every claim required, unknown `crit` rejected; `exp` with ≤ 5 s leeway. `verify` returns null for any
 * invalid token; `check` also says why.
 */
export function createTokenVerifier(keys: KeySet, opts: Omit<TokenOptions, 'ttlS'>) {
  const check = (token: string): { claims: AccessClaims } | { reason: TokenRejection } => {
    try {
      const { header } = decode(token) as { header: { kid?: unknown } }
      const key = typeof header.kid === 'string' ? keys.byKid(header.kid) : undefined
      if (!key) return { reason: 'invalid' }
      const verify = createVerifier({
        key: key.publicPem,
        algorithms: [key.alg],
        allowedIss: opts.issuer,
        allowedAud: opts.audience,
        requiredClaims: ['iss', 'aud', 'sub', 'sid', 'roles', 'iat', 'nbf', 'exp', 'jti'],
        clockTimestamp: opts.now(),
        clockTolerance: EXP_LEEWAY_MS,
        ignoreNotBefore: true, // checked below with the wider nbf/iat skew
        cache: false,
      })
      const claims = verify(token) as AccessClaims
      const nowS = opts.now() / 1000
      if (claims.iat > nowS + NBF_SKEW_S || claims.nbf > nowS + NBF_SKEW_S) return { reason: 'invalid' }
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') return { reason: 'invalid' }
      return { claims }
    } catch (err) {
      return { reason: (err as { code?: unknown }).code === 'FAST_JWT_EXPIRED' ? 'expired' : 'invalid' }
    }
  }
  return {
    check,
    verify(token: string): AccessClaims | null {
      const result = check(token)
      return 'claims' in result ? result.claims : null
    },
  }
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>
export type TokenVerifier = ReturnType<typeof createTokenVerifier>
