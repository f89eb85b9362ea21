/**
 * The three kinds of JWT an OpenID Connect provider hands a relying party, and the claims this package reads of
 * them. Every other claim stays in `payload` (role and username claims are the caller's business).
 */
export type ProviderTokenKind = 'id_token' | 'access_token' | 'logout_token'

/** The member of a logout token's `events` claim that marks a back-channel logout (Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** A verified provider token: the claims every kind has, plus the full payload. Times are epoch SECONDS. */
export interface ProviderClaims {
  readonly iss: string
  /** Absent only from a logout token that names a `sid` instead. */
  readonly sub: string | undefined
  readonly aud: string | readonly string[]
  readonly exp: number
  readonly iat: number
  /** The provider's session id (ID and logout tokens, when the provider sends it). */
  readonly sid: string | undefined
  readonly jti: string | undefined
  /** Every claim as the provider sent it (already verified): read roles and usernames from here. */
  readonly payload: Readonly<Record<string, unknown>>
}

/** Longest `sub`, `sid` or `jti` accepted, characters (OIDC Core §2: `sub` is at most 255 ASCII characters). */
export const MAX_PROVIDER_ID_LENGTH = 255

/** Longest provider token read, characters: providers put groups and profile claims in them (Portcullis's own: 8192). */
export const MAX_PROVIDER_TOKEN_LENGTH = 12_288

const isId = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_PROVIDER_ID_LENGTH

/** @internal Whether `v` is a usable `sub` / `sid` / `jti` value. */
export const isProviderId = isId
