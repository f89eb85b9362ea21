import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { MIN_RSA_BITS, SIGNING_ALGS, type AsymmetricAlg, type SigningAlg } from '../defaults.ts'

/** A public signing key as a JWKS publishes it (`/.well-known/jwks.json`; a provider's may be RSA). */
export interface PublicJwk extends JsonWebKey {
  kid: string
  alg: AsymmetricAlg
  use: 'sig'
}

/** The JWKS document: public keys only. */
export interface JwksDocument {
  keys: PublicJwk[]
}

/**
 * A key a verifier can check signatures with, imported once. `publicPem` is what fast-jwt (and @fastify/jwt)
 * take; the same object is reused across JWKS refreshes while its material is unchanged, so anything cached per
 * key (a fast-jwt verifier) survives refreshes.
 */
export interface VerificationKey {
  readonly kid: string
  /** The one algorithm this key verifies: a token whose header says otherwise is refused (`algorithm`). */
  readonly alg: AsymmetricAlg
  readonly publicPem: string
  readonly jwk: PublicJwk
}

/** Why a key lookup found no usable key. */
export type KeyLookupFailure = 'unknown_kid' | 'keys_unavailable'

/**
 * Where a verifier finds the key of a `kid`: a local `KeySet` (the api) or a `JwksSource` (every other service).
 * A known key comes back synchronously; only a miss may wait (for a refetch).
 */
export interface KeyResolver {
  resolve(kid: string): VerificationKey | KeyLookupFailure | Promise<VerificationKey | KeyLookupFailure>
}

/** The algorithm of a key, or null for anything but P-256 (ES256) and Ed25519 (EdDSA). */
export function algOfKey(key: KeyObject): SigningAlg | null {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256'
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA'
  return null
}

/** A verification key from a public `KeyObject` (its algorithm already known). */
export function verificationKey(kid: string, alg: AsymmetricAlg, key: KeyObject): VerificationKey {
  const { kty, crv, x, y, n, e } = key.export({ format: 'jwk' })
  const material = kty === 'RSA' ? { kty, n, e } : { kty, crv, x, ...(y === undefined ? {} : { y }) }
  const jwk: PublicJwk = { ...material, kid, alg, use: 'sig' }
  return { kid, alg, publicPem: key.export({ format: 'pem', type: 'spki' }).toString(), jwk }
}

/** Longest `kid` accepted, characters. */
export const MAX_KID_LENGTH = 256

const EC_ALG: Readonly<Record<string, AsymmetricAlg>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
}
const RSA_ALGS: ReadonlySet<unknown> = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])

/**
 * The algorithm a JWK verifies, from its key type: EC by curve, Ed25519 → EdDSA, RSA → its declared `alg` or, when
 * it declares none, RS256 (OpenID Connect's default: a provider signing PS* must say so). A declared `alg` must agree.
 */
function algOfJwk(jwk: Record<string, unknown>): AsymmetricAlg | 'mismatch' | null {
  let alg: AsymmetricAlg
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string' && jwk.crv in EC_ALG) alg = EC_ALG[jwk.crv]!
  else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') alg = 'EdDSA'
  else if (jwk.kty === 'RSA') {
    if (jwk.alg === undefined) return 'RS256'
    return RSA_ALGS.has(jwk.alg) ? (jwk.alg as AsymmetricAlg) : 'mismatch'
  } else return null
  return jwk.alg === undefined || jwk.alg === alg ? alg : 'mismatch'
}

/** Only the public members of a JWK: nothing else from a fetched document reaches the crypto library. */
function publicMaterial(jwk: Record<string, unknown>): JsonWebKey {
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: jwk.n, e: jwk.e } as JsonWebKey
  if (jwk.kty === 'OKP') return { kty: 'OKP', crv: jwk.crv, x: jwk.x } as JsonWebKey
  return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } as JsonWebKey
}

/**
 * Imports one entry of a fetched JWKS when it is a public signing key of one of `algorithms` (default
 * `SIGNING_ALGS`: ES256 on P-256, EdDSA on Ed25519; a provider's source also admits RSA, P-384, P-521 — see
 * `ASYMMETRIC_ALGS`). Refused (with a reason safe to log: never key material): no `kid`, `use` other than `sig`,
 * `key_ops` without `verify`, a declared `alg` that differs from the key type, an algorithm not accepted, a private
 * key (`d`) published by mistake, an RSA modulus under `MIN_RSA_BITS`, or material Node cannot import.
 * @example importPublicJwk(entry, ['RS256', 'ES256']) // { key } or { skipped: 'k1: RS512 is not accepted' }
 */
export function importPublicJwk(
  entry: unknown,
  algorithms: readonly AsymmetricAlg[] = SIGNING_ALGS,
): { key: VerificationKey } | { skipped: string } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { skipped: 'not an object' }
  const jwk = entry as Record<string, unknown>
  const { kid } = jwk
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) return { skipped: 'no kid' }
  if (jwk.use !== undefined && jwk.use !== 'sig') return { skipped: `${kid}: use is not sig` }
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return { skipped: `${kid}: key_ops lacks verify` }
  if ('d' in jwk) return { skipped: `${kid}: a private key (never used)` }
  const alg = algOfJwk(jwk)
  if (alg === null) return { skipped: `${kid}: not an RSA, EC or Ed25519 signing key` }
  if (alg === 'mismatch') return { skipped: `${kid}: alg does not match the key type` }
  if (!algorithms.includes(alg))
    return { skipped: `${kid}: ${alg} is not accepted (${algorithms.join(', ')})` }
  let key: KeyObject
  try {
    key = createPublicKey({ key: publicMaterial(jwk), format: 'jwk' })
  } catch {
    return { skipped: `${kid}: invalid key material` }
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
    return { skipped: `${kid}: RSA key shorter than ${MIN_RSA_BITS} bits` }
  return { key: verificationKey(kid, alg, key) }
}
