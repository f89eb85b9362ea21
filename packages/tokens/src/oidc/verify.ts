import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { ASYMMETRIC_ALGS, CLOCK_SKEW_S, EXP_LEEWAY_S, type AsymmetricAlg } from '../defaults.ts'
import { tokenFailureOf, type TokenFailure } from '../failures.ts'
import { MAX_KID_LENGTH, type KeyResolver, type VerificationKey } from '../keys/public-key.ts'
import { TokensOptionsError } from '../options-error.ts'
import { decodeToken, type DecodedToken } from '../verifier.ts'
import {
  BACKCHANNEL_LOGOUT_EVENT,
  isProviderId,
  MAX_PROVIDER_TOKEN_LENGTH,
  type ProviderClaims,
  type ProviderTokenKind,
} from './claims.ts'

export interface ProviderVerifierOptions {
  /** The provider's issuer identifier (`OIDC_ISSUER`), compared exactly with `iss`. */
  issuer: string
  /** The client id / audience (`OIDC_AUDIENCE`) that `aud` must contain. */
  audience: string
  /** The provider's keys: a `JwksSource` created with `algorithms`. */
  keys: KeyResolver
  /** The algorithms the provider signs with (its discovery document's), within `ASYMMETRIC_ALGS`. */
  algorithms: readonly AsymmetricAlg[]
}

/** What the flow that obtained the token expects beyond the provider's rules. */
export interface ProviderVerifyExpectations {
  /** The `nonce` the authentication request carried: the ID token must hold exactly this. */
  nonce?: string | undefined
}

export type ProviderVerifyResult =
  | { readonly ok: true; readonly claims: ProviderClaims; readonly kid: string }
  | { readonly ok: false; readonly failure: TokenFailure }

export interface ProviderVerifier {
  /** Verifies a provider JWT of `kind`. Never throws, never rejects. */
  verify(
    token: unknown,
    kind: ProviderTokenKind,
    expect?: ProviderVerifyExpectations,
  ): Promise<ProviderVerifyResult>
  readonly issuer: string
  readonly audience: string
}

/** `typ` header values each kind accepts, lower-cased; `undefined` = no `typ` at all. */
const TYPES: Readonly<Record<ProviderTokenKind, ReadonlySet<string | undefined>>> = {
  // An ID token is untyped or plain `JWT`: an access or logout token is typed otherwise and never passes as one.
  id_token: new Set([undefined, 'jwt']),
  // RFC 9068 §4: the resource server MUST check `typ` (this is what keeps ID tokens out).
  access_token: new Set(['at+jwt', 'application/at+jwt']),
  // Back-Channel Logout 1.0 §2.4: SHOULD be `logout+jwt`; older providers send none or `JWT`.
  logout_token: new Set([undefined, 'jwt', 'logout+jwt', 'application/logout+jwt']),
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

function audienceOk(payload: Record<string, unknown>, audience: string, kind: ProviderTokenKind): boolean {
  const { aud, azp } = payload
  const list = typeof aud === 'string' ? [aud] : aud
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string')) return false
  if (!list.includes(audience)) return false
  if (kind !== 'id_token') return true
  // OIDC Core §3.1.3.7 (3)–(5): with several audiences `azp` must be there, and when there it must be us.
  if (list.length > 1 && azp === undefined) return false
  return azp === undefined || azp === audience
}

/** The claim rules of a kind, cheapest first; null when they pass. Times against `nowS`. */
function claimFailure(
  payload: Record<string, unknown>,
  kind: ProviderTokenKind,
  options: ProviderVerifierOptions,
  expect: ProviderVerifyExpectations,
  nowS: number,
): TokenFailure | null {
  if (payload.iss !== options.issuer) return 'issuer'
  if (!audienceOk(payload, options.audience, kind)) return 'audience'
  const { exp, iat, nbf, sub, sid, jti } = payload
  if (!isTime(exp) || !isTime(iat) || (nbf !== undefined && !isTime(nbf))) return 'claims'
  if (nowS > exp + EXP_LEEWAY_S) return 'expired'
  if (iat > nowS + CLOCK_SKEW_S || (nbf !== undefined && nbf > nowS + CLOCK_SKEW_S)) return 'not_yet_valid'
  if (sub !== undefined && !isProviderId(sub)) return 'claims'
  if (sid !== undefined && !isProviderId(sid)) return 'claims'
  if (jti !== undefined && !isProviderId(jti)) return 'claims'
  switch (kind) {
    case 'id_token':
      if (sub === undefined) return 'claims'
      if (expect.nonce !== undefined && payload.nonce !== expect.nonce) return 'nonce'
      return null
    case 'access_token':
      // RFC 9068 §2.2: sub, client_id and jti are required.
      if (sub === undefined || jti === undefined || typeof payload.client_id !== 'string') return 'claims'
      return null
    case 'logout_token': {
      // Back-Channel Logout 1.0 §2.6: a nonce means someone passed off an ID token as a logout token.
      if ('nonce' in payload) return 'nonce'
      const events = payload.events as Record<string, unknown> | undefined
      const event =
        typeof events === 'object' && events !== null ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined
      if (typeof event !== 'object' || event === null || Array.isArray(event)) return 'claims'
      if (jti === undefined || (sub === undefined && sid === undefined)) return 'claims'
      return null
    }
  }
}

/** Header rules: the `kid` when they pass. */
function headerFailure(
  header: Record<string, unknown>,
  kind: ProviderTokenKind,
  algorithms: readonly unknown[],
): string | { failure: TokenFailure } {
  if (!algorithms.includes(header.alg)) return { failure: 'algorithm' }
  if (header.crit !== undefined) return { failure: 'crit' }
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : header.typ
  if (typ !== undefined && typeof typ !== 'string') return { failure: 'token_type' }
  if (!TYPES[kind].has(typ)) return { failure: 'token_type' }
  const { kid } = header
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH)
    return { failure: 'unknown_kid' }
  return kid
}

