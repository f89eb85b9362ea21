import type { ChannelMessage, CloseAction, Role, Welcome } from '@portcullis/protocol'
import type { BackoffOptions } from './backoff.ts'
import type { DebugLogger } from './debug.ts'
import type { PortcullisError } from './errors.ts'
import type { HttpOptions } from './http.ts'
import type { LoggedOutReason, SessionOptions } from './session.ts'
import type { AuthMode, WebSocketFactory } from './transport.ts'

/**
 * - `idle`: not connected and not trying (before `connect()`, after `logout()`).
 * - `connecting`: fetching a ticket or waiting for the server's `welcome`.
 * - `open`: `welcome` received; requests flow.
 * - `reconnecting`: waiting for the backoff timer after a retryable close.
 * - `closed`: stopped after a close the client must not retry by itself (terminal codes, idle timeout,
 *   `disconnect()`); `connect()` — or any request, after an idle timeout — starts again.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

/** Payload of the `close` event. */
export interface CloseInfo {
  readonly code: number
  readonly reason: string
  /** The protocol table's advice for this code (`closeAction`). */
  readonly action: CloseAction
  /** Whether the SDK will reconnect by itself. */
  readonly willReconnect: boolean
}

/** Every event the client emits, with its payload. */
export interface ClientEvents {
  state: { state: ConnectionState; previous: ConnectionState }
  welcome: Welcome
  message: ChannelMessage
  /** A message on the user's own inbox (`user:<ownId>`), i.e. a direct message; also emitted as `message`. */
  direct: ChannelMessage
  close: CloseInfo
  /** The user's live roles changed (`session.updated`). */
  rolesChanged: { roles: Role[] }
  /** The server warned that the socket expires soon (`auth.expiring`); the SDK refreshes by itself. */
  expiring: { expiresAt: number }
  /** New expiry of the access token (after login or refresh) or of the socket (welcome, `auth.refreshed`). */
  expiry: { tokenExpiresAt: number; socketExpiresAt: number }
  /** The server dropped a subscription (`reason: "forbidden"` after a role change). */
  unsubscribed: { channel: string; reason: 'requested' | 'forbidden' }
  loggedOut: { reason: LoggedOutReason }
  /** Failures nobody awaits: ticket refusals, background refresh failures, `error` frames without a waiter. */
  error: PortcullisError
}

/** Options of `PortcullisClient`. */
export interface ClientOptions extends HttpOptions, SessionOptions {
  /** Base URL of the realtime server, e.g. `ws://localhost:3002` (`/v1/ws` is appended when no path is given). */
  readonly realtimeUrl: string
  /** How the socket authenticates. Default `ticket`. */
  readonly auth?: AuthMode
  /** Socket constructor. Default: the global `WebSocket`. */
  readonly createWebSocket?: WebSocketFactory
  /** Reconnect backoff (full jitter). Default 250 ms doubling to 30 s. */
  readonly backoff?: BackoffOptions
  /** Extra wait before reconnecting after close 4429 `rate_limited` (ms). Default 10000, the server's window. */
  readonly rateLimitedDelayMs?: number
  /**
   * Each request's deadline (ms), from the call to its reply, time spent queued while (re)connecting
   * included; then it rejects with `timeout`. Default 10000.
   */
  readonly requestTimeoutMs?: number
  /**
   * Most requests that may wait for a socket while it (re)connects; past it a request rejects at once with
   * `not_connected`. Default 100.
   */
  readonly maxQueuedRequests?: number
  /**
   * After a request got no reply, the SDK sends one `ping`; with no frame back within this long (ms) the
   * socket is treated as dead (half-open) and replaced. Default 5000.
   */
  readonly pongTimeoutMs?: number
  /** Receives debug lines (state changes, closes, retries, queue, liveness) — never tokens or tickets. Default: none. */
  readonly debug?: DebugLogger
  /** Give up (state `closed`) after this many failed reconnects in a row. Default: never. */
  readonly maxReconnectAttempts?: number
}
