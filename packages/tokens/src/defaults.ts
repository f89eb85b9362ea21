/** The signature algorithms Portcullis signs with and every verifier pins. Nothing else is ever accepted. */
export const SIGNING_ALGS = ['ES256', 'EdDSA'] as const
export type SigningAlg = (typeof SIGNING_ALGS)[number]

/** How far `nbf` and `iat` may lie in the future (clock skew between issuer and verifier), seconds. The contract: ≤ 60. */
export const CLOCK_SKEW_S = 60

/** How long after `exp` a token is still accepted, seconds. The contract: at most 5. */
export const EXP_LEEWAY_S = 5

/** Longest compact token a verifier reads, characters: longer input is `malformed` before any decoding. */
export const MAX_TOKEN_LENGTH = 8192

/** Claims every access token carries (the contract). A token without any of them is refused (`claims`). */
export const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'sid', 'roles', 'iat', 'nbf', 'exp', 'jti'] as const
