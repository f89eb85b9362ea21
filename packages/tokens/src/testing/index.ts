/**
 * `@portcullis/tokens/testing`: keys, valid tokens and forged attack tokens for tests, and a JWKS endpoint on
 * loopback with the failure modes a key source must survive. Never import it from production code.
 */
export { TestTokens, type Attack, type ForgeOptions, type TestKey } from './test-tokens.ts'
export { JwksServer, serveJwks, JWKS_PATH } from './jwks-server.ts'
export {
  algNone,
  decodeJwt,
  encodeJwt,
  hmacSigned,
  keyConfusionSecrets,
  selfSigned,
  signJwt,
  withClaims,
  withHeader,
  type DecodedJwt,
} from './forge.ts'
