import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import type { SigningAlg } from '../defaults.ts'
import {
  algOfKey,
  verificationKey,
  type JwksDocument,
  type KeyLookupFailure,
  type KeyResolver,
  type VerificationKey,
} from './public-key.ts'

/** Invalid signing-key material. The message names the key by `kid` at most, never its content. */
export class KeySetError extends Error {
  readonly code = 'TOKENS_ERR_KEY_SET'
  constructor(message: string) {
    super(`signing keys: ${message}`)
    this.name = 'KeySetError'
  }
}

/** One signing key: the private part signs (current key only), the public part verifies and is published. */
export interface SigningKey extends VerificationKey {
  readonly alg: SigningAlg
  readonly privatePem: string
}

/**
 * The api's key set (`SIGNING_KEYS_FILE`): `current` signs; every key in `keys` (current first) verifies until
 * it is removed. Rotation: prepend a new key (it is published at once and signs), keep the old one for at least
 * `ACCESS_TOKEN_TTL_S`, then drop it: verifiers refuse its tokens within `JWKS_REFRESH_S`.
 */
export interface KeySet extends KeyResolver {
  readonly current: SigningKey
  readonly keys: readonly SigningKey[]
  get(kid: string): SigningKey | undefined
  resolve(kid: string): SigningKey | KeyLookupFailure
}

/** A `kid` as the api writes it: 1–64 of `[A-Za-z0-9_.-]`. */
export const KID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * A signing key from a private JWK with a `kid` (P-256 or Ed25519; a declared `alg` must match the key type).
 * @throws KeySetError, naming at most the `kid`
 */
export function signingKeyFromJwk(jwk: unknown): SigningKey {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new KeySetError('each entry must be a JWK object')
  const { kid, alg: declared } = jwk as { kid?: unknown; alg?: unknown }
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid))
    throw new KeySetError('each JWK needs a kid ([A-Za-z0-9_.-]{1,64})')
  if (!('d' in jwk)) throw new KeySetError(`key ${kid} is not a private key`)
  let priv: KeyObject
  try {
    priv = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
  } catch {
    throw new KeySetError(`key ${kid} is not a valid private JWK`)
  }
  const alg = algOfKey(priv)
  if (!alg) throw new KeySetError(`key ${kid}: only P-256 (ES256) and Ed25519 (EdDSA) keys are supported`)
  if (declared !== undefined && declared !== alg)
    throw new KeySetError(`key ${kid}: its alg does not match its key type`)
  const pub = createPublicKey(priv)
  // Node imports a JWK whose `d` does not belong to its `x`/`y` without complaint: such a key would publish one
  // key and sign with another. A probe signature catches it at start-up instead of at the first verification.
  const digest = alg === 'ES256' ? 'sha256' : null
  const probe = Buffer.from(`portcullis key check ${kid}`)
  if (!verify(digest, probe, pub, sign(digest, probe, priv)))
    throw new KeySetError(`key ${kid}: its private and public parts do not belong together`)
  return {
    ...verificationKey(kid, alg, pub),
    alg,
    privatePem: priv.export({ format: 'pem', type: 'pkcs8' }).toString(),
  }
}

/**
 * A key set from a list of private JWKs (the parsed `SIGNING_KEYS_FILE`); the first signs. Kids must be unique.
 * @throws KeySetError
 * @example const keys = keySetFromJwks(JSON.parse(readFileSync(file, 'utf8')))
 */
export function keySetFromJwks(jwks: unknown): KeySet {
  if (!Array.isArray(jwks) || jwks.length === 0)
    throw new KeySetError('expected a non-empty JSON array of private JWKs')
  const keys = jwks.map(signingKeyFromJwk)
  const byKid = new Map(keys.map((k) => [k.kid, k]))
  if (byKid.size !== keys.length) throw new KeySetError('duplicate kid')
  return {
    current: keys[0] as SigningKey,
    keys,
    get: (kid) => byKid.get(kid),
    resolve: (kid) => byKid.get(kid) ?? 'unknown_kid',
  }
}

/** A private JWK with a random `kid`, for development keys and tests. Default ES256. */
export function generatePrivateJwk(alg: SigningAlg = 'ES256'): JsonWebKey & { kid: string; alg: SigningAlg } {
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg }
}

/** The JWKS document of a key set: public keys only, current first. */
export function jwksDocument(keys: KeySet): JwksDocument {
  return { keys: keys.keys.map((k) => k.jwk) }
}
