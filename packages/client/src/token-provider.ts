import { PortcullisError } from './errors.ts'
import type { UserInfo } from './http.ts'

/**
 * Why the SDK asks the provider for an access token:
 * - `initial`: the SDK holds no token yet (first connect, or `connect()` after the session ended).
 * - `refresh`: the held token reaches 75–90 % of its lifetime (or `client.refresh()` was called): return a
 *   token that lives longer than the one the SDK holds.
 * - `rejected`: the server refused the held token (HTTP 401 on the ticket call, close 4401, a refused
 *   upgrade): never return that token again.
 */
export type TokenRequestReason = 'initial' | 'refresh' | 'rejected'

/**
 * A Portcullis access token from the app. Its shape matches the api's login, refresh and exchange replies,
 * so such a reply can be returned as is; a `refreshToken` in it is ignored (the app keeps it).
 */
export interface AccessGrant {
  /** The Portcullis access token (a JWT the api signed). */
  readonly accessToken: string
  /** Seconds until it expires, as the api reports it (`expiresIn`). */
  readonly expiresIn: number
  /** The user, when the app knows it; otherwise the SDK learns it from `welcome`. */
  readonly user?: UserInfo
  /** The session id, when the app knows it. */
  readonly sessionId?: string
}

/**
 * Lets an app that already holds Portcullis tokens (from `POST /v1/auth/exchange` with its identity
 * provider, or its own backend) drive the SDK without username and password. The SDK calls it, one call at
 * a time, whenever it needs a token (see `TokenRequestReason`) and still fetches a fresh single-use ticket
 * with that token for every browser connect.
 *
 * Contract:
 * - resolve with an `AccessGrant` → the SDK uses it (and hands it to the live socket with `auth.refresh`);
 * - resolve with `null` → the session ended: the SDK drops its token, closes the socket, emits `loggedOut`
 *   and stops; a later `connect()` asks the provider again (`initial`);
 * - reject → a transient failure: the SDK keeps its token and retries with backoff — except a
 *   `PortcullisError` with code `unauthorized`, `bad_request` or `logged_out` (a refused refresh), which ends
 *   the session like `null`.
 * @example
 * const client = new PortcullisClient({
 *   apiUrl, realtimeUrl,
 *   tokenProvider: async ({ reason }) => (reason === 'initial' ? current : await myBackend.refreshPortcullis()),
 * })
 * await client.connect()
 */
export type TokenProvider = (request: { readonly reason: TokenRequestReason }) => Promise<AccessGrant | null>

/** Checks what a provider returned; a malformed grant is a programming error that ends the session. */
export function checkGrant(grant: unknown): AccessGrant | null {
  if (grant === null) return null
  const g = grant as Partial<AccessGrant> | undefined
  if (
    typeof g?.accessToken !== 'string' ||
    g.accessToken === '' ||
    typeof g.expiresIn !== 'number' ||
    !Number.isFinite(g.expiresIn) ||
    g.expiresIn <= 0
  ) {
    throw new PortcullisError(
      'bad_request',
      'tokenProvider must resolve with {accessToken, expiresIn > 0} or null',
      { source: 'client' },
    )
  }
  return g as AccessGrant
}
