import {
  constants,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'

/**
 * Forgeries built from a real token, as an attacker who holds one (but not the signing key) can make them: what
 * black-box suites (`@portcullis/conformance`) send to a deployment. Nothing here can produce a token the deployment
 * should accept: that is the point. (`TestTokens` forges with keys it holds, for tests that own the key set.)
 */

type Json = Record<string, unknown>

export interface DecodedJwt {
  readonly header: Json
  readonly payload: Json
  /** The signature part, base64url, as received. */
  readonly signature: string
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const unb64 = (part: string): Json => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Json

/** Splits a compact JWS; throws when it is not one. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error('not a compact JWS (three dot-separated parts)')
  return { header: unb64(parts[0]!), payload: unb64(parts[1]!), signature: parts[2]! }
}

/** A compact JWS from its parts (the signature is taken as given). */
export function encodeJwt(header: Json, payload: Json, signature: string): string {
  return `${b64(header)}.${b64(payload)}.${signature}`
}

/** The token with header fields replaced, keeping the original signature. */
export function withHeader(token: string, patch: Json): string {
  const d = decodeJwt(token)
  return encodeJwt({ ...d.header, ...patch }, d.payload, d.signature)
}

/** The token with claims replaced, keeping the original signature. */
export function withClaims(token: string, patch: Json): string {
  const d = decodeJwt(token)
  return encodeJwt(d.header, { ...d.payload, ...patch }, d.signature)
}

/** `alg` set to `none` (any spelling), signature dropped or kept. */
export function algNone(token: string, alg = 'none', keepSignature = false): string {
  const d = decodeJwt(token)
  return encodeJwt({ ...d.header, alg }, d.payload, keepSignature ? d.signature : '')
}

/**
 * Key confusion: the same claims MAC-ed with HS256/384/512 using `secret` — the verifier's public key as text,
 * which a verifier that lets the token pick its algorithm would use as the HMAC key.
 */
export function hmacSigned(token: string, alg: 'HS256' | 'HS384' | 'HS512', secret: string | Buffer): string {
  const d = decodeJwt(token)
  const data = `${b64({ ...d.header, alg })}.${b64(d.payload)}`
  const mac = createHmac(`sha${alg.slice(2)}`, secret)
    .update(data)
    .digest('base64url')
  return `${data}.${mac}`
}

/** The forms a public JWK is commonly fed to HMAC in: PEM (with and without final newline), DER, JWK JSON. */
export function keyConfusionSecrets(jwk: JsonWebKey): Array<[string, string | Buffer]> {
  const key = createPublicKey({ key: jwk, format: 'jwk' })
  const pem = key.export({ type: 'spki', format: 'pem' }).toString()
  return [
    ['PEM', pem],
    ['PEM without final newline', pem.trimEnd()],
    ['DER', key.export({ type: 'spki', format: 'der' })],
    ['JWK JSON', JSON.stringify(jwk)],
  ]
}

/**
 * A correctly signed ES256 token over `payload`, but with a key the attacker just made: `kid` of the attacker's
 * choice, and optionally the public key embedded (`jwk`) or pointed to (`jku`), which a verifier must ignore.
 */
export function selfSigned(payload: Json, header: Json = {}, embed?: 'jwk' | 'jku'): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const kid = `conformance-${randomBytes(6).toString('hex')}`
  const extra =
    embed === 'jwk'
      ? { jwk: publicKey.export({ format: 'jwk' }) }
      : embed === 'jku'
        ? // Never fetched by the suite; a server that fetched it would be fetching from a reserved name (RFC 2606).
          { jku: 'https://attacker.invalid/.well-known/jwks.json' }
        : {}
  const data = `${b64({ alg: 'ES256', typ: 'JWT', kid, ...extra, ...header })}.${b64(payload)}`
  const signature = sign('sha256', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' })
  return `${data}.${signature.toString('base64url')}`
}

/**
 * A compact JWS over any header and payload, signed with `key` by the algorithm the header names (RS*, PS*, ES*,
 * EdDSA), or unsigned for `alg: none`: the tokens of an identity provider whose private key the test holds (the
 * test provider of `@portcullis/testkit/oidc` exposes its key), with any claim or header an attack needs.
 * @example signJwt({ alg: 'RS256', kid: idp.signingKid }, { iss, aud, sub, iat, exp }, idp.signingKey)
 */
export function signJwt(header: Json, payload: Json, key: KeyObject): string {
  const data = `${b64(header)}.${b64(payload)}`
  const alg = String(header.alg)
  if (alg === 'none') return `${data}.`
  const digest = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`
  const options = alg.startsWith('PS')
    ? {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }
    : alg.startsWith('ES')
      ? { key, dsaEncoding: 'ieee-p1363' as const }
      : key
  return `${data}.${sign(digest, Buffer.from(data), options).toString('base64url')}`
}
