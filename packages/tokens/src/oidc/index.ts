/**
 * @portcullis/tokens/oidc — the relying-party side of an OpenID Connect provider: discovery, the provider's keys
 * through the JWKS lifecycle, and the verifier of its ID tokens, JWT access tokens and back-channel logout tokens.
 */
export {
  BACKCHANNEL_LOGOUT_EVENT,
  MAX_PROVIDER_TOKEN_LENGTH,
  type ProviderClaims,
  type ProviderTokenKind,
} from './claims.ts'
export { discoverProvider, discoveryUrl, ProviderDiscoveryError, type ProviderMetadata } from './discovery.ts'
export {
  createProviderVerifier,
  type ProviderVerifier,
  type ProviderVerifierOptions,
  type ProviderVerifyExpectations,
  type ProviderVerifyResult,
} from './verify.ts'
export {
  createOidcProvider,
  OidcProvider,
  type DiscoveryFailure,
  type OidcProviderEvents,
  type OidcProviderOptions,
  type OidcProviderStatus,
} from './provider.ts'