/**
 * The verifier of an OpenID Connect provider's JWTs: ID tokens (OIDC Core §3.1.3.7), JWT access tokens (RFC 9068)
 * and back-channel logout tokens (Back-Channel Logout 1.0 §2.6). Rules, cheapest first:
 * - header: `alg` in `algorithms` (asymmetric only: `none` and HMAC can never be configured), no `crit`, `typ`
 *   of the kind, a `kid`;
 * - claims: `iss` exact; `aud` contains the audience (an ID token with several needs `azp`, and `azp` must be us);
 *   `exp` + `EXP_LEEWAY_S` (5 s); `iat`/`nbf` at most `CLOCK_SKEW_S` (60 s) ahead; `sub` (ID, access); the flow's
 *   `nonce` (ID); `client_id`, `jti` (access); `events` with the back-channel-logout member, `jti`, `sid` and/or
 *   `sub`, and NO `nonce` (logout);
 * - the key of the `kid` from `keys`, whose own algorithm must be the header's; then the signature (fast-jwt, which
 *   re-checks `alg`, `iss`, `aud` and `exp`).
 * Replay of a logout token (its `jti`) is the caller's to refuse: it needs shared state.
 * @example
 * const verifier = createProviderVerifier({ issuer, audience: 'portcullis-web', keys, algorithms: ['RS256'] })
 * const result = await verifier.verify(idToken, 'id_token', { nonce })
 * if (result.ok) console.log(result.claims.sub)
 */
export function createProviderVerifier(options: ProviderVerifierOptions): ProviderVerifier {
  const { issuer, audience, keys, algorithms } = options
  if (typeof issuer !== 'string' || issuer.length === 0)
    throw new TokensOptionsError('issuer', 'a non-empty string')
  if (typeof audience !== 'string' || audience.length === 0)
    throw new TokensOptionsError('audience', 'a non-empty string')
  if (typeof keys?.resolve !== 'function') throw new TokensOptionsError('keys', 'a JwksSource')
  const known: readonly unknown[] = ASYMMETRIC_ALGS
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((a) => known.includes(a)))
    throw new TokensOptionsError('algorithms', `a non-empty list of ${ASYMMETRIC_ALGS.join(', ')}`)

  const perKey = new WeakMap<VerificationKey, (token: string) => DecodedToken>()
  function signatureVerifier(key: VerificationKey): (token: string) => DecodedToken {
    let verify = perKey.get(key)
    if (!verify) {
      verify = createFastJwtVerifier({
        key: key.publicPem,
        algorithms: [key.alg],
        allowedIss: issuer,
        allowedAud: audience,
        clockTolerance: EXP_LEEWAY_S * 1000,
        // `nbf` gets the wider skew in the claim rules: fast-jwt has one tolerance for nbf and exp.
        ignoreNotBefore: true,
        complete: true,
        // No result cache: a logout token's replay check must see every presentation.
        cache: false,
      }) as (token: string) => DecodedToken
      perKey.set(key, verify)
    }
    return verify
  }

  return {
    issuer,
    audience,
    async verify(token, kind, expect = {}) {
      const parsed = decodeToken(token, MAX_PROVIDER_TOKEN_LENGTH)
      if (parsed === 'malformed') return { ok: false, failure: 'malformed' }
      const kid = headerFailure(parsed.header, kind, algorithms)
      if (typeof kid !== 'string') return { ok: false, failure: kid.failure }
      const claims = claimFailure(parsed.payload, kind, options, expect, Date.now() / 1000)
      if (claims) return { ok: false, failure: claims }
      const key = await keys.resolve(kid)
      if (typeof key === 'string') return { ok: false, failure: key }
      if (key.alg !== parsed.header.alg) return { ok: false, failure: 'algorithm' }
      try {
        signatureVerifier(key)(token as string)
      } catch (err) {
        return { ok: false, failure: tokenFailureOf(err) ?? 'signature' }
      }
      const p = parsed.payload
      return {
        ok: true,
        kid,
        claims: {
          iss: p.iss as string,
          sub: p.sub as string | undefined,
          aud: p.aud as string | string[],
          exp: p.exp as number,
          iat: p.iat as number,
          sid: p.sid as string | undefined,
          jti: p.jti as string | undefined,
          payload: p,
        },
      }
    },
  }
}
