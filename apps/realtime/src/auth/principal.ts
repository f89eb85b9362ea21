import type { Role } from '@portcullis/protocol'
import type { CredentialSource } from './credentials.ts'

/** Who an upgrade request authenticated as: set by the authenticate plugin, read by the socket handler. */
export interface Principal {
  userId: string
  username: string
  sid: string
  /** Current roles from the session store (never the token's claim). */
  roles: Role[]
  /** `exp` of the access token (or of the token that minted the ticket), epoch ms. */
  expMs: number
  /**
   * `kid` of that token: once the api stops publishing the key, the socket closes 4401 `token_invalid`. Null for a
   * ticket minted before tickets recorded it.
   */
  kid: string | null
  /** The session's absolute end (`SESSION_MAX_AGE_S` after login), epoch ms: the socket closes then at the latest. */
  sessionEndsAt: number
  via: CredentialSource
  /** W3C traceparent recorded with the ticket, to continue its trace. */
  traceparent: string | null
}
