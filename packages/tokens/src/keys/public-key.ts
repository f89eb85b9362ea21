import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import type { SigningAlg } from '../defaults.ts'

/** A public signing key as a JWKS publishes it (`/.well-known/jwks.json`). */
export interface PublicJwk extends JsonWebKey {
  kid: string
  alg: SigningAlg
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
  readonly alg: SigningAlg
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
export function verificationKey(kid: string, alg: SigningAlg, key: KeyObject): VerificationKey {
  const { kty, crv, x, y } = key.export({ format: 'jwk' })
  const jwk: PublicJwk = { kty, crv, x, ...(y === undefined ? {} : { y }), kid, alg, use: 'sig' }
  return { kid, alg, publicPem: key.export({ format: 'pem', type: 'spki' }).toString(), jwk }
}

/** Longest `kid` accepted, characters. */
export const MAX_KID_LENGTH = 256

/**
 * Imports one entry of a fetched JWKS when it is an ES256 (P-256) or EdDSA (Ed25519) public signing key.
 * Refused (with a reason safe to log: never key material): no `kid`, `use` other than `sig`, `key_ops` without
 * `verify`, a declared `alg` that differs from the key type, a private key (`d`) published by mistake, or
 * material Node cannot import.
 */
export function importPublicJwk(entry: unknown): { key: VerificationKey } | { skipped: string } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { skipped: 'not an object' }
  const jwk = entry as Record<string, unknown>
  const { kid } = jwk
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) return { skipped: 'no kid' }
  if (jwk.use !== undefined && jwk.use !== 'sig') return { skipped: `${kid}: use is not sig` }
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return { skipped: `${kid}: key_ops lacks verify` }
  if ('d' in jwk) return { skipped: `${kid}: a private key (never used)` }
  let alg: SigningAlg
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') alg = 'ES256'
  else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') alg = 'EdDSA'
  else return { skipped: `${kid}: not a P-256 or Ed25519 key` }
  if (jwk.alg !== undefined && jwk.alg !== alg) return { skipped: `${kid}: alg does not match the key type` }
  let key: KeyObject
  try {
    // Only the public members: nothing else from the document reaches the crypto library.
    const material = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(alg === 'ES256' ? { y: jwk.y } : {}) }
    key = createPublicKey({ key: material as JsonWebKey, format: 'jwk' })
  } catch {
    return { skipped: `${kid}: invalid key material` }
  }
  return { key: verificationKey(kid, alg, key) }
}
