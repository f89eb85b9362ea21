import { randomBytes } from 'node:crypto'
import type { Account } from './options.ts'
import type { Profile } from './types.ts'

/** The deployment under test, as every case sees it. */
export interface Target {
  /** Base URL of the api, no trailing slash. */
  readonly api: string
  /** WebSocket endpoint URLs (one or two). */
  readonly ws: readonly string[]
  readonly origin: string
  readonly profile: Profile
  readonly user: Account
  readonly admin: Account | undefined
  /** Longest wait a case may do (token life, idle timeout), ms. */
  readonly maxWaitMs: number
  readonly revocationBoundMs: number
  readonly maxSockets: number
  /** CAs to trust (undefined: the system store). */
  readonly ca: readonly string[] | undefined
}

/** A logged-in session (from `POST /v1/auth/login` or a refresh). */
export interface Session {
  readonly accessToken: string
  readonly refreshToken: string
  readonly sessionId: string
  readonly userId: string
  readonly username: string
  readonly roles: readonly string[]
  /** Seconds, as the api said. */
  readonly expiresIn: number
  /** When the api answered, epoch ms. */
  readonly obtainedAt: number
}

/** An upgrade attempt. Credentials go in `ticket`, `bearer` (Authorization), `subprotocolToken` or `query`. */
export interface UpgradeRequest {
  /** Evidence label: when given, the attempt is recorded in the report. */
  readonly step?: string
  /** Default: the first `--ws` URL. */
  readonly url?: string
  readonly origin?: string
  readonly ticket?: string
  readonly bearer?: string
  readonly subprotocolToken?: string
  /** Subprotocols offered (default: `portcullis.v1`, plus the bearer entry when `subprotocolToken` is set). */
  readonly protocols?: readonly string[]
  readonly query?: Readonly<Record<string, string>>
  readonly headers?: Readonly<Record<string, string>>
  readonly deflate?: boolean
  /** A 429 is what the case is after (a per-user cap): not reported as a block. */
  readonly limitExpected?: boolean
}

/** A valid-looking `Sec-WebSocket-Key` (16 random bytes, base64). */
export const wsKey = (): string => randomBytes(16).toString('base64')
