import type { ErrorCode } from '@portcullis/protocol'

/**
 * Why an SDK call failed. HTTP statuses map to the first group; `error` frames keep their protocol code
 * (`invalid_message`, `forbidden`, `rate_limited`, …); the last group is raised by the SDK itself.
 * HTTP 403 maps to `forbidden` (from the ticket call: this page's `Origin` is not allowed; from admin
 * routes: the user lacks the `admin` role), 429 to `rate_limited`, 503 to `unavailable`.
 */
export type PortcullisErrorCode =
  | ErrorCode
  /** 401 from login: wrong username or password (the api does not say which). */
  | 'invalid_credentials'
  /** 401 elsewhere: the access or refresh token, or the session, is no longer valid. */
  | 'unauthorized'
  /** 400 / 404 / 409 from an HTTP call: the request itself was wrong. */
  | 'bad_request'
  /** Other HTTP failures (5xx other than 503, unexpected bodies). */
  | 'server_error'
  /** `fetch` threw: offline, DNS, TLS, or a CORS refusal (a browser cannot tell these apart). */
  | 'network'
  /** No reply to a socket request within the request timeout. */
  | 'timeout'
  /** The socket closed (or was never open) while a request waited. */
  | 'not_connected'
  /** A frame from the server did not match the protocol schemas. */
  | 'protocol'
  /** The client has no tokens (never logged in, or logged out). */
  | 'logged_out'

/** Where the failure was seen. */
export type ErrorSource = 'http' | 'socket' | 'client'

/** Options of a `PortcullisError`. */
export interface PortcullisErrorOptions {
  readonly source: ErrorSource
  /** HTTP status, for `source: 'http'`. */
  readonly status?: number
  /** How long to wait before retrying (ms), from `Retry-After` or the frame's `retryAfterMs`. */
  readonly retryAfterMs?: number
  /** The request `id` of the frame that failed. */
  readonly requestId?: string
  readonly cause?: unknown
}

/**
 * The one error type the SDK throws and emits. Never carries a token, ticket or password.
 * @example
 * try { await client.login('alice', 'wrong') } catch (e) { if (e instanceof PortcullisError && e.code === 'invalid_credentials') … }
 */
export class PortcullisError extends Error {
  override readonly name = 'PortcullisError'
  readonly code: PortcullisErrorCode
  readonly source: ErrorSource
  readonly status: number | undefined
  readonly retryAfterMs: number | undefined
  readonly requestId: string | undefined

  constructor(code: PortcullisErrorCode, message: string, options: PortcullisErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.source = options.source
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
    this.requestId = options.requestId
  }
}

/** Maps an HTTP failure status to an error code (`login` turns 401 into `invalid_credentials` itself). */
export function codeForStatus(status: number): PortcullisErrorCode {
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 429) return 'rate_limited'
  if (status === 503) return 'unavailable'
  if (status >= 400 && status < 500) return 'bad_request'
  return 'server_error'
}

/** Parses a `Retry-After` header (seconds, or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000))
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** The socket is not open (or closed with `code`) while a request needed it. */
export function notConnected(what: string, code?: number): PortcullisError {
  const detail = code === undefined ? 'the socket is not open' : `the socket closed (${code})`
  return new PortcullisError('not_connected', `${what}: ${detail}`, { source: 'socket' })
}

/** Any rejection as a `PortcullisError` (a non-SDK error becomes `network`, kept as `cause`). */
export function asError(error: unknown): PortcullisError {
  if (error instanceof PortcullisError) return error
  return new PortcullisError('network', error instanceof Error ? error.message : String(error), {
    source: 'client',
    cause: error,
  })
}
