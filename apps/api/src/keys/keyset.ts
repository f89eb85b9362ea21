import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import { KeysInvalid } from '../errors.ts'

/** Signature algorithms the api signs with (and verifiers pin). */
export type SigningAlg = 'ES256' | 'EdDSA'

/** A public JWK as published at /.well-known/jwks.json. */
export interface PublicJwk extends JsonWebKey {
  kid: string
  alg: SigningAlg
  use: 'sig'
}

/** One signing key: private part for signing (current key only), public part for verifying and JWKS. */
export interface SigningKey {
  kid: string
  alg: SigningAlg
  privatePem: string
  publicPem: string
  publicJwk: PublicJwk
}

/**
 * The key set: `current` signs; every key in `keys` (current first) verifies until it is removed from the
 * file (retired). Rotation: prepend a new key, keep the old one for at least ACCESS_TOKEN_TTL_S, then drop it.
 */
export interface KeySet {
  current: SigningKey
  keys: readonly SigningKey[]
  byKid(kid: string): SigningKey | undefined
}

const KID = /^[A-Za-z0-9_.-]{1,64}$/

function algOf(key: KeyObject): SigningAlg {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256'
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA'
  throw new KeysInvalid('only P-256 (ES256) and Ed25519 (EdDSA) keys are supported')
}

/** Builds a signing key from a private JWK with `kid` (its `alg`, when present, must match the key type). */
export function signingKeyFromJwk(jwk: unknown): SigningKey {
  if (typeof jwk !== 'object' || jwk === null) throw new KeysInvalid('each entry must be a JWK object')
  const { kid, alg: declared } = jwk as { kid?: unknown; alg?: unknown }
  if (typeof kid !== 'string' || !KID.test(kid))
    throw new KeysInvalid('each JWK needs a kid ([A-Za-z0-9_.-]{1,64})')
  if (!('d' in jwk)) throw new KeysInvalid(`key ${kid} is not a private key`)
  let priv: KeyObject
  try {
    priv = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
  } catch {
    throw new KeysInvalid(`key ${kid} is not a valid private JWK`)
  }
  const alg = algOf(priv)
  if (declared !== undefined && declared !== alg)
    throw new KeysInvalid(`key ${kid}: its alg does not match its key type (${alg})`)
  const pub = createPublicKey(priv)
  return {
    kid,
    alg,
    privatePem: priv.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: pub.export({ format: 'pem', type: 'spki' }).toString(),
    publicJwk: { ...pub.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  }
}

/** A key set from private JWKs; the first signs. Kids must be unique. */
export function keySetFromJwks(jwks: unknown): KeySet {
  if (!Array.isArray(jwks) || jwks.length === 0)
    throw new KeysInvalid('expected a non-empty JSON array of private JWKs')
  const keys = jwks.map(signingKeyFromJwk)
  const kids = new Set(keys.map((k) => k.kid))
  if (kids.size !== keys.length) throw new KeysInvalid('duplicate kid')
  const map = new Map(keys.map((k) => [k.kid, k]))
  return { current: keys[0] as SigningKey, keys, byKid: (kid) => map.get(kid) }
}

/** Generates a private JWK with a random kid. */
export function generatePrivateJwk(alg: SigningAlg = 'ES256'): JsonWebKey & { kid: string; alg: SigningAlg } {
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg }
}

/** The JWKS document: public keys only. */
export function jwksDocument(keys: KeySet): { keys: PublicJwk[] } {
  return { keys: keys.keys.map((k) => k.publicJwk) }
}
