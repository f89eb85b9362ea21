/** The signature algorithms Portcullis signs with and every verifier pins. Nothing else is ever accepted. */
export const SIGNING_ALGS = ['ES256', 'EdDSA'] as const
export type SigningAlg = (typeof SIGNING_ALGS)[number]

/**
 * Every asymmetric JWS algorithm a verifier of this package can be told to accept (RFC 7518 §3.1, RFC 8037): what
 * an identity provider may sign its tokens with. `none` and the HMAC algorithms are not in it, so no option can
 * ever admit them. Portcullis's own tokens use `SIGNING_ALGS` only.
 */
export const ASYMMETRIC_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const
export type AsymmetricAlg = (typeof ASYMMETRIC_ALGS)[number]

/** Smallest RSA modulus a key may have, bits (NIST SP 800-131A; RFC 7518 §3.3 requires at least 2048). */
export const MIN_RSA_BITS = 2048

/** How far `nbf` and `iat` may lie in the future (clock skew between issuer and verifier), seconds. The contract: ≤ 60. */
export const CLOCK_SKEW_S = 60

/** How long after `exp` a token is still accepted, seconds. The contract: at most 5. */
export const EXP_LEEWAY_S = 5

/** Longest compact token a verifier reads, characters: longer input is `malformed` before any decoding. */
export const MAX_TOKEN_LENGTH = 8192

/** Claims every access token carries (the contract). A token without any of them is refused (`claims`). */
export const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'sid', 'roles', 'iat', 'nbf', 'exp', 'jti'] as const
