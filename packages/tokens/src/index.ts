/**
 * @portcullis/tokens — the Portcullis identity contract: access-token claims, signing keys and their JWKS, the
 * issuer, the one verifier with the contract's defaults, the JWKS key lifecycle, and one mapping of refusals to the wire.
 * `@portcullis/tokens/fastify` registers the same verifier with `@fastify/jwt`; `@portcullis/tokens/testing`
 * mints and forges tokens for tests.
 */
export {
  ASYMMETRIC_ALGS,
  CLOCK_SKEW_S,
  EXP_LEEWAY_S,
  MAX_TOKEN_LENGTH,
  MIN_RSA_BITS,
  REQUIRED_CLAIMS,
  SIGNING_ALGS,
  type AsymmetricAlg,
  type SigningAlg,
} from './defaults.ts'
export { AccessClaimsSchema, type AccessClaims } from './claims.ts'
export {
  KEYS_UNAVAILABLE_RETRY_AFTER_S,
  TOKEN_FAILURES,
  TokenRefusedError,
  tokenFailureOf,
  wireError,
  type TokenFailure,
  type WireError,
} from './failures.ts'
export { TokensOptionsError } from './options-error.ts'
export {
  importPublicJwk,
  type JwksDocument,
  type KeyLookupFailure,
  type KeyResolver,
  type PublicJwk,
  type VerificationKey,
} from './keys/public-key.ts'
export {
  generatePrivateJwk,
  jwksDocument,
  KeySetError,
  keySetFromJwks,
  KID_PATTERN,
  signingKeyFromJwk,
  type KeySet,
  type SigningKey,
} from './keys/key-set.ts'
export {
  createIssuer,
  DEFAULT_TTL_S,
  SessionEndedError,
  signerOptions,
  type IssuerOptions,
  type TokenIssuer,
  type TokenSubject,
} from './issuer.ts'
export {
  createVerifier,
  type FastJwtVerifyOptions,
  type TokenVerifier,
  type VerifiedToken,
  type VerifierOptions,
  type VerifyResult,
} from './verifier.ts'
export {
  createJwksSource,
  JwksSource,
  type FetchFailure,
  type JwksSourceEvents,
  type JwksSourceOptions,
  type JwksStatus,
  type KeysUpdate,
} from './jwks/source.ts'
export { JwksFetchError, type JwksFetchFailure } from './jwks/fetch.ts'
export { bearerToken } from './bearer.ts'
