import { createDecoder, createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { hasClaimShape, pickClaims, type AccessClaims } from './claims.ts'
import {
  CLOCK_SKEW_S,
  EXP_LEEWAY_S,
  MAX_TOKEN_LENGTH,
  REQUIRED_CLAIMS,
  SIGNING_ALGS,
  type SigningAlg,
} from './defaults.ts'
import { tokenFailureOf, type TokenFailure } from './failures.ts'
import { MAX_KID_LENGTH, type KeyResolver, type VerificationKey } from './keys/public-key.ts'
import { TokensOptionsError } from './options-error.ts'

export interface VerifierOptions {
  /** The only accepted `iss` (`JWT_ISSUER`), compared exactly. */
  issuer: string
  /** The accepted `aud` (`JWT_AUDIENCE`), compared exactly (a token's `aud` list must contain it). */
  audience: string
  /** Where keys come from: the api's own `KeySet`, or a `JwksSource` everywhere else. */
  keys: KeyResolver
}

/** A token that verified: its claims and the `kid` of the key that signed it. */
export interface VerifiedToken {
  readonly claims: AccessClaims
  readonly kid: string
}

export type VerifyResult =
  ({ readonly ok: true } & VerifiedToken) | { readonly ok: false; readonly failure: TokenFailure }

/** fast-jwt verifier options (without `key`): the checks fast-jwt runs after the pre-checks below. */
export interface FastJwtVerifyOptions {
  readonly algorithms: SigningAlg[]
  readonly allowedIss: string
  readonly allowedAud: string
  readonly requiredClaims: string[]
  readonly clockTolerance: number
  readonly ignoreNotBefore: true
  readonly complete: true
  readonly cache: number
}

export interface TokenVerifier {
  /**
   * Verifies a compact JWS access token. Never throws, never rejects: a refusal is `{ ok: false, failure }`.
   * An unknown `kid` may wait for one JWKS refetch (rate-limited by the source).
   */
  verify(token: unknown): Promise<VerifyResult>
  readonly issuer: string
  readonly audience: string
  readonly keys: KeyResolver
  /** The fast-jwt options this verifier is built from (also what `@fastify/jwt` is registered with). */
  readonly fastJwtOptions: FastJwtVerifyOptions
}

/** Successful verifications fast-jwt remembers per key (by token hash, never past `exp` + leeway). */
const RESULT_CACHE_SIZE = 1000

/** @internal A compact JWS split and parsed by fast-jwt's decoder (the one @fastify/jwt uses too). */
export interface DecodedToken {
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

const decodeComplete = createDecoder({ complete: true }) as (token: string) => DecodedToken

/** @internal The decoded token, or `malformed` (not a string, empty, over `maxLength`, not a JWS). */
export function decodeToken(token: unknown, maxLength = MAX_TOKEN_LENGTH): DecodedToken | 'malformed' {
  if (typeof token !== 'string' || token.length === 0 || token.length > maxLength) return 'malformed'
  try {
    return decodeComplete(token)
  } catch {
    return 'malformed'
  }
}

const ALGS: readonly unknown[] = SIGNING_ALGS

/** Header and claim checks that need no key, cheapest first; the `kid` when they pass. */
function precheck(
  { header, payload }: DecodedToken,
  issuer: string,
  audience: string,
): string | { failure: TokenFailure } {
  if (!ALGS.includes(header.alg)) return { failure: 'algorithm' }
  if (header.crit !== undefined) return { failure: 'crit' }
  const { kid } = header
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH)
    return { failure: 'unknown_kid' }
  if (!hasClaimShape(payload)) return { failure: 'claims' }
  if (payload.iss !== issuer) return { failure: 'issuer' }
  const { aud } = payload
  if (aud !== audience && !(Array.isArray(aud) && aud.includes(audience))) return { failure: 'audience' }
  const nowS = Date.now() / 1000
  if (nowS > payload.exp + EXP_LEEWAY_S) return { failure: 'expired' }
  if (payload.nbf > nowS + CLOCK_SKEW_S || payload.iat > nowS + CLOCK_SKEW_S)
    return { failure: 'not_yet_valid' }
  return kid
}

/**
 * @internal The shared front half of every verification, on both paths (`verify` here, the `secret` callback of
 * `@fastify/jwt`): header and claim pre-checks, then the key of the `kid`, whose own algorithm must be the
 * header's. fast-jwt then checks the signature (and re-checks the claims) with that key.
 */
export async function admit(
  decoded: DecodedToken,
  verifier: TokenVerifier,
): Promise<VerificationKey | TokenFailure> {
  const kid = precheck(decoded, verifier.issuer, verifier.audience)
  if (typeof kid !== 'string') return kid.failure
  const found = await verifier.keys.resolve(kid)
  if (typeof found === 'string') return found
  return found.alg === decoded.header.alg ? found : 'algorithm'
}

/** @internal The verified result of fast-jwt's complete verification (claims already shape-checked). */
export function toVerifiedToken(result: DecodedToken): VerifiedToken {
  return { claims: pickClaims(result.payload as AccessClaims), kid: result.header.kid as string }
}

/**
 * The one access-token verifier (docs/reference/http-api.md, "Access tokens"): `alg` pinned to ES256/EdDSA and to the key's own
 * algorithm (`none`, HMAC, RSA refused), `kid` required and known, `crit` refused, every claim required and
 * shape-checked, `iss`/`aud` exact, `nbf`/`iat` at most `CLOCK_SKEW_S` (60 s) ahead, `exp` with at most
 * `EXP_LEEWAY_S` (5 s) leeway. One fast-jwt verifier per key, built on first use and kept.
 * @example
 * const verifier = createVerifier({ issuer: 'portcullis', audience: 'portcullis', keys: jwksSource })
 * const result = await verifier.verify(token)
 * if (!result.ok) return reply.code(wireError(result.failure).status).send(...)
 */
export function createVerifier(options: VerifierOptions): TokenVerifier {
  const { issuer, audience, keys } = options
  if (typeof issuer !== 'string' || issuer.length === 0)
    throw new TokensOptionsError('issuer', 'a non-empty string')
  if (typeof audience !== 'string' || audience.length === 0)
    throw new TokensOptionsError('audience', 'a non-empty string')
  if (typeof keys?.resolve !== 'function') throw new TokensOptionsError('keys', 'a KeySet or a JwksSource')
  const fastJwtOptions: FastJwtVerifyOptions = {
    algorithms: [...SIGNING_ALGS],
    allowedIss: issuer,
    allowedAud: audience,
    requiredClaims: [...REQUIRED_CLAIMS],
    clockTolerance: EXP_LEEWAY_S * 1000,
    // `nbf` gets the wider skew in the pre-check: fast-jwt has a single tolerance for nbf and exp.
    ignoreNotBefore: true,
    complete: true,
    cache: RESULT_CACHE_SIZE,
  }
  const perKey = new WeakMap<VerificationKey, (token: string) => DecodedToken>()
  function verifierFor(key: VerificationKey): (token: string) => DecodedToken {
    let verify = perKey.get(key)
    if (!verify) {
      verify = createFastJwtVerifier({ ...fastJwtOptions, key: key.publicPem }) as (
        token: string,
      ) => DecodedToken
      perKey.set(key, verify)
    }
    return verify
  }

  const verifier: TokenVerifier = {
    issuer,
    audience,
    keys,
    fastJwtOptions,
    async verify(token) {
      const decoded = decodeToken(token)
      if (decoded === 'malformed') return { ok: false, failure: 'malformed' }
      const key = await admit(decoded, verifier)
      if (typeof key === 'string') return { ok: false, failure: key }
      try {
        return { ok: true, ...toVerifiedToken(verifierFor(key)(token as string)) }
      } catch (err) {
        return { ok: false, failure: tokenFailureOf(err) ?? 'signature' }
      }
    },
  }
  return verifier
}
